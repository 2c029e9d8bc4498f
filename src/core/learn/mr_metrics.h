/*
 * mr_metrics.h
 *	  Classification metrics from (true class, predicted probabilities)
 *	  pairs: what rnn_evaluate() and rnn_roc() report.
 *
 * The reference for every definition below is scikit-learn 1.2.1 (the
 * version the cross-check in test/c/metrics_cases.h was generated with);
 * each metric names the sklearn call it reproduces.  Notation: n rows, K
 * classes, y_i the true class of row i, p_ik its K probabilities, and
 * pred_i = argmax_k p_ik (the first k on a tie, like np.argmax).
 *
 * Per class k, with TP_k = #{i : y_i = k and pred_i = k},
 * support_k = #{i : y_i = k} and predicted_k = #{i : pred_i = k}:
 *	  precision_k = TP_k / predicted_k
 *	  recall_k	  = TP_k / support_k
 *	  f1_k		  = 2 TP_k / (support_k + predicted_k)
 *	  (= 2 P R / (P + R)), each 0 when its denominator is 0: sklearn's
 *	  precision_recall_fscore_support(labels=range(K), zero_division=0).
 *
 *	  accuracy	  = sum_k TP_k / n						(accuracy_score)
 *	  macro_f1	  = mean of f1_k over the classes that occur as a true or
 *					a predicted class	(f1_score(average="macro",
 *					zero_division=0) with sklearn's default labels =
 *					unique_labels(y_true, y_pred); a class that never
 *					occurs is left out rather than counted as F1 = 0)
 *	  weighted_f1 = sum_k support_k f1_k / n	 (f1_score(average="weighted"))
 *	  confusion	  = C[t][p] = #{i : y_i = t and pred_i = p}, rows are true
 *					classes, columns predicted ones (confusion_matrix); it
 *					is returned sparse (nonzero cells only), because a dense
 *					K x K matrix is 80 GB at K = 100000
 *	  log_loss	  = mean_i -log(q_i,y_i), where q_ik = c_ik / sum_j c_ij and
 *					c_ik = min(max(p_ik, eps), 1 - eps): every probability
 *					is clipped and each row renormalised, as sklearn does.
 *					eps = DBL_EPSILON (2.22e-16): sklearn 1.2's default
 *					eps="auto" is np.finfo(y_pred.dtype).eps, and y_pred is
 *					float64 by the time it reaches Python.  (Before 1.2 the
 *					default was 1e-15.)
 *
 * The binary metrics need a positive class pos (positive_class >= 0).
 * Then score_i = p_i,pos and the row is positive when y_i = pos; for K > 2
 * this is "pos versus the rest", the same as calling sklearn with
 * y_true == pos and y_score = p[:, pos].  With P positives and N negatives,
 * and TP(t), FP(t) the positives and negatives with score >= t:
 *	  roc_auc	  = the trapezoidal area under the ROC curve built from the
 *					distinct scores taken as thresholds, i.e. the
 *					Mann-Whitney probability that a random positive scores
 *					above a random negative, ties counting 1/2
 *					(roc_auc_score)
 *	  pr_auc	  = average precision = sum over the distinct thresholds t_n,
 *					from the highest down, of (R_n - R_{n-1}) P_n with
 *					R_n = TP(t_n) / P, P_n = TP(t_n) / (TP(t_n) + FP(t_n))
 *					and R_0 = 0: no interpolation
 *					(average_precision_score)
 *	  brier		  = mean_i (score_i - [y_i = pos])^2
 *					(brier_score_loss(pos_label=pos))
 *	  calibration = 10 uniform bins on [0, 1] with edges e_j = j * 0.1
 *					computed in double (so e_3 = 0.30000000000000004, as
 *					np.linspace(0, 1, 11) has it); a score s goes to bin
 *					b = #{j in 1..9 : e_j < s}, i.e.
 *					np.searchsorted(bins[1:-1], s): bin 0 is [0, e_1] and
 *					bin b > 0 is (e_b, e_{b+1}].  A score at an edge thus
 *					goes to the lower bin; 0.1f is slightly above 0.1 and
 *					goes to bin 1.  Each bin reports its row count, the mean
 *					score (prob_pred) and the fraction of positives
 *					(prob_true) of calibration_curve(n_bins=10,
 *					strategy="uniform"), which lists only non-empty bins;
 *					here empty bins are kept, with count 0 and NaN means.
 *
 * Undefined values are NaN: every metric when there are no rows; roc_auc
 * and pr_auc when P = 0 or N = 0 (sklearn raises for the AUC there, and
 * for AP returns 0 with no positives and 1 with no negatives); all binary
 * metrics without a positive class.
 *
 * Probabilities are taken as given (the caller guarantees finite values);
 * a NaN probability is read as 0 everywhere, and -0 is read as +0 so that
 * ties are ties.  Sums are kept in double.  Memory is O(K) plus, with a
 * positive class, 8 bytes per row (the scores must be sorted for the AUC)
 * and, for the confusion matrix, O(number of distinct (true, predicted)
 * pairs with true != predicted).
 *
 * Usage: mr_metrics_new, mr_metrics_add per row, then mr_metrics_finish
 * and/or mr_roc_curve, then mr_metrics_free.  Results point into memory the
 * accumulator owns, so nothing needs freeing besides the accumulator.
 */
#ifndef MR_METRICS_H
#define MR_METRICS_H

#include <stdint.h>

#include "mr_common.h"

#define MR_CALIBRATION_BINS 10

typedef struct MrMetricsAcc MrMetricsAcc;

/* One nonzero cell of the confusion matrix */
typedef struct MrConfusionCell
{
	int32_t		true_class;		/* row of the matrix */
	int32_t		pred_class;		/* column of the matrix */
	int64_t		count;			/* > 0 */
} MrConfusionCell;

/* One bin of the reliability diagram */
typedef struct MrCalibrationBin
{
	int64_t		count;			/* rows whose score falls in the bin */
	double		mean_score;		/* prob_pred; NaN if count is 0 */
	double		frac_positive;	/* prob_true; NaN if count is 0 */
} MrCalibrationBin;

/*
 * What mr_metrics_finish reports.  The arrays belong to the accumulator and
 * stay valid until the next mr_metrics_add, mr_metrics_finish or
 * mr_metrics_free on it.
 */
typedef struct MrMetrics
{
	int32_t		K;				/* classes */
	int32_t		positive_class; /* -1: no binary metrics */
	int64_t		rows;
	double		accuracy;
	double		macro_f1;
	double		weighted_f1;
	double		log_loss;
	const double *precision;	/* (K) */
	const double *recall;		/* (K) */
	const double *f1;			/* (K) */
	const int64_t *support;		/* (K) rows whose true class is k */
	const int64_t *predicted;	/* (K) rows predicted as k */
	const MrConfusionCell *confusion;	/* (n_confusion) by (true, pred) */
	int64_t		n_confusion;	/* nonzero cells; absent cells are 0 */
	/* binary metrics; NaN (and empty bins) without a positive class */
	int64_t		positives;		/* P (0 without a positive class) */
	double		roc_auc;
	double		pr_auc;			/* average precision */
	double		brier;
	MrCalibrationBin calibration[MR_CALIBRATION_BINS];
} MrMetrics;

/* One point of the ROC (and precision-recall) curve */
typedef struct MrRocPoint
{
	double		threshold;		/* rows with score >= threshold are positive */
	double		tpr;			/* TP / P; NaN if P = 0 */
	double		fpr;			/* FP / N; NaN if N = 0 */
	double		precision;		/* TP / (TP + FP); 1 at the first point */
} MrRocPoint;

/*
 * New empty accumulator for K classes (1..MR_MAX_CLASSES); positive_class
 * is in [0, K) to get the binary metrics, or -1.  MR_EINVAL for arguments
 * out of range, MR_ENOMEM if an allocation fails.
 */
MrStatus	mr_metrics_new(const MrAllocator *a, int32_t K, int32_t positive_class,
						   MrMetricsAcc **out);

/* Release the accumulator and every result it handed out (NULL is fine) */
void		mr_metrics_free(MrMetricsAcc *acc);

/*
 * Count one row: true_class in [0, K) and its K probabilities.  MR_EINVAL
 * for a class out of range, MR_ENOMEM if the row storage cannot grow; on
 * any error the row is not counted and the accumulator is unchanged.
 */
MrStatus	mr_metrics_add(MrMetricsAcc *acc, int32_t true_class, const float *probs);

/*
 * Compute every metric of the rows added so far (see above).  May be called
 * again after more rows.  MR_ENOMEM if the sort or the result arrays cannot
 * be allocated; *out is then not valid, the accumulator still is.
 */
MrStatus	mr_metrics_finish(MrMetricsAcc *acc, MrMetrics *out);

/*
 * The ROC curve with precision, from the highest threshold down, like
 * sklearn roc_curve(drop_intermediate=False) joined with
 * precision_recall_curve.  Point 0 is the start of the curve, (tpr, fpr) =
 * (0, 0), at threshold +infinity (sklearn 1.2 puts max score + 1 there,
 * 1.3 and later infinity), with precision 1 since nothing is predicted
 * positive (precision_recall_curve's convention); then one point per
 * distinct score, the last one at the lowest score with tpr = fpr = 1.  So
 * *n_points is the number of distinct scores plus 1, or 0 without rows.
 * MR_EINVAL without a positive class.  *points belongs to the accumulator
 * and stays valid until the next mr_metrics_add, mr_roc_curve or
 * mr_metrics_free.
 */
MrStatus	mr_roc_curve(MrMetricsAcc *acc, const MrRocPoint **points,
						 int64_t *n_points);

#endif							/* MR_METRICS_H */
