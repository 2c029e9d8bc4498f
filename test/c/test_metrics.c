/*
 * test_metrics.c
 *	  Evaluation metrics: hand-worked cases, the undefined cases (ties,
 *	  one class, no rows), log-loss clipping, calibration bin edges,
 *	  ENOMEM at every allocation, and agreement with scikit-learn on the
 *	  seeded cases of metrics_cases.h (tools/gen_metrics_cases.py).
 */
#include "mr_test.h"
#include "test_alloc.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_cases.h"
#include "mr_metrics.h"

/* a and b agree to tol relative, or are both NaN */
static int
near(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b || fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

/* Relative difference of a and b, for diagnostics (0 if both NaN) */
static double
reldiff(double a, double b)
{
	if (isnan(a) && isnan(b))
		return 0.0;
	if (a == b)
		return 0.0;
	return fabs(a - b) / fmax(fabs(a), fabs(b));
}

/* Add a binary row with probabilities (1 - s, s) */
static MrStatus
add_binary(MrMetricsAcc *acc, int32_t y, float s)
{
	float		p[2];

	p[0] = 1.0f - s;
	p[1] = s;
	return mr_metrics_add(acc, y, p);
}

/*
 * Six rows, positive class 1, scores exact in binary (multiples of 1/8)
 * with one tie at 0.625:
 *
 *	  row	y	score	pred (argmax of (1-s, s))
 *	  1		1	0.875	1
 *	  2		0	0.75	1
 *	  3		1	0.625	1
 *	  4		0	0.625	1
 *	  5		1	0.25	0
 *	  6		0	0.125	0
 *
 * Confusion: true 0 -> [1, 2], true 1 -> [1, 2]; accuracy 3/6 = 0.5.
 * Class 0: TP 1, predicted 2, support 3: P = 1/2, R = 1/3, F1 = 2/5.
 * Class 1: TP 2, predicted 4, support 3: P = 1/2, R = 2/3, F1 = 4/7.
 * macro F1 = weighted F1 (equal supports) = (2/5 + 4/7) / 2 = 17/35.
 * AUC: positive 0.875 beats all 3 negatives (3); 0.625 beats 0.125 and
 * ties 0.625 (1.5); 0.25 beats 0.125 (1): 5.5 / 9 = 11/18.
 * AP: thresholds 0.875 (TP 1, FP 0), 0.75 (no new TP), 0.625 (TP 2, FP 2),
 * 0.25 (TP 3, FP 2), 0.125 (no new TP):
 * 1/3 * 1 + 1/3 * 1/2 + 1/3 * 3/5 = 1/3 + 1/6 + 1/5 = 7/10.
 * Brier: (1/8)^2 + (3/4)^2 + (3/8)^2 + (5/8)^2 + (3/4)^2 + (1/8)^2
 * = (1 + 36 + 9 + 25 + 36 + 1) / 64 = 108/64, over 6 = 0.28125.
 * Log loss: p[true] = 0.875, 0.25, 0.625, 0.375, 0.25, 0.875 (rows sum to
 * 1, nothing clipped), mean of -ln.
 * Calibration: 0.125 -> bin 1, 0.25 -> bin 2, 0.625 x2 -> bin 6 (one
 * positive: 1/2), 0.75 -> bin 7 (0.7000000000000001 < 0.75 <= 0.8),
 * 0.875 -> bin 8; the rest empty.
 * ROC (threshold, tpr, fpr, precision): (inf, 0, 0, 1), (0.875, 1/3, 0, 1),
 * (0.75, 1/3, 1/3, 1/2), (0.625, 2/3, 2/3, 1/2), (0.25, 1, 2/3, 3/5),
 * (0.125, 1, 1, 1/2).
 */
static void
test_hand_binary(void)
{
	static const int32_t ys[6] = {1, 0, 1, 0, 1, 0};
	static const float ss[6] = {0.875f, 0.75f, 0.625f, 0.625f, 0.25f, 0.125f};
	static const double roc[6][4] = {
		{INFINITY, 0.0, 0.0, 1.0},
		{0.875, 1.0 / 3, 0.0, 1.0},
		{0.75, 1.0 / 3, 1.0 / 3, 0.5},
		{0.625, 2.0 / 3, 2.0 / 3, 0.5},
		{0.25, 1.0, 2.0 / 3, 0.6},
		{0.125, 1.0, 1.0, 0.5},
	};
	MrMetricsAcc *acc;
	MrMetrics	m;
	const MrRocPoint *pts;
	int64_t		npts;
	double		ll;
	int			ok = 1;

	MR_CHECK(mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc) == MR_OK, "new binary accumulator");
	for (int i = 0; i < 6; i++)
		ok &= add_binary(acc, ys[i], ss[i]) == MR_OK;
	MR_CHECK(ok, "six rows added");
	MR_CHECK(mr_metrics_finish(acc, &m) == MR_OK, "finish");
	MR_CHECK(m.rows == 6 && m.positives == 3, "rows 6, positives 3");
	MR_CHECK(m.accuracy == 0.5, "accuracy 3/6");
	MR_CHECK(near(m.precision[0], 0.5, 1e-15) && near(m.recall[0], 1.0 / 3, 1e-15) &&
			 near(m.f1[0], 0.4, 1e-15), "class 0: P 1/2, R 1/3, F1 2/5");
	MR_CHECK(near(m.precision[1], 0.5, 1e-15) && near(m.recall[1], 2.0 / 3, 1e-15) &&
			 near(m.f1[1], 4.0 / 7, 1e-15), "class 1: P 1/2, R 2/3, F1 4/7");
	MR_CHECK(m.support[0] == 3 && m.support[1] == 3 && m.predicted[0] == 2 &&
			 m.predicted[1] == 4, "support 3/3, predicted 2/4");
	MR_CHECK(near(m.macro_f1, 17.0 / 35, 1e-15) && near(m.weighted_f1, 17.0 / 35, 1e-15),
			 "macro and weighted F1 17/35");
	MR_CHECK(m.n_confusion == 4 &&
			 m.confusion[0].true_class == 0 && m.confusion[0].pred_class == 0 && m.confusion[0].count == 1 &&
			 m.confusion[1].true_class == 0 && m.confusion[1].pred_class == 1 && m.confusion[1].count == 2 &&
			 m.confusion[2].true_class == 1 && m.confusion[2].pred_class == 0 && m.confusion[2].count == 1 &&
			 m.confusion[3].true_class == 1 && m.confusion[3].pred_class == 1 && m.confusion[3].count == 2,
			 "confusion [[1, 2], [1, 2]] in (true, pred) order");
	MR_CHECK(near(m.roc_auc, 11.0 / 18, 1e-15), "AUC 11/18 with the tie counted 1/2 (got %.17g)", m.roc_auc);
	MR_CHECK(near(m.pr_auc, 0.7, 1e-15), "average precision 7/10 (got %.17g)", m.pr_auc);
	MR_CHECK(m.brier == 0.28125, "Brier 0.28125 (got %.17g)", m.brier);
	ll = -(log(0.875) + log(0.25) + log(0.625) + log(0.375) + log(0.25) + log(0.875)) / 6;
	MR_CHECK(near(m.log_loss, ll, 1e-14), "log loss is the mean of -ln p[true]");
	MR_CHECK(m.calibration[1].count == 1 && m.calibration[1].frac_positive == 0.0 &&
			 m.calibration[2].count == 1 && m.calibration[2].frac_positive == 1.0 &&
			 m.calibration[6].count == 2 && m.calibration[6].mean_score == 0.625 &&
			 m.calibration[6].frac_positive == 0.5 &&
			 m.calibration[7].count == 1 && m.calibration[7].mean_score == 0.75 &&
			 m.calibration[8].count == 1 && m.calibration[8].frac_positive == 1.0,
			 "calibration bins 1, 2, 6 (two rows), 7, 8");
	MR_CHECK(m.calibration[0].count == 0 && isnan(m.calibration[0].mean_score) &&
			 isnan(m.calibration[0].frac_positive) && m.calibration[9].count == 0 &&
			 isnan(m.calibration[9].mean_score),
			 "empty calibration bins have count 0 and NaN means");

	MR_CHECK(mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == 6, "ROC: 5 distinct scores + the start");
	ok = npts == 6;
	for (int i = 0; ok && i < 6; i++)
		ok = pts[i].threshold == roc[i][0] && near(pts[i].tpr, roc[i][1], 1e-15) &&
			near(pts[i].fpr, roc[i][2], 1e-15) && near(pts[i].precision, roc[i][3], 1e-15);
	MR_CHECK(ok, "ROC points from +inf down, with precision");
	mr_metrics_free(acc);
}

/* All scores equal: one threshold, AUC 1/2, AP = the share of positives */
static void
test_all_tied(void)
{
	MrMetricsAcc *acc;
	MrMetrics	m;
	const MrRocPoint *pts;
	int64_t		npts;

	mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
	/* four rows at 0.375, one positive: AUC (1 x 3 ties x 1/2) / 3 = 1/2 */
	add_binary(acc, 1, 0.375f);
	add_binary(acc, 0, 0.375f);
	add_binary(acc, 0, 0.375f);
	add_binary(acc, 0, 0.375f);
	mr_metrics_finish(acc, &m);
	MR_CHECK(m.roc_auc == 0.5, "all tied: AUC 1/2");
	/* one threshold: recall 0 -> 1 at precision 1/4 */
	MR_CHECK(m.pr_auc == 0.25, "all tied: AP 1/4");
	MR_CHECK(mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == 2 &&
			 pts[1].threshold == 0.375 && pts[1].tpr == 1.0 && pts[1].fpr == 1.0 &&
			 pts[1].precision == 0.25, "all tied: ROC is the start and one point");
	mr_metrics_free(acc);

	/* -0 and +0 are one threshold, as in numpy */
	{
		float		p1[2] = {1.0f, -0.0f};
		float		p2[2] = {1.0f, 0.0f};

		mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
		mr_metrics_add(acc, 1, p1);
		mr_metrics_add(acc, 0, p2);
		mr_metrics_finish(acc, &m);
		MR_CHECK(m.roc_auc == 0.5 && mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == 2,
				 "-0 and +0 scores tie");
		mr_metrics_free(acc);
	}
}

/* Rows of one class: AUC and AP undefined (NaN), the rest still computed */
static void
test_single_class(void)
{
	MrMetricsAcc *acc;
	MrMetrics	m;
	const MrRocPoint *pts;
	int64_t		npts;

	mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
	add_binary(acc, 1, 0.75f);
	add_binary(acc, 1, 0.25f);
	add_binary(acc, 1, 0.75f);
	mr_metrics_finish(acc, &m);
	MR_CHECK(isnan(m.roc_auc) && isnan(m.pr_auc), "only positives: AUC and AP are NaN");
	/* (1/4)^2 + (3/4)^2 + (1/4)^2 = 11/16, over 3 */
	MR_CHECK(near(m.brier, 11.0 / 48, 1e-15) && near(m.accuracy, 2.0 / 3, 1e-15),
			 "only positives: Brier 11/48, accuracy 2/3");
	/* class 0 never occurs as truth but is predicted once: F1 0 counts */
	MR_CHECK(m.f1[0] == 0.0 && near(m.f1[1], 0.8, 1e-15) && near(m.macro_f1, 0.4, 1e-15) &&
			 near(m.weighted_f1, 0.8, 1e-15), "only positives: per-class and averaged F1");
	MR_CHECK(mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == 3 &&
			 isnan(pts[0].fpr) && isnan(pts[2].fpr) && pts[1].tpr == 2.0 / 3 && pts[2].tpr == 1.0,
			 "only positives: ROC fpr is NaN (as in sklearn), tpr defined");
	mr_metrics_free(acc);

	mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
	add_binary(acc, 0, 0.75f);
	add_binary(acc, 0, 0.25f);
	mr_metrics_finish(acc, &m);
	MR_CHECK(isnan(m.roc_auc) && isnan(m.pr_auc) && m.positives == 0,
			 "only negatives: AUC and AP are NaN");
	MR_CHECK(mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == 3 && isnan(pts[1].tpr) &&
			 pts[1].fpr == 0.5 && pts[1].precision == 0.0,
			 "only negatives: ROC tpr is NaN, precision 0");
	mr_metrics_free(acc);
}

/* No rows: every metric NaN, rows 0, an empty ROC */
static void
test_empty(void)
{
	MrMetricsAcc *acc;
	MrMetrics	m;
	const MrRocPoint *pts = (const MrRocPoint *) &m;
	int64_t		npts = -1;
	int			nan_bins = 1;

	mr_metrics_new(&mr_malloc_allocator, 3, 2, &acc);
	MR_CHECK(mr_metrics_finish(acc, &m) == MR_OK, "finish with no rows");
	MR_CHECK(m.rows == 0 && isnan(m.accuracy) && isnan(m.macro_f1) && isnan(m.weighted_f1) &&
			 isnan(m.log_loss) && isnan(m.roc_auc) && isnan(m.pr_auc) && isnan(m.brier),
			 "no rows: rows 0 and every metric NaN");
	MR_CHECK(isnan(m.precision[0]) && isnan(m.recall[1]) && isnan(m.f1[2]) &&
			 m.support[0] == 0 && m.n_confusion == 0, "no rows: per-class NaN, support 0, no cells");
	for (int b = 0; b < MR_CALIBRATION_BINS; b++)
		nan_bins &= m.calibration[b].count == 0 && isnan(m.calibration[b].mean_score);
	MR_CHECK(nan_bins, "no rows: calibration bins empty");
	MR_CHECK(mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == 0 && pts == NULL,
			 "no rows: ROC has no points");
	mr_metrics_free(acc);

	/* no positive class: the binary metrics are NaN and there is no ROC */
	mr_metrics_new(&mr_malloc_allocator, 2, -1, &acc);
	add_binary(acc, 1, 0.75f);
	add_binary(acc, 0, 0.25f);
	mr_metrics_finish(acc, &m);
	MR_CHECK(m.accuracy == 1.0 && isnan(m.roc_auc) && isnan(m.brier) && m.positives == 0 &&
			 m.calibration[2].count == 0, "no positive class: binary metrics NaN");
	MR_CHECK(mr_roc_curve(acc, &pts, &npts) == MR_EINVAL, "no positive class: ROC is MR_EINVAL");
	mr_metrics_free(acc);
}

/*
 * K = 3, seven rows given as one-hot-ish probabilities:
 *
 *	  y	   0  0	 1	1  2  2	 2
 *	  pred 0  1	 1	1  2  0	 2
 *
 * Confusion [[1, 1, 0], [0, 2, 0], [1, 0, 2]]; support (2, 2, 3),
 * predicted (2, 3, 2), TP (1, 2, 2); accuracy 5/7.
 * P = (1/2, 2/3, 1), R = (1/2, 1, 2/3), F1 = 2 TP / (support + predicted)
 * = (2/4, 4/5, 4/5).  macro = (0.5 + 0.8 + 0.8) / 3 = 0.7;
 * weighted = (2 * 0.5 + 2 * 0.8 + 3 * 0.8) / 7 = 5/7.
 */
static void
test_multiclass_hand(void)
{
	static const int32_t ys[7] = {0, 0, 1, 1, 2, 2, 2};
	static const int32_t preds[7] = {0, 1, 1, 1, 2, 0, 2};
	static const int64_t conf[3][3] = {{1, 1, 0}, {0, 2, 0}, {1, 0, 2}};
	MrMetricsAcc *acc;
	MrMetrics	m;
	int64_t		dense[3][3] = {{0}};
	int			ok = 1;

	mr_metrics_new(&mr_malloc_allocator, 3, -1, &acc);
	for (int i = 0; i < 7; i++)
	{
		float		p[3] = {0.25f, 0.25f, 0.25f};

		p[preds[i]] = 0.5f;
		mr_metrics_add(acc, ys[i], p);
	}
	mr_metrics_finish(acc, &m);
	MR_CHECK(near(m.accuracy, 5.0 / 7, 1e-15), "K=3: accuracy 5/7");
	MR_CHECK(near(m.precision[0], 0.5, 1e-15) && near(m.precision[1], 2.0 / 3, 1e-15) &&
			 m.precision[2] == 1.0, "K=3: precision (1/2, 2/3, 1)");
	MR_CHECK(near(m.recall[0], 0.5, 1e-15) && m.recall[1] == 1.0 &&
			 near(m.recall[2], 2.0 / 3, 1e-15), "K=3: recall (1/2, 1, 2/3)");
	MR_CHECK(m.f1[0] == 0.5 && near(m.f1[1], 0.8, 1e-15) && near(m.f1[2], 0.8, 1e-15),
			 "K=3: F1 (1/2, 4/5, 4/5)");
	MR_CHECK(near(m.macro_f1, 0.7, 1e-15), "K=3: macro F1 0.7 (got %.17g)", m.macro_f1);
	MR_CHECK(near(m.weighted_f1, 5.0 / 7, 1e-15), "K=3: weighted F1 5/7 (got %.17g)", m.weighted_f1);
	for (int64_t c = 0; c < m.n_confusion; c++)
	{
		ok &= m.confusion[c].count > 0;
		if (c > 0)
			ok &= m.confusion[c - 1].true_class < m.confusion[c].true_class ||
				(m.confusion[c - 1].true_class == m.confusion[c].true_class &&
				 m.confusion[c - 1].pred_class < m.confusion[c].pred_class);
		dense[m.confusion[c].true_class][m.confusion[c].pred_class] = m.confusion[c].count;
	}
	MR_CHECK(ok && m.n_confusion == 5 && memcmp(dense, conf, sizeof(dense)) == 0,
			 "K=3: confusion matrix, rows true, sorted nonzero cells");
	/* every row has p[true] in {0.25, 0.5} over a sum of 1 */
	MR_CHECK(near(m.log_loss, (5 * log(2.0) + 2 * log(4.0)) / 7, 1e-14), "K=3: log loss");
	mr_metrics_free(acc);

	/*
	 * The same rows with K = 4: class 3 is never a true or predicted class,
	 * so like sklearn's default labels it stays out of the macro average.
	 */
	mr_metrics_new(&mr_malloc_allocator, 4, -1, &acc);
	for (int i = 0; i < 7; i++)
	{
		float		p[4] = {0.2f, 0.2f, 0.2f, 0.1f};

		p[preds[i]] = 0.5f;
		mr_metrics_add(acc, ys[i], p);
	}
	mr_metrics_finish(acc, &m);
	MR_CHECK(near(m.macro_f1, 0.7, 1e-15) && m.f1[3] == 0.0 && m.support[3] == 0 &&
			 m.precision[3] == 0.0 && m.recall[3] == 0.0,
			 "a class that never occurs is 0 but left out of the macro F1");
	mr_metrics_free(acc);

	/* argmax takes the first class on a tie */
	{
		float		p[3] = {0.25f, 0.375f, 0.375f};

		mr_metrics_new(&mr_malloc_allocator, 3, -1, &acc);
		mr_metrics_add(acc, 1, p);
		mr_metrics_finish(acc, &m);
		MR_CHECK(m.predicted[1] == 1 && m.accuracy == 1.0, "argmax ties go to the first class");
		mr_metrics_free(acc);
	}
}

/* log loss clips at eps = DBL_EPSILON (sklearn 1.2 eps="auto") and renormalises */
static void
test_log_loss_clipping(void)
{
	MrMetricsAcc *acc;
	MrMetrics	m;
	const double eps = DBL_EPSILON;

	/* p[true] = 0: clipped to eps, row sum eps + (1 - eps) = 1: -ln(eps) */
	mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
	add_binary(acc, 1, 0.0f);
	mr_metrics_finish(acc, &m);
	MR_CHECK(near(m.log_loss, -log(eps), 1e-15) && near(m.log_loss, 36.04365338911715, 1e-15),
			 "p[true] = 0 costs -ln(2.22e-16) = 36.0437 (got %.17g)", m.log_loss);
	/* p[true] = 1: clipped to 1 - eps: -ln(1 - eps), about 2.2e-16 */
	add_binary(acc, 1, 1.0f);
	mr_metrics_finish(acc, &m);
	MR_CHECK(near(m.log_loss, (-log(eps) - log(1.0 - eps)) / 2, 1e-15) && isfinite(m.log_loss),
			 "p[true] = 1 costs -ln(1 - eps)");
	mr_metrics_free(acc);

	/* K = 3, (0, 0, 1) with true 0: eps / (eps + eps + 1 - eps) */
	{
		float		p[3] = {0.0f, 0.0f, 1.0f};

		mr_metrics_new(&mr_malloc_allocator, 3, -1, &acc);
		mr_metrics_add(acc, 0, p);
		mr_metrics_finish(acc, &m);
		MR_CHECK(near(m.log_loss, -log(eps / (1.0 + eps)), 1e-15), "K=3: clipped row is renormalised");
		mr_metrics_free(acc);
	}
	/* rows that do not sum to 1 are renormalised: (0.25, 0.25) -> 1/2 each */
	{
		float		p[2] = {0.25f, 0.25f};

		mr_metrics_new(&mr_malloc_allocator, 2, -1, &acc);
		mr_metrics_add(acc, 1, p);
		mr_metrics_finish(acc, &m);
		MR_CHECK(near(m.log_loss, log(2.0), 1e-15), "(0.25, 0.25) costs ln 2 after renormalising");
		mr_metrics_free(acc);
	}
	/* a NaN probability reads as 0: no NaN escapes into any metric */
	{
		float		p1[2] = {NAN, 0.75f};
		float		p2[2] = {0.75f, NAN};

		mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
		mr_metrics_add(acc, 1, p1);
		mr_metrics_add(acc, 0, p2);
		mr_metrics_finish(acc, &m);
		MR_CHECK(m.accuracy == 1.0 && m.roc_auc == 1.0 && isfinite(m.log_loss) &&
				 near(m.log_loss, -log(0.75 / (0.75 + eps)), 1e-15) &&
				 m.calibration[0].count == 1 && near(m.brier, 0.0625 / 2, 1e-15),
				 "NaN probabilities are read as 0");
		mr_metrics_free(acc);
	}
}

/*
 * Bin edges are j * 0.1 in double and a score goes to the number of edges
 * strictly below it (np.searchsorted, side left):
 *	  0.0f					  -> 0
 *	  0.099999994f (below 0.1) -> 0
 *	  0.1f = 0.10000000149 > 0.1 (0.1000000000000000055) -> 1
 *	  0.3f = 0.30000001192 > 0.30000000000000004 -> 3
 *	  0.5f is the edge 0.5 exactly -> 4 (the lower bin)
 *	  0.50000006f -> 5
 *	  0.7f = 0.69999998808 < 0.7000000000000001 -> 6
 *	  1.0f -> 9
 */
static void
test_calibration_edges(void)
{
	const float ss[8] = {0.0f, nextafterf(0.1f, 0.0f), 0.1f, 0.3f, 0.5f,
	nextafterf(0.5f, 1.0f), 0.7f, 1.0f};
	static const int32_t ys[8] = {0, 1, 1, 0, 1, 0, 1, 1};
	static const int64_t counts[MR_CALIBRATION_BINS] = {2, 1, 0, 1, 1, 1, 1, 0, 0, 1};
	MrMetricsAcc *acc;
	MrMetrics	m;
	int			ok = 1;

	mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
	for (int i = 0; i < 8; i++)
		add_binary(acc, ys[i], ss[i]);
	mr_metrics_finish(acc, &m);
	for (int b = 0; b < MR_CALIBRATION_BINS; b++)
		ok &= m.calibration[b].count == counts[b];
	MR_CHECK(ok, "scores at and next to the edges land in sklearn's bins");
	MR_CHECK(m.calibration[0].frac_positive == 0.5 &&
			 m.calibration[0].mean_score == (double) nextafterf(0.1f, 0.0f) / 2 &&
			 m.calibration[4].mean_score == 0.5 && m.calibration[4].frac_positive == 1.0 &&
			 m.calibration[9].mean_score == 1.0 && isnan(m.calibration[2].frac_positive),
			 "bin means: fraction positive and mean score");
	mr_metrics_free(acc);
}

/* Arguments out of range are MR_EINVAL and change nothing */
static void
test_invalid(void)
{
	MrMetricsAcc *acc;
	MrMetrics	m;
	float		p[2] = {0.5f, 0.5f};

	/* any non-NULL value: a failed new must clear it */
	acc = (MrMetricsAcc *) p;
	MR_CHECK(mr_metrics_new(&mr_malloc_allocator, 0, -1, &acc) == MR_EINVAL && acc == NULL,
			 "K = 0 is MR_EINVAL");
	MR_CHECK(mr_metrics_new(&mr_malloc_allocator, MR_MAX_CLASSES + 1, -1, &acc) == MR_EINVAL,
			 "K above MR_MAX_CLASSES is MR_EINVAL");
	MR_CHECK(mr_metrics_new(&mr_malloc_allocator, 2, 2, &acc) == MR_EINVAL &&
			 mr_metrics_new(&mr_malloc_allocator, 2, -2, &acc) == MR_EINVAL,
			 "positive class outside [-1, K) is MR_EINVAL");
	mr_metrics_new(&mr_malloc_allocator, 2, 1, &acc);
	MR_CHECK(mr_metrics_add(acc, 2, p) == MR_EINVAL && mr_metrics_add(acc, -1, p) == MR_EINVAL &&
			 mr_metrics_add(acc, 0, NULL) == MR_EINVAL, "true class outside [0, K) is MR_EINVAL");
	mr_metrics_finish(acc, &m);
	MR_CHECK(m.rows == 0, "rejected rows are not counted");
	mr_metrics_free(acc);
	mr_metrics_free(NULL);
}

/* Deterministic pseudo-random numbers for the larger tests (an LCG) */
static uint32_t
lcg(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (uint32_t) (*state >> 33);
}

/* Fill one row of K probabilities from the LCG, as multiples of 1/64 */
static void
random_row(uint64_t *state, int32_t K, float *p, int32_t *y)
{
	*y = (int32_t) (lcg(state) % (uint32_t) K);
	for (int32_t k = 0; k < K; k++)
		p[k] = (float) (lcg(state) % 65) / 64.0f;
}

/*
 * Every allocation failing in turn: the failing call returns MR_ENOMEM,
 * retrying it once memory is back succeeds with results identical to a
 * run that never failed, and freeing leaves nothing live.
 */
static void
test_alloc_failures(void)
{
	const int32_t K = 20;
	const int	n = 1500;
	MrMetricsAcc *acc;
	MrMetrics	ref;
	double		ref_roc_last = 0;
	int64_t		ref_nroc = 0;
	int			not_enomem = 0;
	int			leaks = 0;
	int			mismatches = 0;
	int			sites[4] = {0, 0, 0, 0};
	int			clean_run = 0;

	/* the reference run: never fails */
	{
		uint64_t	st = 7;
		const MrRocPoint *pts;

		mr_metrics_new(&mr_malloc_allocator, K, 3, &acc);
		for (int i = 0; i < n; i++)
		{
			float		p[20];
			int32_t		y;

			random_row(&st, K, p, &y);
			mr_metrics_add(acc, y, p);
		}
		mr_metrics_finish(acc, &ref);
		mr_roc_curve(acc, &pts, &ref_nroc);
		ref_roc_last = pts[ref_nroc - 1].threshold;
		/* keep ref's scalars; its arrays go with acc */
		ref.precision = ref.recall = ref.f1 = NULL;
		ref.support = ref.predicted = NULL;
		ref.confusion = NULL;
		mr_metrics_free(acc);
	}

	for (long fail_after = 0; fail_after < 200 && !clean_run; fail_after++)
	{
		TestAlloc	t;
		MrAllocator a = test_allocator(&t, fail_after);
		MrMetrics	m;
		const MrRocPoint *pts;
		int64_t		npts;
		uint64_t	st = 7;
		int			failed = 0;
		MrStatus	s;

		s = mr_metrics_new(&a, K, 3, &acc);
		if (s != MR_OK)
		{
			not_enomem += s != MR_ENOMEM || acc != NULL;
			leaks += t.live != 0;
			sites[0] = 1;
			continue;
		}
		for (int i = 0; i < n; i++)
		{
			float		p[20];
			int32_t		y;

			random_row(&st, K, p, &y);
			if ((s = mr_metrics_add(acc, y, p)) != MR_OK)
			{
				not_enomem += s != MR_ENOMEM;
				sites[1] = failed = 1;
				t.fail_after = -1;
				s = mr_metrics_add(acc, y, p);
				not_enomem += s != MR_OK;
			}
		}
		if ((s = mr_metrics_finish(acc, &m)) != MR_OK)
		{
			not_enomem += s != MR_ENOMEM;
			sites[2] = failed = 1;
			t.fail_after = -1;
			not_enomem += mr_metrics_finish(acc, &m) != MR_OK;
		}
		if ((s = mr_roc_curve(acc, &pts, &npts)) != MR_OK)
		{
			not_enomem += s != MR_ENOMEM;
			sites[3] = failed = 1;
			t.fail_after = -1;
			not_enomem += mr_roc_curve(acc, &pts, &npts) != MR_OK;
		}
		mismatches += m.rows != ref.rows || m.accuracy != ref.accuracy ||
			m.macro_f1 != ref.macro_f1 || m.log_loss != ref.log_loss ||
			m.roc_auc != ref.roc_auc || m.pr_auc != ref.pr_auc ||
			m.n_confusion != ref.n_confusion || npts != ref_nroc ||
			pts[npts - 1].threshold != ref_roc_last;
		mr_metrics_free(acc);
		leaks += t.live != 0;
		clean_run = !failed;
	}
	MR_CHECK(sites[0] && sites[1] && sites[2] && sites[3] && clean_run,
			 "failures hit new, add (row and cell growth), finish and roc");
	MR_CHECK(not_enomem == 0, "every failure is MR_ENOMEM and a retry succeeds");
	MR_CHECK(mismatches == 0, "after a failed call and a retry, results equal a clean run");
	MR_CHECK(leaks == 0, "nothing leaks after any failure (%d leaks)", leaks);
}

/* Many rows with 1001 score levels: AUC against a histogram, order-free */
static void
test_many_rows(void)
{
	const int	n = 200000;
	const int	levels = 1001;
	int64_t    *pos = calloc(levels, sizeof(int64_t));
	int64_t    *neg = calloc(levels, sizeof(int64_t));
	MrMetricsAcc *fwd;
	MrMetricsAcc *rev;
	MrMetrics	mf;
	MrMetrics	mr;
	uint64_t	st = 42;
	double		pairs = 0;
	double		negs_below = 0;
	double		auc;
	int32_t    *ys = malloc(n * sizeof(int32_t));
	float	   *ss = malloc(n * sizeof(float));

	mr_metrics_new(&mr_malloc_allocator, 2, 1, &fwd);
	mr_metrics_new(&mr_malloc_allocator, 2, 1, &rev);
	for (int i = 0; i < n; i++)
	{
		int			y = (int) (lcg(&st) % 3 == 0);
		int			lv = (int) ((lcg(&st) % 700) + (y ? 300 : 0));

		ys[i] = y;
		ss[i] = (float) lv / (float) (levels - 1);
		(y ? pos : neg)[lv]++;
		add_binary(fwd, y, ss[i]);
	}
	for (int i = n - 1; i >= 0; i--)
		add_binary(rev, ys[i], ss[i]);
	/* Mann-Whitney: each positive beats the negatives below, ties count 1/2 */
	for (int lv = 0; lv < levels; lv++)
	{
		pairs += (double) pos[lv] * (negs_below + 0.5 * (double) neg[lv]);
		negs_below += (double) neg[lv];
	}
	mr_metrics_finish(fwd, &mf);
	mr_metrics_finish(rev, &mr);
	auc = pairs / ((double) mf.positives * (double) (n - mf.positives));
	MR_CHECK(near(mf.roc_auc, auc, 1e-12), "200000 rows: AUC equals the Mann-Whitney count (%.15g vs %.15g)",
			 mf.roc_auc, auc);
	MR_CHECK(mf.roc_auc == mr.roc_auc && mf.pr_auc == mr.pr_auc && mf.accuracy == mr.accuracy,
			 "row order does not change AUC, AP or accuracy");
	mr_metrics_free(fwd);
	mr_metrics_free(rev);
	free(pos);
	free(neg);
	free(ys);
	free(ss);
}

/* K = 100000: memory stays O(K + rows), the confusion matrix is sparse */
static void
test_large_k(void)
{
	const int32_t K = MR_MAX_CLASSES;
	float	   *p = calloc(K, sizeof(float));
	MrMetricsAcc *acc;
	MrMetrics	m;

	MR_CHECK(mr_metrics_new(&mr_malloc_allocator, K, -1, &acc) == MR_OK, "K = 100000 accumulator");
	p[K - 1] = 1.0f;
	mr_metrics_add(acc, K - 1, p);	/* right */
	p[K - 1] = 0.0f;
	p[50000] = 1.0f;
	mr_metrics_add(acc, 0, p);	/* true 0, predicted 50000 */
	for (int32_t k = 0; k < K; k++)
		p[k] = 1e-5f;
	mr_metrics_add(acc, 5, p);	/* all tied: predicted 0 */
	MR_CHECK(mr_metrics_finish(acc, &m) == MR_OK, "finish at K = 100000");

	/*
	 * classes occurring: 99999 (F1 1), 0, 5, 50000 (F1 0 each): macro 1/4;
	 * weighted (1 + 0 + 0) / 3.  Uniform row: p[true] renormalised = 1/K.
	 */
	MR_CHECK(near(m.accuracy, 1.0 / 3, 1e-15) && m.n_confusion == 3 &&
			 near(m.macro_f1, 0.25, 1e-15) && near(m.weighted_f1, 1.0 / 3, 1e-15),
			 "K = 100000: accuracy, sparse confusion, macro over occurring classes");
	MR_CHECK(m.confusion[0].true_class == 0 && m.confusion[0].pred_class == 50000 &&
			 m.confusion[1].true_class == 5 && m.confusion[1].pred_class == 0 &&
			 m.confusion[2].true_class == K - 1 && m.confusion[2].pred_class == K - 1,
			 "K = 100000: cells in (true, pred) order");
	MR_CHECK(isfinite(m.log_loss) && m.log_loss > log((double) K) / 3, "K = 100000: finite log loss");
	mr_metrics_free(acc);
	free(p);
}

/* The seeded cases against scikit-learn's values */
static void
test_sklearn_cases(void)
{
	const double tol = 1e-9;

	for (size_t c = 0; c < sizeof(mr_metrics_cases) / sizeof(mr_metrics_cases[0]); c++)
	{
		const MrMetricsCase *mc = &mr_metrics_cases[c];
		const int32_t K = mc->K;
		MrMetricsAcc *acc;
		MrMetrics	m;
		const MrRocPoint *pts;
		int64_t		npts;
		int64_t    *dense = calloc((size_t) K * K, sizeof(int64_t));
		double		worst = 0;
		int			ok = 1;

		mr_metrics_new(&mr_malloc_allocator, K, mc->positive_class, &acc);
		for (int64_t i = 0; i < mc->n; i++)
			ok &= mr_metrics_add(acc, mc->y[i], mc->probs + i * K) == MR_OK;
		ok &= mr_metrics_finish(acc, &m) == MR_OK;
		MR_CHECK(ok && m.rows == mc->n, "%s: %lld rows added", mc->name, (long long) mc->n);

		MR_CHECK(near(m.accuracy, mc->accuracy, tol), "%s: accuracy", mc->name);
		MR_CHECK(near(m.macro_f1, mc->macro_f1, tol), "%s: macro F1", mc->name);
		MR_CHECK(near(m.weighted_f1, mc->weighted_f1, tol), "%s: weighted F1", mc->name);
		ok = 1;
		for (int32_t k = 0; k < K; k++)
		{
			ok &= near(m.precision[k], mc->precision[k], tol) && near(m.recall[k], mc->recall[k], tol) &&
				near(m.f1[k], mc->f1[k], tol) && m.support[k] == mc->support[k];
			worst = fmax(worst, fmax(reldiff(m.precision[k], mc->precision[k]),
									 fmax(reldiff(m.recall[k], mc->recall[k]),
										  reldiff(m.f1[k], mc->f1[k]))));
		}
		MR_CHECK(ok, "%s: per-class precision, recall, F1, support", mc->name);
		for (int64_t i = 0; i < m.n_confusion; i++)
			dense[(size_t) m.confusion[i].true_class * K + m.confusion[i].pred_class] = m.confusion[i].count;
		MR_CHECK(memcmp(dense, mc->confusion, (size_t) K * K * sizeof(int64_t)) == 0,
				 "%s: confusion matrix", mc->name);
		MR_CHECK(near(m.log_loss, mc->log_loss, tol), "%s: log loss (%.17g vs %.17g)",
				 mc->name, m.log_loss, mc->log_loss);
		MR_CHECK(near(m.roc_auc, mc->roc_auc, tol), "%s: ROC AUC (%.17g vs %.17g)",
				 mc->name, m.roc_auc, mc->roc_auc);
		MR_CHECK(near(m.pr_auc, mc->average_precision, tol), "%s: average precision (%.17g vs %.17g)",
				 mc->name, m.pr_auc, mc->average_precision);
		MR_CHECK(near(m.brier, mc->brier, tol), "%s: Brier", mc->name);
		ok = 1;
		for (int b = 0; b < MR_CALIBRATION_BINS; b++)
		{
			ok &= m.calibration[b].count == mc->cal_count[b] &&
				near(m.calibration[b].mean_score, mc->cal_pred[b], tol) &&
				near(m.calibration[b].frac_positive, mc->cal_true[b], tol);
			worst = fmax(worst, fmax(reldiff(m.calibration[b].mean_score, mc->cal_pred[b]),
									 reldiff(m.calibration[b].frac_positive, mc->cal_true[b])));
		}
		MR_CHECK(ok, "%s: calibration counts, prob_pred, prob_true", mc->name);

		ok = mr_roc_curve(acc, &pts, &npts) == MR_OK && npts == mc->n_roc;
		/* point 0: sklearn 1.2 puts max + 1 there, we +inf */
		ok = ok && isinf(pts[0].threshold);
		for (int64_t i = 0; ok && i < npts; i++)
		{
			ok = (i == 0 || pts[i].threshold == mc->roc_threshold[i]) &&
				near(pts[i].tpr, mc->roc_tpr[i], tol) && near(pts[i].fpr, mc->roc_fpr[i], tol) &&
				near(pts[i].precision, mc->roc_precision[i], tol);
			worst = fmax(worst, fmax(reldiff(pts[i].tpr, mc->roc_tpr[i]),
									 fmax(reldiff(pts[i].fpr, mc->roc_fpr[i]),
										  reldiff(pts[i].precision, mc->roc_precision[i]))));
		}
		MR_CHECK(ok, "%s: %lld ROC points (threshold, tpr, fpr, precision)", mc->name, (long long) npts);
		worst = fmax(worst, fmax(reldiff(m.log_loss, mc->log_loss),
								 fmax(reldiff(m.roc_auc, mc->roc_auc),
									  fmax(reldiff(m.pr_auc, mc->average_precision),
										   reldiff(m.brier, mc->brier)))));
		mr_diag("%s: largest relative difference from sklearn %.3g", mc->name, worst);
		mr_metrics_free(acc);
		free(dense);
	}
}

/* The metrics suite */
void
test_metrics(void)
{
	test_hand_binary();
	test_all_tied();
	test_single_class();
	test_empty();
	test_multiclass_hand();
	test_log_loss_clipping();
	test_calibration_edges();
	test_invalid();
	test_alloc_failures();
	test_many_rows();
	test_large_k();
	test_sklearn_cases();
}
