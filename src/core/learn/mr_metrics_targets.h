/*
 * mr_metrics_targets.h
 *	  Metrics for the targets that are not one class per row: regression
 *	  (a number per row) and multi-label / multi-task classification (K
 *	  yes/no labels per row, some of which may be unknown).
 *
 * As in mr_metrics.h the reference is scikit-learn 1.2.1 (with numpy
 * 1.24), and each figure names the call it reproduces; the seeded
 * cross-checks are in test/c/test_metrics_targets.c.
 *
 * Regression.  n rows, y_i the true value, f_i the prediction and
 * r_i = f_i - y_i the residual (prediction minus truth, so a positive mean
 * residual means the model predicts too high):
 *	  rmse		  = sqrt(mean_i (y_i - f_i)^2)
 *					(mean_squared_error(squared=False))
 *	  mae		  = mean_i |y_i - f_i|			(mean_absolute_error)
 *	  r2		  = 1 - SS_res / SS_tot, SS_res = sum_i (y_i - f_i)^2 and
 *					SS_tot = sum_i (y_i - mean_true)^2; when SS_tot = 0 it
 *					is 1 if SS_res = 0 and else 0 (r2_score with its
 *					default force_finite=True); NaN with fewer than 2 rows
 *					(sklearn warns and returns NaN).  SS_tot is exactly 0
 *					when all y_i are equal: the rounded mean of equal values
 *					need not equal them, and sklearn then divides by a
 *					rounding error (r2_score([0.1] * 3, [0.2] * 3) is
 *					-5.2e31 there, 0 here).
 *	  mean_true	  = mean_i y_i						(np.mean)
 *	  std_true	  = sqrt(SS_tot / n), the population standard deviation
 *					(np.std, ddof=0)
 *	  mean_residual = mean_i r_i
 *	  residual_quantile[j] = np.quantile(r, mr_reg_quantile_levels[j]) with
 *					numpy's default method="linear": with the r_i sorted
 *					ascending, h = (n - 1) q, lo = floor(h), g = h - lo, it
 *					is r_lo + (r_lo+1 - r_lo) g, computed as numpy's _lerp
 *					does (from the upper end when g >= 0.5)
 *	  max_abs_error = max_i |y_i - f_i|			(max_error)
 * Every figure is NaN with no rows.  Sums are compensated (Neumaier) and
 * SS_tot is taken around the mean in a second pass, with the corrected
 * two-pass term, so a large mean does not swamp a small spread.  Values
 * beyond about 1e154 overflow the squares to infinity.
 *
 * Multi-label.  n rows and K labels; y_ik in {1, 0, -1} is the truth of
 * label k in row i (positive, negative, unknown), p_ik its probability
 * (one sigmoid per label, so a row's K need not sum to 1), and the entry is
 * predicted positive when p_ik >= t_k, t_k the label's threshold.  An
 * unknown entry is left out of every figure, as if the row had no label k
 * at all: in multi-task data not every task is measured on every row.
 * When nothing is unknown each figure equals the named sklearn call on the
 * n x K indicator matrices Y and PRED (and the scores S for the AUCs).
 *
 * Per label k, over the known_k rows where y_ik is known, with
 * positives_k = #{y_ik = 1}, predicted_k = #{pred_ik = 1} and TP_k both:
 *	  precision_k = TP_k / predicted_k, recall_k = TP_k / positives_k,
 *	  f1_k = 2 TP_k / (positives_k + predicted_k), each 0 when its
 *					denominator is 0 (precision_recall_fscore_support(Y, PRED,
 *					average=None, zero_division=0))
 *	  accuracy_k  = entries right / known_k		(accuracy_score(Y[:, k],
 *					PRED[:, k]))
 *	  roc_auc_k, pr_auc_k = mr_metrics.h's roc_auc and pr_auc of the known
 *					rows scored by p_ik (roc_auc_score(Y[:, k], S[:, k]),
 *					average_precision_score(Y[:, k], S[:, k])); NaN unless
 *					both classes occur among the known rows
 * All of them NaN when known_k = 0.
 *
 * Over all known entries (sums over k of the counts above):
 *	  micro_precision = sum TP / sum predicted, micro_recall = sum TP / sum
 *					positives, micro_f1 = 2 sum TP / (sum positives + sum
 *					predicted), each 0 when its denominator is 0
 *					(f1_score(average="micro", zero_division=0) and its
 *					precision_score and recall_score)
 *	  hamming_loss = wrong entries / known entries	(hamming_loss)
 *	  macro_f1	  = mean of f1_k over the labels with known_k > 0
 *					(f1_score(average="macro", zero_division=0)).  Unlike
 *					mr_metrics.h's multi-class macro F1, which leaves out a
 *					class that never occurs, a label never positive and
 *					never predicted counts here, with F1 0: on an indicator
 *					matrix sklearn averages every column.
 *	  mean_roc_auc, mean_pr_auc = the means of roc_auc_k and pr_auc_k over
 *					the auc_labels labels where they are defined; NaN when
 *					there is none (roc_auc_score(Y, S, average="macro")
 *					when every label has both classes; sklearn raises
 *					instead of leaving a label out)
 *
 * Per row, over the rows_known rows with at least one known entry (a row
 * with none is left out), T_i and P_i being the row's known entries that
 * are truly and predicted positive:
 *	  example_f1  = mean_i 2 |T_i and P_i| / (|T_i| + |P_i|), a row with
 *					|T_i| + |P_i| = 0 counting 0 (f1_score(average="samples",
 *					zero_division=0); with zero_division=1 it would count 1)
 *	  subset_accuracy = rows whose known entries are all right / rows_known
 *					(accuracy_score(Y, PRED) on the indicator matrices)
 *
 * The global figures are NaN when nothing is known (no row, or every
 * entry -1).
 *
 * mr_best_f1_threshold picks a label's decision threshold (training does
 * it on the validation rows): among the distinct scores of the known rows,
 * the t for which "score >= t" has the highest F1, 2 TP / (P + TP + FP);
 * of equal F1, the t closest to 0.5, and of two as close, the higher.  It
 * is 0.5 when the known rows lack a positive or a negative: with no
 * positive every t has F1 0, and with no negative the lowest score gives
 * F1 1, a threshold that says nothing about unseen negatives.
 *
 * Memory: the regression accumulator keeps 16 bytes per row (the pairs,
 * for the quantiles), plus 8 per row while finishing.  The multi-label one
 * keeps 5 bytes per entry (K per row), and while finishing or drawing a
 * curve, one binary mr_metrics accumulator for one label at a time
 * (8 bytes per known entry of that label): the per-label AUCs and curves
 * are exactly mr_metrics.h's.  They are built from the kept rows only when
 * asked for, so an add either counts its whole row or changes nothing.
 *
 * Usage: _new, _add per row, _finish (and mr_multi_roc_curve), _free.
 * Results point into memory the accumulator owns.
 */
#ifndef MR_METRICS_TARGETS_H
#define MR_METRICS_TARGETS_H

#include <stdint.h>

#include "mr_common.h"
#include "mr_metrics.h"

#define MR_REG_QUANTILES 5

/* The residual quantile levels: 0.05, 0.25, 0.5, 0.75, 0.95 */
extern const double mr_reg_quantile_levels[MR_REG_QUANTILES];

typedef struct MrRegAcc MrRegAcc;

/* What mr_reg_metrics_finish reports (definitions above) */
typedef struct MrRegMetrics
{
	int64_t		rows;
	double		rmse;
	double		mae;
	double		r2;
	double		mean_true;
	double		std_true;		/* population (ddof = 0) */
	double		mean_residual;	/* residual = prediction - truth */
	double		residual_quantile[MR_REG_QUANTILES];	/* at mr_reg_quantile_levels */
	double		max_abs_error;
} MrRegMetrics;

/* New empty regression accumulator; MR_EINVAL without a or out, MR_ENOMEM */
MrStatus	mr_reg_metrics_new(const MrAllocator *a, MrRegAcc **out);

/* Release the accumulator (NULL is fine) */
void		mr_reg_metrics_free(MrRegAcc *acc);

/*
 * Count one row.  MR_EINVAL unless both values are finite, MR_ENOMEM if the
 * row storage cannot grow; on any error the row is not counted.
 */
MrStatus	mr_reg_metrics_add(MrRegAcc *acc, double y_true, double y_pred);

/*
 * Every figure of the rows added so far; may be called again after more
 * rows.  MR_ENOMEM if the residuals cannot be sorted (*out is then not
 * valid, the accumulator still is).
 */
MrStatus	mr_reg_metrics_finish(MrRegAcc *acc, MrRegMetrics *out);

typedef struct MrMultiAcc MrMultiAcc;

/*
 * What mr_multi_metrics_finish reports (definitions above).  The arrays
 * (K each) belong to the accumulator and stay valid until the next
 * mr_multi_metrics_add, mr_multi_metrics_finish or mr_multi_metrics_free.
 */
typedef struct MrMultiMetrics
{
	int32_t		K;				/* labels */
	int32_t		auc_labels;		/* labels in mean_roc_auc and mean_pr_auc */
	int64_t		rows;			/* rows added */
	int64_t		rows_known;		/* of them with at least one known entry */
	int64_t		known;			/* known entries, sum of known_k */
	const int64_t *known_k;		/* rows where label k is known */
	const int64_t *positives_k; /* ... and positive */
	const int64_t *predicted_k; /* ... and predicted positive */
	const double *precision;
	const double *recall;
	const double *f1;
	const double *roc_auc;		/* NaN unless both classes are known */
	const double *pr_auc;		/* average precision, the same */
	const double *accuracy_k;
	double		micro_precision;
	double		micro_recall;
	double		micro_f1;
	double		macro_f1;
	double		example_f1;		/* average="samples" */
	double		subset_accuracy;
	double		hamming_loss;
	double		mean_roc_auc;
	double		mean_pr_auc;
} MrMultiMetrics;

/*
 * New empty accumulator for K labels (1..MR_MAX_CLASSES) with one decision
 * threshold per label, copied (thresholds NULL: 0.5 for every label).
 * MR_EINVAL for K out of range or a NaN threshold, MR_ENOMEM.
 */
MrStatus	mr_multi_metrics_new(const MrAllocator *a, int32_t K,
								 const float *thresholds, MrMultiAcc **out);

/* Release the accumulator and every result it handed out (NULL is fine) */
void		mr_multi_metrics_free(MrMultiAcc *acc);

/*
 * Count one row: K truths in {1, 0, -1} and K probabilities.  The
 * probability of an unknown entry is ignored (it may be anything, even
 * NaN); a known entry's must be finite.  MR_EINVAL for a truth outside
 * {1, 0, -1} or a non-finite known probability, MR_ENOMEM if the row
 * storage cannot grow; on any error the row is not counted.
 */
MrStatus	mr_multi_metrics_add(MrMultiAcc *acc, const int8_t *truth,
								 const float *probs);

/*
 * Every figure of the rows added so far; may be called again after more
 * rows.  MR_ENOMEM if a label's binary accumulator cannot be built (*out
 * is then not valid, the accumulator still is).
 */
MrStatus	mr_multi_metrics_finish(MrMultiAcc *acc, MrMultiMetrics *out);

/*
 * Label k's ROC curve with precision over its known rows, as mr_roc_curve
 * gives it (no points when label k has no known entry).  MR_EINVAL for k
 * outside [0, K), MR_ENOMEM.  *points belongs to the accumulator and stays
 * valid until the next mr_multi_roc_curve or mr_multi_metrics_free.
 */
MrStatus	mr_multi_roc_curve(MrMultiAcc *acc, int32_t k,
							   const MrRocPoint **points, int64_t *n_points);

/*
 * The threshold with the best F1 (see above) for n rows whose truth (1, 0
 * or -1 unknown) is truth[i * truth_stride] and score scores[i *
 * score_stride]; the strides let it read column k of row-major n x K
 * arrays.  MR_EINVAL for n < 0, a stride < 1 or a truth outside {1, 0, -1}
 * or a non-finite known score; MR_ENOMEM for the O(known rows) sort space
 * from a.  *threshold is set only on MR_OK.
 */
MrStatus	mr_best_f1_threshold(const MrAllocator *a, const int8_t *truth,
								 int64_t truth_stride, const float *scores,
								 int64_t score_stride, int64_t n, float *threshold);

#endif							/* MR_METRICS_TARGETS_H */
