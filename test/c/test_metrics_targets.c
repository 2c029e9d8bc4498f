/*
 * test_metrics_targets.c
 *	  Regression and multi-label metrics: hand-worked cases for every
 *	  figure, the undefined cases, unknown (-1) entries changing nothing,
 *	  the F1 threshold chooser, ENOMEM at every allocation, and agreement
 *	  with scikit-learn on seeded cases whose values are pasted below.
 */
#include "mr_test.h"
#include "test_alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_metrics_targets.h"

/* a and b agree to tol relative, or are both NaN */
static int
near(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b || fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

/* a and b are the same number, NaN counting as equal to NaN */
static int
same(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* Deterministic pseudo-random numbers (an LCG) */
static uint32_t
lcg(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (uint32_t) (*state >> 33);
}

/* Every figure of two regression results equal (bit for bit) */
static int
reg_same(const MrRegMetrics *a, const MrRegMetrics *b)
{
	int			ok = a->rows == b->rows && same(a->rmse, b->rmse) && same(a->mae, b->mae) &&
		same(a->r2, b->r2) && same(a->mean_true, b->mean_true) &&
		same(a->std_true, b->std_true) && same(a->mean_residual, b->mean_residual) &&
		same(a->max_abs_error, b->max_abs_error);

	for (int j = 0; j < MR_REG_QUANTILES; j++)
		ok &= same(a->residual_quantile[j], b->residual_quantile[j]);
	return ok;
}

/*
 * Every figure of two multi-label results equal (bit for bit), labels
 * 0..K-1 of each (so b may have more labels than a)
 */
static int
multi_same(const MrMultiMetrics *a, const MrMultiMetrics *b, int32_t K)
{
	int			ok = a->rows_known == b->rows_known && a->known == b->known &&
		a->auc_labels == b->auc_labels &&
		same(a->micro_precision, b->micro_precision) && same(a->micro_recall, b->micro_recall) &&
		same(a->micro_f1, b->micro_f1) && same(a->macro_f1, b->macro_f1) &&
		same(a->example_f1, b->example_f1) && same(a->subset_accuracy, b->subset_accuracy) &&
		same(a->hamming_loss, b->hamming_loss) && same(a->mean_roc_auc, b->mean_roc_auc) &&
		same(a->mean_pr_auc, b->mean_pr_auc);

	for (int32_t k = 0; k < K; k++)
		ok &= a->known_k[k] == b->known_k[k] && a->positives_k[k] == b->positives_k[k] &&
			a->predicted_k[k] == b->predicted_k[k] && same(a->precision[k], b->precision[k]) &&
			same(a->recall[k], b->recall[k]) && same(a->f1[k], b->f1[k]) &&
			same(a->roc_auc[k], b->roc_auc[k]) && same(a->pr_auc[k], b->pr_auc[k]) &&
			same(a->accuracy_k[k], b->accuracy_k[k]);
	return ok;
}

/*
 * Four rows, worked by hand:
 *
 *	  y_true  1	 2	3  4	mean 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
 *	  y_pred  2	 2	2  6
 *	  r		  1	 0 -1  2	(prediction - truth); SS_res = 1 + 0 + 1 + 4 = 6
 *
 * rmse = sqrt(6/4), mae = 4/4 = 1, r2 = 1 - 6/5 = -0.2, std_true =
 * sqrt(5/4), mean residual 2/4 = 0.5, max |error| 2.  Quantiles of the
 * sorted residuals (-1, 0, 1, 2), h = 3q: q = 0.05, h = 0.15: -1 + 0.15 =
 * -0.85; q = 0.25, h = 0.75: 0 - 1 * 0.25 = -0.25 (from the upper end);
 * q = 0.5, h = 1.5: 0.5; q = 0.75, h = 2.25: 1.25; q = 0.95, h = 2.85: 1.85.
 */
static void
test_reg_hand(void)
{
	static const double yt[4] = {1, 2, 3, 4};
	static const double yp[4] = {2, 2, 2, 6};
	static const double q[MR_REG_QUANTILES] = {-0.85, -0.25, 0.5, 1.25, 1.85};
	MrRegAcc   *acc;
	MrRegMetrics m;
	int			ok = 1;

	MR_CHECK(mr_reg_metrics_new(&mr_malloc_allocator, &acc) == MR_OK, "regression: new accumulator");
	for (int i = 0; i < 4; i++)
		ok &= mr_reg_metrics_add(acc, yt[i], yp[i]) == MR_OK;
	MR_CHECK(ok && mr_reg_metrics_finish(acc, &m) == MR_OK && m.rows == 4, "regression: four rows");
	MR_CHECK(near(m.rmse, sqrt(1.5), 1e-15), "regression: rmse sqrt(6/4) (got %.17g)", m.rmse);
	MR_CHECK(m.mae == 1.0, "regression: mae 1");
	MR_CHECK(near(m.r2, -0.2, 1e-15), "regression: r2 1 - 6/5 = -0.2 (got %.17g)", m.r2);
	MR_CHECK(m.mean_true == 2.5 && near(m.std_true, sqrt(1.25), 1e-15),
			 "regression: mean 2.5, population std sqrt(5/4)");
	MR_CHECK(m.mean_residual == 0.5 && m.max_abs_error == 2.0,
			 "regression: mean residual 0.5 (prediction - truth), max |error| 2");
	ok = 1;
	for (int j = 0; j < MR_REG_QUANTILES; j++)
		ok &= near(m.residual_quantile[j], q[j], 1e-15);
	MR_CHECK(ok, "regression: residual quantiles -0.85, -0.25, 0.5, 1.25, 1.85");
	MR_CHECK(mr_reg_quantile_levels[0] == 0.05 && mr_reg_quantile_levels[2] == 0.5 &&
			 mr_reg_quantile_levels[4] == 0.95, "regression: quantile levels 0.05 .. 0.95");

	/* rows in another order: the same figures */
	{
		MrRegAcc   *rev;
		MrRegMetrics mr;

		mr_reg_metrics_new(&mr_malloc_allocator, &rev);
		for (int i = 3; i >= 0; i--)
			mr_reg_metrics_add(rev, yt[i], yp[i]);
		mr_reg_metrics_finish(rev, &mr);
		MR_CHECK(reg_same(&m, &mr), "regression: row order changes nothing");
		mr_reg_metrics_free(rev);
	}
	mr_reg_metrics_free(acc);
}

/* No rows, one row, constant truth, perfect predictions, invalid values */
static void
test_reg_edges(void)
{
	MrRegAcc   *acc;
	MrRegMetrics m;
	int			ok = 1;

	mr_reg_metrics_new(&mr_malloc_allocator, &acc);
	MR_CHECK(mr_reg_metrics_finish(acc, &m) == MR_OK && m.rows == 0, "regression: finish with no rows");
	for (int j = 0; j < MR_REG_QUANTILES; j++)
		ok &= isnan(m.residual_quantile[j]);
	MR_CHECK(ok && isnan(m.rmse) && isnan(m.mae) && isnan(m.r2) && isnan(m.mean_true) &&
			 isnan(m.std_true) && isnan(m.mean_residual) && isnan(m.max_abs_error),
			 "regression: no rows, every figure NaN");

	/* one row: R2 is NaN as in sklearn; every quantile is the one residual */
	mr_reg_metrics_add(acc, 2.0, 1.5);
	mr_reg_metrics_finish(acc, &m);
	ok = 1;
	for (int j = 0; j < MR_REG_QUANTILES; j++)
		ok &= m.residual_quantile[j] == -0.5;
	MR_CHECK(ok && isnan(m.r2) && m.rmse == 0.5 && m.mae == 0.5 && m.std_true == 0.0 &&
			 m.mean_true == 2.0 && m.max_abs_error == 0.5,
			 "regression: one row, r2 NaN, the rest defined");

	/* rejected values are not counted */
	MR_CHECK(mr_reg_metrics_add(acc, NAN, 1.0) == MR_EINVAL &&
			 mr_reg_metrics_add(acc, 1.0, INFINITY) == MR_EINVAL &&
			 mr_reg_metrics_add(acc, -INFINITY, 1.0) == MR_EINVAL &&
			 mr_reg_metrics_add(NULL, 1.0, 1.0) == MR_EINVAL, "regression: NaN and infinity are MR_EINVAL");
	mr_reg_metrics_finish(acc, &m);
	MR_CHECK(m.rows == 1, "regression: rejected rows are not counted");
	mr_reg_metrics_free(acc);

	/*
	 * Constant truth 0.1: the rounded mean of three 0.1s is not 0.1, yet
	 * SS_tot must be 0 so the force_finite rule applies (sklearn itself
	 * gives -5.2e31 here)
	 */
	mr_reg_metrics_new(&mr_malloc_allocator, &acc);
	for (int i = 0; i < 3; i++)
		mr_reg_metrics_add(acc, 0.1, 0.2);
	mr_reg_metrics_finish(acc, &m);
	MR_CHECK(m.r2 == 0.0 && m.std_true == 0.0 && m.mean_true == 0.1,
			 "regression: constant truth, wrong predictions: r2 0, std 0 (got %.17g)", m.r2);
	mr_reg_metrics_free(acc);
	mr_reg_metrics_new(&mr_malloc_allocator, &acc);
	for (int i = 0; i < 3; i++)
		mr_reg_metrics_add(acc, 0.1, 0.1);
	mr_reg_metrics_finish(acc, &m);
	MR_CHECK(m.r2 == 1.0 && m.rmse == 0.0 && m.residual_quantile[2] == 0.0,
			 "regression: constant truth predicted exactly: r2 1");
	mr_reg_metrics_free(acc);

	/* perfect predictions of varying truth */
	mr_reg_metrics_new(&mr_malloc_allocator, &acc);
	for (int i = 0; i < 5; i++)
		mr_reg_metrics_add(acc, i * 0.5, i * 0.5);
	mr_reg_metrics_finish(acc, &m);
	MR_CHECK(m.r2 == 1.0 && m.rmse == 0.0 && m.mae == 0.0 && m.max_abs_error == 0.0,
			 "regression: perfect predictions: r2 1, errors 0");
	mr_reg_metrics_free(acc);

	MR_CHECK(mr_reg_metrics_new(NULL, &acc) == MR_EINVAL && acc == NULL &&
			 mr_reg_metrics_new(&mr_malloc_allocator, NULL) == MR_EINVAL,
			 "regression: new without an allocator is MR_EINVAL");
	mr_reg_metrics_free(NULL);
}

/*
 * Sums that one naive pass gets wrong: a spread of 1..4 around 1e12 (the
 * squares are 1e24, whose rounding step is 1.3e8, so E[y^2] - E[y]^2 would
 * be noise), and 1e16 + 1 - 1e16, where the 1 is lost without compensation
 */
static void
test_reg_accuracy(void)
{
	MrRegAcc   *acc;
	MrRegMetrics m;

	mr_reg_metrics_new(&mr_malloc_allocator, &acc);
	for (int i = 1; i <= 4; i++)
		mr_reg_metrics_add(acc, 1e12 + i, 1e12 + i + (i == 4 ? 2 : 0));
	mr_reg_metrics_finish(acc, &m);
	MR_CHECK(m.mean_true == 1e12 + 2.5 && near(m.std_true, sqrt(1.25), 1e-15) &&
			 near(m.r2, 1.0 - 4.0 / 5.0, 1e-15),
			 "regression: spread around 1e12 exact (std %.17g, r2 %.17g)", m.std_true, m.r2);
	mr_reg_metrics_free(acc);

	mr_reg_metrics_new(&mr_malloc_allocator, &acc);
	mr_reg_metrics_add(acc, 1e16, 1e16);
	mr_reg_metrics_add(acc, 1.0, 1.0);
	mr_reg_metrics_add(acc, -1e16, -1e16);
	mr_reg_metrics_finish(acc, &m);
	MR_CHECK(near(m.mean_true, 1.0 / 3, 1e-15), "regression: compensated mean of 1e16, 1, -1e16 is 1/3 (got %.17g)",
			 m.mean_true);
	mr_reg_metrics_free(acc);
}

/*
 * K = 3 labels, thresholds (0.5, 0.5, 0.25), four rows worked by hand
 * (truth; probabilities -> predicted):
 *
 *	  row	truth	   probabilities		 predicted	 row F1
 *	  0		1 0 1	   0.75	 0.25  0.5		 1 0 1		 1 (all right)
 *	  1		0 1 0	   0.75	 0.75  0.125	 1 1 0		 2*1/(1+2) = 2/3
 *	  2		1 1 0	   0.25	 0.5   0.25		 0 1 1		 2*1/(2+2) = 1/2
 *	  3		0 0 0	   0.125 0.375 0.125	 0 0 0		 0 (nothing true or
 *														 predicted: zero_division=0)
 *
 * example F1 = (1 + 2/3 + 1/2 + 0) / 4 = 13/24; subset accuracy: rows 0
 * and 3, 2/4.  Per label:
 *	  0: truth 1 0 1 0, predicted 1 1 0 0: TP 1, FP 1, FN 1: P = R = F1 =
 *		 1/2, accuracy 2/4.  Scores 0.75 (+), 0.75 (-), 0.25 (+), 0.125
 *		 (-): AUC = (1/2 + 1 + 0 + 1) / 4 = 5/8; AP = 1/2 * 1/2 (threshold
 *		 0.75: recall 1/2, precision 1/2) + 1/2 * 2/3 (0.25: recall 1,
 *		 precision 2/3) = 7/12.
 *	  1: all right: P = R = F1 = accuracy = 1; positives 0.75 and 0.5 above
 *		 negatives 0.25 and 0.375: AUC = AP = 1.
 *	  2: truth 1 0 0 0, predicted 1 0 1 0: P 1/2, R 1, F1 2/3, accuracy
 *		 3/4; the positive scores highest: AUC = AP = 1.
 * micro: TP 4, predicted 6, positives 5: P 2/3, R 4/5, F1 8/11; macro F1
 * (1/2 + 1 + 2/3) / 3 = 13/18; Hamming 3 wrong of 12 = 1/4; mean AUC
 * (5/8 + 1 + 1) / 3 = 7/8; mean AP (7/12 + 1 + 1) / 3 = 31/36.
 * Label 0's ROC (threshold, tpr, fpr, precision): (inf, 0, 0, 1),
 * (0.75, 1/2, 1/2, 1/2), (0.25, 1, 1/2, 2/3), (0.125, 1, 1, 1/2).
 */
static const int8_t hand_y[4][3] = {{1, 0, 1}, {0, 1, 0}, {1, 1, 0}, {0, 0, 0}};
static const float hand_p[4][3] = {
	{0.75f, 0.25f, 0.5f}, {0.75f, 0.75f, 0.125f}, {0.25f, 0.5f, 0.25f}, {0.125f, 0.375f, 0.125f}
};
static const float hand_thr[3] = {0.5f, 0.5f, 0.25f};

/* The hand-worked multi-label case */
static void
test_multi_hand(void)
{
	static const double roc[4][4] = {
		{INFINITY, 0.0, 0.0, 1.0},
		{0.75, 0.5, 0.5, 0.5},
		{0.25, 1.0, 0.5, 2.0 / 3},
		{0.125, 1.0, 1.0, 0.5},
	};
	MrMultiAcc *acc;
	MrMultiMetrics m;
	const MrRocPoint *pts;
	int64_t		npts;
	int			ok = 1;

	MR_CHECK(mr_multi_metrics_new(&mr_malloc_allocator, 3, hand_thr, &acc) == MR_OK,
			 "multi-label: new accumulator");
	for (int i = 0; i < 4; i++)
		ok &= mr_multi_metrics_add(acc, hand_y[i], hand_p[i]) == MR_OK;
	MR_CHECK(ok && mr_multi_metrics_finish(acc, &m) == MR_OK, "multi-label: four rows, finish");
	MR_CHECK(m.K == 3 && m.rows == 4 && m.rows_known == 4 && m.known == 12,
			 "multi-label: K 3, 4 rows, 12 known entries");
	MR_CHECK(m.known_k[0] == 4 && m.positives_k[0] == 2 && m.predicted_k[0] == 2 &&
			 m.positives_k[1] == 2 && m.predicted_k[1] == 2 &&
			 m.positives_k[2] == 1 && m.predicted_k[2] == 2, "multi-label: per-label counts");
	MR_CHECK(m.precision[0] == 0.5 && m.recall[0] == 0.5 && m.f1[0] == 0.5 && m.accuracy_k[0] == 0.5,
			 "label 0: P = R = F1 = 1/2, accuracy 1/2");
	MR_CHECK(m.precision[1] == 1.0 && m.recall[1] == 1.0 && m.f1[1] == 1.0 && m.accuracy_k[1] == 1.0,
			 "label 1: all right");
	MR_CHECK(m.precision[2] == 0.5 && m.recall[2] == 1.0 && near(m.f1[2], 2.0 / 3, 1e-15) &&
			 m.accuracy_k[2] == 0.75, "label 2: P 1/2, R 1, F1 2/3, accuracy 3/4");
	MR_CHECK(m.roc_auc[0] == 0.625 && near(m.pr_auc[0], 7.0 / 12, 1e-15),
			 "label 0: AUC 5/8 with the tie at 0.75, AP 7/12 (got %.17g, %.17g)", m.roc_auc[0], m.pr_auc[0]);
	MR_CHECK(m.roc_auc[1] == 1.0 && m.pr_auc[1] == 1.0 && m.roc_auc[2] == 1.0 && m.pr_auc[2] == 1.0,
			 "labels 1 and 2: AUC = AP = 1");
	MR_CHECK(near(m.micro_precision, 2.0 / 3, 1e-15) && m.micro_recall == 0.8 &&
			 near(m.micro_f1, 8.0 / 11, 1e-15), "multi-label: micro P 2/3, R 4/5, F1 8/11");
	MR_CHECK(near(m.macro_f1, 13.0 / 18, 1e-15), "multi-label: macro F1 13/18 (got %.17g)", m.macro_f1);
	MR_CHECK(near(m.example_f1, 13.0 / 24, 1e-15),
			 "multi-label: example F1 13/24, the empty row counting 0 (got %.17g)", m.example_f1);
	MR_CHECK(m.subset_accuracy == 0.5 && m.hamming_loss == 0.25,
			 "multi-label: subset accuracy 1/2, Hamming loss 1/4");
	MR_CHECK(m.auc_labels == 3 && near(m.mean_roc_auc, 7.0 / 8, 1e-15) &&
			 near(m.mean_pr_auc, 31.0 / 36, 1e-15), "multi-label: mean AUC 7/8, mean AP 31/36");

	MR_CHECK(mr_multi_roc_curve(acc, 0, &pts, &npts) == MR_OK && npts == 4,
			 "label 0 ROC: 3 distinct scores + the start");
	ok = npts == 4;
	for (int i = 0; ok && i < 4; i++)
		ok = pts[i].threshold == roc[i][0] && pts[i].tpr == roc[i][1] &&
			pts[i].fpr == roc[i][2] && near(pts[i].precision, roc[i][3], 1e-15);
	MR_CHECK(ok, "label 0 ROC points from +inf down, with precision");
	MR_CHECK(mr_multi_roc_curve(acc, 2, &pts, &npts) == MR_OK && npts == 4 &&
			 pts[1].threshold == 0.5 && pts[1].tpr == 1.0 && pts[1].fpr == 0.0,
			 "label 2 ROC: the positive alone at the top");
	MR_CHECK(mr_multi_roc_curve(acc, 3, &pts, &npts) == MR_EINVAL &&
			 mr_multi_roc_curve(acc, -1, &pts, &npts) == MR_EINVAL, "ROC of a label outside [0, K) is MR_EINVAL");
	mr_multi_metrics_free(acc);
}

/*
 * Unknown entries change nothing: the hand rows again with a fourth label
 * that is never known, each row's unknown probability anything (NaN and
 * infinities included), and rows with no known entry at all in between.
 * Labels 0..2 and every global figure are bit-identical; label 3 has no
 * known entry, so its figures are NaN and it is in no average.
 */
static void
test_multi_unknown(void)
{
	static const float junk[4] = {0.99f, NAN, INFINITY, -3.0f};
	const float thr4[4] = {0.5f, 0.5f, 0.25f, 0.0f};
	MrMultiAcc *ref;
	MrMultiAcc *acc;
	MrMultiMetrics mr;
	MrMultiMetrics m;
	const MrRocPoint *pts_ref;
	const MrRocPoint *pts;
	int64_t		n_ref;
	int64_t		n;
	int			ok = 1;

	mr_multi_metrics_new(&mr_malloc_allocator, 3, hand_thr, &ref);
	mr_multi_metrics_new(&mr_malloc_allocator, 4, thr4, &acc);
	for (int i = 0; i < 4; i++)
	{
		int8_t		y[4] = {hand_y[i][0], hand_y[i][1], hand_y[i][2], -1};
		float		p[4] = {hand_p[i][0], hand_p[i][1], hand_p[i][2], junk[i]};
		const int8_t none[4] = {-1, -1, -1, -1};
		const float any[4] = {junk[i], junk[(i + 1) % 4], junk[(i + 2) % 4], 0.5f};

		mr_multi_metrics_add(ref, hand_y[i], hand_p[i]);
		ok &= mr_multi_metrics_add(acc, none, any) == MR_OK;
		ok &= mr_multi_metrics_add(acc, y, p) == MR_OK;
	}
	MR_CHECK(ok, "rows with unknown entries and any probabilities are accepted");
	mr_multi_metrics_finish(ref, &mr);
	mr_multi_metrics_finish(acc, &m);
	MR_CHECK(m.rows == 8 && mr.rows == 4 && m.rows_known == 4, "all-unknown rows count as rows, not as known rows");
	MR_CHECK(multi_same(&mr, &m, 3), "unknown entries change no figure of the known ones");
	MR_CHECK(m.known_k[3] == 0 && m.positives_k[3] == 0 && isnan(m.precision[3]) && isnan(m.recall[3]) &&
			 isnan(m.f1[3]) && isnan(m.accuracy_k[3]) && isnan(m.roc_auc[3]) && isnan(m.pr_auc[3]),
			 "a label never known: every figure NaN");
	ok = mr_multi_roc_curve(ref, 0, &pts_ref, &n_ref) == MR_OK &&
		mr_multi_roc_curve(acc, 0, &pts, &n) == MR_OK && n == n_ref;
	for (int64_t i = 0; ok && i < n; i++)
		ok = pts[i].threshold == pts_ref[i].threshold && pts[i].tpr == pts_ref[i].tpr &&
			pts[i].fpr == pts_ref[i].fpr && pts[i].precision == pts_ref[i].precision;
	MR_CHECK(ok, "unknown entries change no ROC point");
	MR_CHECK(mr_multi_roc_curve(acc, 3, &pts, &n) == MR_OK && n == 0 && pts == NULL,
			 "a label never known has an empty ROC curve");
	mr_multi_metrics_free(ref);
	mr_multi_metrics_free(acc);
}

/* No rows, labels of one class, thresholds by default, invalid arguments */
static void
test_multi_edges(void)
{
	const float thr_nan[2] = {0.5f, NAN};
	const int8_t y_bad[2] = {1, 2};
	const int8_t y_ok[2] = {1, 0};
	const float p_nan[2] = {NAN, 0.5f};
	const float p_half[2] = {0.5f, 0.49999997f};
	MrMultiAcc *acc;
	MrMultiMetrics m;
	const MrRocPoint *pts = (const MrRocPoint *) &m;
	int64_t		n = -1;

	mr_multi_metrics_new(&mr_malloc_allocator, 2, NULL, &acc);
	MR_CHECK(mr_multi_metrics_finish(acc, &m) == MR_OK && m.rows == 0 && m.known == 0 &&
			 m.rows_known == 0 && m.auc_labels == 0, "multi-label: finish with no rows");
	MR_CHECK(isnan(m.micro_precision) && isnan(m.micro_recall) && isnan(m.micro_f1) &&
			 isnan(m.macro_f1) && isnan(m.example_f1) && isnan(m.subset_accuracy) &&
			 isnan(m.hamming_loss) && isnan(m.mean_roc_auc) && isnan(m.mean_pr_auc),
			 "multi-label: no rows, every global figure NaN");
	MR_CHECK(isnan(m.f1[0]) && isnan(m.precision[1]) && isnan(m.roc_auc[1]) && m.known_k[1] == 0,
			 "multi-label: no rows, per-label figures NaN");
	MR_CHECK(mr_multi_roc_curve(acc, 1, &pts, &n) == MR_OK && n == 0 && pts == NULL,
			 "multi-label: no rows, empty ROC curve");

	/* no thresholds: 0.5 each, and p >= 0.5 is positive */
	MR_CHECK(mr_multi_metrics_add(acc, y_ok, p_half) == MR_OK, "a row with default thresholds");
	mr_multi_metrics_finish(acc, &m);
	MR_CHECK(m.predicted_k[0] == 1 && m.predicted_k[1] == 0 && m.subset_accuracy == 1.0 &&
			 m.example_f1 == 1.0, "default threshold 0.5: 0.5 is positive, the float below it not");
	/* each label has one class: no AUC, so the means are NaN */
	MR_CHECK(m.auc_labels == 0 && isnan(m.roc_auc[0]) && isnan(m.mean_roc_auc) && isnan(m.mean_pr_auc),
			 "labels of one class: AUC NaN, no label in the means");

	/* invalid rows are rejected whole */
	MR_CHECK(mr_multi_metrics_add(acc, y_bad, p_half) == MR_EINVAL, "a truth of 2 is MR_EINVAL");
	MR_CHECK(mr_multi_metrics_add(acc, y_ok, p_nan) == MR_EINVAL, "a NaN probability of a known entry is MR_EINVAL");
	MR_CHECK(mr_multi_metrics_add(acc, NULL, p_half) == MR_EINVAL &&
			 mr_multi_metrics_add(acc, y_ok, NULL) == MR_EINVAL, "NULL rows are MR_EINVAL");
	mr_multi_metrics_finish(acc, &m);
	MR_CHECK(m.rows == 1 && m.known == 2 && m.known_k[0] == 1, "rejected rows are not counted");
	mr_multi_metrics_free(acc);

	acc = (MrMultiAcc *) &m;
	MR_CHECK(mr_multi_metrics_new(&mr_malloc_allocator, 0, NULL, &acc) == MR_EINVAL && acc == NULL,
			 "K = 0 is MR_EINVAL");
	MR_CHECK(mr_multi_metrics_new(&mr_malloc_allocator, MR_MAX_CLASSES + 1, NULL, &acc) == MR_EINVAL,
			 "K above MR_MAX_CLASSES is MR_EINVAL");
	MR_CHECK(mr_multi_metrics_new(&mr_malloc_allocator, 2, thr_nan, &acc) == MR_EINVAL,
			 "a NaN threshold is MR_EINVAL");
	MR_CHECK(mr_multi_metrics_new(NULL, 2, NULL, &acc) == MR_EINVAL, "no allocator is MR_EINVAL");
	mr_multi_metrics_free(NULL);
}

/*
 * The threshold chooser on hand-worked scores (P positives; F1 of
 * "score >= t" is 2 TP / (P + TP + FP)):
 *	  a: 0.875+ 0.75- 0.625+ 0.25+ 0.125- 0.0625-, P = 3: F1 at each t
 *		 2/4, 2/5, 4/6, 6/7, 6/8, 6/9: best 0.25
 *	  b: 0.875+ then 0.625 x3 (+ - -) then 0.125-, P = 2: 2/3, 4/6, 4/7:
 *		 a tie of 0.875 and 0.625, the latter closer to 0.5
 *	  c: 0.75+ then 0.25 x3 (+ - -), P = 2: 2/3 and 2/3 at the same
 *		 distance from 0.5: the higher, 0.75
 */
static void
test_best_f1(void)
{
	static const int8_t ya[6] = {1, 0, 1, 1, 0, 0};
	static const float sa[6] = {0.875f, 0.75f, 0.625f, 0.25f, 0.125f, 0.0625f};
	static const int8_t yb[5] = {0, 1, 0, 1, 0};
	static const float sb[5] = {0.625f, 0.875f, 0.625f, 0.625f, 0.125f};
	static const int8_t yc[4] = {1, 0, 1, 0};
	static const float sc[4] = {0.75f, 0.25f, 0.25f, 0.25f};
	static const int8_t all_pos[3] = {1, 1, -1};
	static const int8_t all_neg[3] = {0, -1, 0};
	static const int8_t bad[2] = {1, -2};
	const float s_nan[3] = {0.25f, NAN, 0.75f};
	const int8_t y_nan[3] = {1, -1, 0};
	float		t = -1.0f;

	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, ya, 1, sa, 1, 6, &t) == MR_OK && t == 0.25f,
			 "best F1 threshold: 0.25 with F1 6/7 (got %g)", t);
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, yb, 1, sb, 1, 5, &t) == MR_OK && t == 0.625f,
			 "best F1 threshold: of equal F1 the one closest to 0.5 (got %g)", t);
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, yc, 1, sc, 1, 4, &t) == MR_OK && t == 0.75f,
			 "best F1 threshold: of equal F1 equally close, the higher (got %g)", t);
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, all_pos, 1, sa, 1, 3, &t) == MR_OK && t == 0.5f &&
			 mr_best_f1_threshold(&mr_malloc_allocator, all_neg, 1, sa, 1, 3, &t) == MR_OK && t == 0.5f &&
			 mr_best_f1_threshold(&mr_malloc_allocator, ya, 1, sa, 1, 0, &t) == MR_OK && t == 0.5f,
			 "best F1 threshold: 0.5 without a positive, without a negative, without rows");
	/* an unknown row's score is never read, even NaN; a known NaN is rejected */
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, y_nan, 1, s_nan, 1, 3, &t) == MR_OK && t == 0.25f,
			 "best F1 threshold: unknown rows ignored");
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, ya, 1, s_nan, 1, 3, &t) == MR_EINVAL &&
			 mr_best_f1_threshold(&mr_malloc_allocator, bad, 1, sa, 1, 2, &t) == MR_EINVAL &&
			 mr_best_f1_threshold(&mr_malloc_allocator, ya, 0, sa, 1, 2, &t) == MR_EINVAL &&
			 mr_best_f1_threshold(&mr_malloc_allocator, ya, 1, sa, 1, -1, &t) == MR_EINVAL,
			 "best F1 threshold: a known NaN score, a truth of -2, a stride 0, n < 0 are MR_EINVAL");

	/* columns of row-major arrays: label 2 of the hand rows is (1 0 0 0) */
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, &hand_y[0][2], 3, &hand_p[0][2], 3, 4, &t) == MR_OK &&
			 t == 0.5f, "best F1 threshold: strides read one column (label 2: 0.5, F1 1)");
	MR_CHECK(mr_best_f1_threshold(&mr_malloc_allocator, &hand_y[0][0], 3, &hand_p[0][0], 3, 4, &t) == MR_OK &&
			 t == 0.25f, "best F1 threshold: label 0: 0.25 (F1 4/5; 1/2 at 0.75, 2/3 at 0.125)");

	/* random cases with ties and unknown rows against a brute force */
	{
		uint64_t	st = 3;
		int			agree = 1;

		for (int trial = 0; trial < 200; trial++)
		{
			int8_t		y[40];
			float		s[40];
			int			n = 1 + (int) (lcg(&st) % 40);
			int			P = 0;
			int			N = 0;
			float		want = 0.5f;
			double		want_f1 = -1.0;

			for (int i = 0; i < n; i++)
			{
				y[i] = (int8_t) ((int) (lcg(&st) % 3) - 1);
				s[i] = (float) (lcg(&st) % 17) / 16.0f;
				P += y[i] == 1;
				N += y[i] == 0;
			}
			for (int j = 0; P > 0 && N > 0 && j < n; j++)
			{
				int			tp = 0;
				int			fp = 0;
				double		f1;

				if (y[j] < 0)
					continue;
				for (int i = 0; i < n; i++)
					if (y[i] >= 0 && s[i] >= s[j])
					{
						tp += y[i];
						fp += 1 - y[i];
					}
				f1 = 2.0 * tp / (P + tp + fp);
				if (f1 > want_f1 ||
					(f1 == want_f1 && (fabs(s[j] - 0.5) < fabs(want - 0.5) ||
									   (fabs(s[j] - 0.5) == fabs(want - 0.5) && s[j] > want))))
				{
					want_f1 = f1;
					want = s[j];
				}
			}
			agree &= mr_best_f1_threshold(&mr_malloc_allocator, y, 1, s, 1, n, &t) == MR_OK && t == want;
		}
		MR_CHECK(agree, "best F1 threshold: 200 random cases agree with a brute force");
	}
}

/*
 * Seeded cases checked against scikit-learn 1.2.1 (numpy 1.24.2), run with
 * /usr/bin/python3; every double below is repr() of the value printed, and
 * every float "%.9g" of a float32 (which reads back exactly).  Regression:
 *
 *	import numpy as np
 *	from sklearn.metrics import (r2_score, mean_squared_error,
 *		mean_absolute_error, max_error)
 *	def reg(seed, n):
 *		rng = np.random.default_rng(seed)
 *		yt = np.round(rng.normal(3, 2, n), 3)
 *		yp = np.round(yt + rng.normal(0.2, 1, n), 3)
 *		return yt, yp, [r2_score(yt, yp),
 *			mean_squared_error(yt, yp, squared=False),
 *			mean_absolute_error(yt, yp), yt.mean(), yt.std(),
 *			(yp - yt).mean(), max_error(yt, yp)] + list(
 *			np.quantile(yp - yt, [.05, .25, .5, .75, .95]))
 *	reg(11, 15)		# reg11_*
 *	reg(12, 6)		# reg12_*
 */
static const double reg11_true[15] = {
	3.068, 5.719, 5.449, 1.979, 2.404, 1.945,
	4.139, 2.888, 4.494, -0.695, 6.133, 2.807,
	4.361, 2.727, 2.242
};
static const double reg11_pred[15] = {
	3.731, 6.744, 5.446, 2.026, 3.29, 1.275,
	2.825, 3.483, 4.023, -2.415, 5.519, 2.539,
	3.368, 1.435, 2.479
};
/* r2, rmse, mae, mean_true, std_true, mean_residual, max_abs_error, quantiles */
static const double reg11_expect[12] = {
	0.7466911920149744, 0.8620700667579173, 0.7198666666666667,
	3.3106666666666666, 1.7128424588644715, -0.2594666666666667,
	1.7200000000000002, -1.4358, -0.8315,
	-0.2679999999999998, 0.41600000000000015, 0.9276999999999997
};
static const double reg12_true[6] = {
	2.986, 5.092, 4.483, 4.448, 6.238, 0.589
};
static const double reg12_pred[6] = {
	2.559, 3.971, 4.575, 5.647, 6.416, 1.285
};
/* r2, rmse, mae, mean_true, std_true, mean_residual, max_abs_error, quantiles */
static const double reg12_expect[12] = {
	0.8237181685537099, 0.7528982888367678, 0.6188333333333333,
	3.9726666666666666, 1.793215702461797, 0.10283333333333344,
	1.1989999999999998, -0.9474999999999997, -0.2972499999999999,
	0.13500000000000023, 0.5665, 1.0732499999999998
};

/*
 * Multi-label (Y truth with -1 unknown, S float32 scores, thr float32
 * thresholds; per label over its known rows, the rest as documented in
 * mr_metrics_targets.h; with nothing unknown, the multilabel calls):
 *
 *	import numpy as np, warnings
 *	from sklearn.metrics import (f1_score, precision_score, recall_score,
 *		accuracy_score, hamming_loss, roc_auc_score, average_precision_score)
 *	warnings.simplefilter("ignore")
 *	def multi(Y, S, thr):
 *		n, K = Y.shape
 *		P = (S >= thr).astype(int)
 *		known = Y >= 0
 *		f = lambda y, p, fn=f1_score: fn(y, p, zero_division=0)
 *		per = [[f(Y[known[:, k], k], P[known[:, k], k], fn) for k in range(K)]
 *			   for fn in (precision_score, recall_score, f1_score)]
 *		per.append([accuracy_score(Y[known[:, k], k], P[known[:, k], k])
 *					for k in range(K)])
 *		both = [k for k in range(K) if len(set(Y[known[:, k], k])) == 2]
 *		per.append([roc_auc_score(Y[known[:, k], k], S[known[:, k], k])
 *					if k in both else np.nan for k in range(K)])
 *		per.append([average_precision_score(Y[known[:, k], k], S[known[:, k], k])
 *					if k in both else np.nan for k in range(K)])
 *		if known.all():
 *			g = [precision_score(Y, P, average="micro", zero_division=0),
 *				 recall_score(Y, P, average="micro", zero_division=0),
 *				 f1_score(Y, P, average="micro", zero_division=0),
 *				 f1_score(Y, P, average="macro", zero_division=0),
 *				 f1_score(Y, P, average="samples", zero_division=0),
 *				 accuracy_score(Y, P), hamming_loss(Y, P)]
 *		else:
 *			rows = [i for i in range(n) if known[i].any()]
 *			g = [f(Y[known], P[known], fn)
 *				 for fn in (precision_score, recall_score, f1_score)]
 *			g += [np.mean(per[2]),
 *				  np.mean([f(Y[i, known[i]], P[i, known[i]]) for i in rows]),
 *				  np.mean([accuracy_score(Y[i, known[i]], P[i, known[i]]) == 1
 *						   for i in rows]),
 *				  np.mean(Y[known] != P[known])]
 *		g += [np.mean([per[4][k] for k in both]),
 *			  np.mean([per[5][k] for k in both])]
 *		return per, g, len(both)
 *	rng = np.random.default_rng(5)							# multi_a_*
 *	Y = (rng.random((12, 4)) < 0.4).astype(int)
 *	S = rng.random((12, 4)).astype(np.float32)
 *	Y[3] = 0; S[3] = 0.125		# a row with nothing true or predicted
 *	multi(Y, S, np.array([0.5, 0.25, 0.75, 0.375], np.float32))
 *	rng = np.random.default_rng(6)							# multi_b_*
 *	Y = (rng.random((20, 3)) < 0.5).astype(int)
 *	S = (rng.integers(0, 17, (20, 3)) / 16).astype(np.float32)	# ties
 *	Y[:, 2] = 0					# a label with no positive: no AUC
 *	multi(Y, S, np.array([0.5, 0.5, 0.5], np.float32))
 *	rng = np.random.default_rng(7)							# multi_c_*
 *	Y = (rng.random((16, 3)) < 0.5).astype(int)
 *	S = rng.random((16, 3)).astype(np.float32)
 *	Y[rng.random((16, 3)) < 0.25] = -1; Y[5] = -1		# unknown entries
 *	multi(Y, S, np.array([0.5, 0.375, 0.625], np.float32))
 */
static const int8_t multi_a_y[48] = {
	0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0,
	1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1,
	0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1
};
static const float multi_a_s[48] = {
	0.0145362802f, 0.933223903f, 0.0858257934f, 0.844926775f,
	0.367880732f, 0.951022983f, 0.399425268f, 0.936442077f,
	0.556159794f, 0.240135327f, 0.7414217f, 0.67438972f,
	0.125f, 0.125f, 0.125f, 0.125f,
	0.107089497f, 0.692222297f, 0.635386825f, 0.376512527f,
	0.798523366f, 0.194025472f, 0.390458912f, 0.797933877f,
	0.380475372f, 0.713257849f, 0.612517834f, 0.941000998f,
	0.991676688f, 0.723676264f, 0.808843791f, 0.152865022f,
	0.712890267f, 0.847624362f, 0.401225746f, 0.553250015f,
	0.479487747f, 0.958522975f, 0.317277849f, 0.402084529f,
	0.000919789134f, 0.420184523f, 0.63143611f, 0.934961081f,
	0.92367661f, 0.327349812f, 0.988861024f, 0.18767494f
};
static const float multi_a_thr[4] = {
	0.5f, 0.25f, 0.75f, 0.375f
};
/* precision, recall, f1, accuracy, roc_auc, pr_auc (K each) */
static const double multi_a_per[24] = {
	0.2, 0.3333333333333333, 0.0, 0.7777777777777778,
	0.3333333333333333, 0.75, 0.0, 0.7777777777777778,
	0.25, 0.46153846153846156, 0.0, 0.7777777777777778,
	0.5, 0.4166666666666667, 0.5, 0.6666666666666666,
	0.37037037037037035, 0.71875, 0.4375, 0.5555555555555556,
	0.25, 0.740909090909091, 0.3404761904761905, 0.7559002725669393
};
/* micro P, R, F1, macro F1, samples F1, subset accuracy, hamming, mean AUC, mean AP; 4 AUC labels */
static const double multi_a_global[9] = {
	0.44, 0.55, 0.48888888888888893,
	0.37232905982905984, 0.4388888888888889, 0.16666666666666666,
	0.4791666666666667, 0.5205439814814814, 0.5218213884880551
};
static const int8_t multi_b_y[60] = {
	0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0,
	1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0,
	0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0,
	0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0,
	0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0
};
static const float multi_b_s[60] = {
	0.1875f, 0.4375f, 0.125f,
	0.5625f, 0.25f, 0.875f,
	0.5f, 0.625f, 1.0f,
	0.6875f, 0.3125f, 0.625f,
	0.0625f, 0.1875f, 0.3125f,
	0.4375f, 0.625f, 1.0f,
	0.125f, 0.9375f, 0.125f,
	0.8125f, 0.9375f, 0.5625f,
	0.5f, 0.875f, 0.0625f,
	0.625f, 0.9375f, 0.375f,
	0.25f, 0.5f, 0.0625f,
	0.1875f, 0.4375f, 0.5625f,
	0.625f, 0.3125f, 0.1875f,
	0.8125f, 0.0f, 0.875f,
	0.125f, 1.0f, 0.4375f,
	0.875f, 0.1875f, 0.0625f,
	0.5625f, 0.75f, 0.375f,
	0.8125f, 0.3125f, 0.875f,
	0.0625f, 0.5f, 0.8125f,
	0.5f, 0.75f, 0.5625f
};
static const float multi_b_thr[3] = {
	0.5f, 0.5f, 0.5f
};
/* precision, recall, f1, accuracy, roc_auc, pr_auc (K each) */
static const double multi_b_per[18] = {
	0.4166666666666667, 0.8181818181818182, 0.0,
	0.625, 0.6, 0.0,
	0.5, 0.6923076923076923, 0.0,
	0.5, 0.6, 0.5,
	0.46875, 0.5533333333333333, NAN,
	0.44930555555555557, 0.7783093612040981, NAN
};
/* micro P, R, F1, macro F1, samples F1, subset accuracy, hamming, mean AUC, mean AP; 2 AUC labels */
static const double multi_b_global[9] = {
	0.42424242424242425, 0.6086956521739131, 0.5,
	0.3974358974358974, 0.4133333333333334, 0.1,
	0.4666666666666667, 0.5110416666666666, 0.6138074583798269
};
static const int8_t multi_c_y[48] = {
	-1, 0, -1, -1, 1, 0, 1, 0, 0, 1, 1, 1,
	1, 1, 0, -1, -1, -1, -1, 0, 1, -1, 0, 1,
	-1, 0, 1, 0, 0, -1, -1, 1, -1, 1, 0, 1,
	1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0
};
static const float multi_c_s[48] = {
	0.507772207f, 0.871339381f, 0.36126405f,
	0.598184049f, 0.0592516437f, 0.387631804f,
	0.323036343f, 0.150199726f, 0.816338122f,
	0.379446179f, 0.978747904f, 0.589991689f,
	0.605056226f, 0.637996554f, 0.676450253f,
	0.150788024f, 0.440313458f, 0.239563957f,
	0.402498305f, 0.0967040956f, 0.967828035f,
	0.215004042f, 0.671765149f, 0.300420076f,
	0.874077022f, 0.662214756f, 0.131615818f,
	0.845074296f, 0.944948196f, 0.903916776f,
	0.569719136f, 0.14545995f, 0.192463502f,
	0.927905679f, 0.5523265f, 0.180552498f,
	0.884056866f, 0.641571701f, 0.569694281f,
	0.376287848f, 0.41095528f, 0.239489213f,
	0.0380572863f, 0.876218796f, 0.467730224f,
	0.547635198f, 0.322163314f, 0.751324892f
};
static const float multi_c_thr[3] = {
	0.5f, 0.375f, 0.625f
};
/* precision, recall, f1, accuracy, roc_auc, pr_auc (K each) */
static const double multi_c_per[18] = {
	0.6, 0.4, 0.25,
	0.5, 0.5714285714285714, 0.2,
	0.5454545454545454, 0.47058823529411764, 0.22222222222222224,
	0.4444444444444444, 0.4, 0.4166666666666667,
	0.6111111111111112, 0.3392857142857143, 0.34285714285714286,
	0.8134920634920634, 0.4919235526378384, 0.5027272727272727
};
/* micro P, R, F1, macro F1, samples F1, subset accuracy, hamming, mean AUC, mean AP; 3 AUC labels */
static const double multi_c_global[9] = {
	0.42105263157894735, 0.4444444444444444, 0.43243243243243246,
	0.41275500099029516, 0.2977777777777778, 0.13333333333333333,
	0.5833333333333334, 0.4310846560846561, 0.6027142962857248
};

/* One seeded regression case */
typedef struct RegCase
{
	const char *name;
	int			n;
	const double *y_true;
	const double *y_pred;
	const double *expect;		/* as in reg11_expect */
} RegCase;

/* One seeded multi-label case */
typedef struct MultiCase
{
	const char *name;
	int			n;
	int32_t		K;
	const int8_t *y;			/* (n x K) */
	const float *s;				/* (n x K) */
	const float *thr;			/* (K) */
	const double *per;			/* (6 x K) as in multi_a_per */
	const double *global;		/* (9) as in multi_a_global */
	int32_t		auc_labels;
} MultiCase;

/* The seeded regression cases against sklearn and numpy */
static void
test_reg_sklearn(void)
{
	static const RegCase cases[2] = {
		{"reg seed 11", 15, reg11_true, reg11_pred, reg11_expect},
		{"reg seed 12", 6, reg12_true, reg12_pred, reg12_expect},
	};
	const double tol = 1e-12;

	for (int c = 0; c < 2; c++)
	{
		const RegCase *rc = &cases[c];
		const double *e = rc->expect;
		MrRegAcc   *acc;
		MrRegMetrics m;
		int			ok = 1;

		mr_reg_metrics_new(&mr_malloc_allocator, &acc);
		for (int i = 0; i < rc->n; i++)
			ok &= mr_reg_metrics_add(acc, rc->y_true[i], rc->y_pred[i]) == MR_OK;
		ok &= mr_reg_metrics_finish(acc, &m) == MR_OK && m.rows == rc->n;
		MR_CHECK(ok, "%s: %d rows", rc->name, rc->n);
		MR_CHECK(near(m.r2, e[0], tol), "%s: r2_score (%.17g vs %.17g)", rc->name, m.r2, e[0]);
		MR_CHECK(near(m.rmse, e[1], tol) && near(m.mae, e[2], tol),
				 "%s: mean_squared_error(squared=False), mean_absolute_error", rc->name);
		MR_CHECK(near(m.mean_true, e[3], tol) && near(m.std_true, e[4], tol),
				 "%s: np.mean and np.std of the truth", rc->name);
		MR_CHECK(near(m.mean_residual, e[5], tol) && near(m.max_abs_error, e[6], tol),
				 "%s: mean residual, max_error", rc->name);
		for (int j = 0; j < MR_REG_QUANTILES; j++)
			ok &= near(m.residual_quantile[j], e[7 + j], tol);
		MR_CHECK(ok, "%s: np.quantile of the residuals", rc->name);
		mr_reg_metrics_free(acc);
	}
}

/* The seeded multi-label cases against sklearn */
static void
test_multi_sklearn(void)
{
	static const MultiCase cases[3] = {
		{"multi seed 5", 12, 4, multi_a_y, multi_a_s, multi_a_thr, multi_a_per, multi_a_global, 4},
		{"multi seed 6", 20, 3, multi_b_y, multi_b_s, multi_b_thr, multi_b_per, multi_b_global, 2},
		{"multi seed 7 (unknown entries)", 16, 3, multi_c_y, multi_c_s, multi_c_thr, multi_c_per,
		multi_c_global, 3},
	};
	const double tol = 1e-12;

	for (int c = 0; c < 3; c++)
	{
		const MultiCase *mc = &cases[c];
		const int32_t K = mc->K;
		const double *g = mc->global;
		MrMultiAcc *acc;
		MrMultiMetrics m;
		int			ok = 1;

		mr_multi_metrics_new(&mr_malloc_allocator, K, mc->thr, &acc);
		for (int i = 0; i < mc->n; i++)
			ok &= mr_multi_metrics_add(acc, mc->y + (size_t) i * K, mc->s + (size_t) i * K) == MR_OK;
		ok &= mr_multi_metrics_finish(acc, &m) == MR_OK && m.rows == mc->n;
		MR_CHECK(ok, "%s: %d rows", mc->name, mc->n);
		ok = 1;
		for (int32_t k = 0; k < K; k++)
			ok &= near(m.precision[k], mc->per[k], tol) && near(m.recall[k], mc->per[K + k], tol) &&
				near(m.f1[k], mc->per[2 * K + k], tol) && near(m.accuracy_k[k], mc->per[3 * K + k], tol);
		MR_CHECK(ok, "%s: per-label precision, recall, F1, accuracy", mc->name);
		ok = 1;
		for (int32_t k = 0; k < K; k++)
			ok &= near(m.roc_auc[k], mc->per[4 * K + k], tol) && near(m.pr_auc[k], mc->per[5 * K + k], tol);
		MR_CHECK(ok, "%s: per-label roc_auc_score, average_precision_score", mc->name);
		MR_CHECK(near(m.micro_precision, g[0], tol) && near(m.micro_recall, g[1], tol) &&
				 near(m.micro_f1, g[2], tol), "%s: micro precision, recall, F1", mc->name);
		MR_CHECK(near(m.macro_f1, g[3], tol), "%s: macro F1 (%.17g vs %.17g)", mc->name, m.macro_f1, g[3]);
		MR_CHECK(near(m.example_f1, g[4], tol), "%s: samples F1 (%.17g vs %.17g)", mc->name, m.example_f1, g[4]);
		MR_CHECK(near(m.subset_accuracy, g[5], tol) && near(m.hamming_loss, g[6], tol),
				 "%s: subset accuracy, Hamming loss", mc->name);
		MR_CHECK(m.auc_labels == mc->auc_labels && near(m.mean_roc_auc, g[7], tol) &&
				 near(m.mean_pr_auc, g[8], tol), "%s: mean AUC and AP over %d labels", mc->name,
				 mc->auc_labels);
		mr_multi_metrics_free(acc);
	}
}

/*
 * Every allocation failing in turn: the failing call returns MR_ENOMEM,
 * retrying it once memory is back succeeds with results identical to a
 * run that never failed, and freeing leaves nothing live.
 */
static void
test_alloc_failures(void)
{
	enum
	{
		K = 5, N = 2000			/* the rows grow twice (from 819 rows) */
	};
	static int8_t y[N][K];
	static float p[N][K];
	static const float thr[K] = {0.5f, 0.25f, 0.75f, 0.5f, 0.5f};
	uint64_t	st = 11;
	MrRegMetrics reg_ref;
	MrMultiMetrics multi_ref;
	MrMultiAcc *multi_ref_acc;
	const MrRocPoint *ref_pts;
	int64_t		ref_npts;
	float		ref_thr;
	int			not_enomem = 0;
	int			leaks = 0;
	int			mismatches = 0;
	int			sites[8] = {0};
	int			clean_run = 0;

	/* rows with ties, unknown entries, and label 4 never positive */
	for (int i = 0; i < N; i++)
		for (int k = 0; k < K; k++)
		{
			y[i][k] = (int8_t) ((int) (lcg(&st) % 3) - 1);
			if (k == 4 && y[i][k] > 0)
				y[i][k] = 0;
			p[i][k] = (float) (lcg(&st) % 33) / 32.0f;
		}

	/* the reference runs: never fail */
	{
		MrRegAcc   *acc;

		mr_reg_metrics_new(&mr_malloc_allocator, &acc);
		for (int i = 0; i < N; i++)
			mr_reg_metrics_add(acc, p[i][0], p[i][1]);
		mr_reg_metrics_finish(acc, &reg_ref);
		mr_reg_metrics_free(acc);
	}
	mr_multi_metrics_new(&mr_malloc_allocator, K, thr, &multi_ref_acc);
	for (int i = 0; i < N; i++)
		mr_multi_metrics_add(multi_ref_acc, y[i], p[i]);
	mr_multi_metrics_finish(multi_ref_acc, &multi_ref);
	mr_multi_roc_curve(multi_ref_acc, 1, &ref_pts, &ref_npts);
	mr_best_f1_threshold(&mr_malloc_allocator, &y[0][2], K, &p[0][2], K, N, &ref_thr);

	for (long fail_after = 0; fail_after < 400 && !clean_run; fail_after++)
	{
		TestAlloc	t;
		MrAllocator a = test_allocator(&t, fail_after);
		MrRegAcc   *racc;
		MrMultiAcc *macc;
		MrRegMetrics rm;
		MrMultiMetrics mm;
		const MrRocPoint *pts;
		int64_t		npts;
		float		best;
		int			failed = 0;
		MrStatus	s;

/* Run call; on failure count the site, check MR_ENOMEM, retry with memory back */
#define TRY(site, call) \
	do { \
		if ((s = (call)) != MR_OK) \
		{ \
			not_enomem += s != MR_ENOMEM; \
			sites[site] = failed = 1; \
			t.fail_after = -1; \
			not_enomem += (call) != MR_OK; \
		} \
	} while (0)

		TRY(0, mr_reg_metrics_new(&a, &racc));
		for (int i = 0; i < N; i++)
			TRY(1, mr_reg_metrics_add(racc, p[i][0], p[i][1]));
		TRY(2, mr_reg_metrics_finish(racc, &rm));
		TRY(3, mr_multi_metrics_new(&a, K, thr, &macc));
		for (int i = 0; i < N; i++)
			TRY(4, mr_multi_metrics_add(macc, y[i], p[i]));
		TRY(5, mr_multi_metrics_finish(macc, &mm));
		TRY(6, mr_multi_roc_curve(macc, 1, &pts, &npts));
		TRY(7, mr_best_f1_threshold(&a, &y[0][2], K, &p[0][2], K, N, &best));
#undef TRY

		mismatches += !reg_same(&rm, &reg_ref) || !multi_same(&mm, &multi_ref, K) ||
			mm.rows != multi_ref.rows || npts != ref_npts ||
			memcmp(pts, ref_pts, (size_t) npts * sizeof(MrRocPoint)) != 0 || best != ref_thr;
		mr_reg_metrics_free(racc);
		mr_multi_metrics_free(macc);
		leaks += t.live != 0;
		clean_run = !failed;
	}
	MR_CHECK(sites[0] && sites[1] && sites[2] && sites[3] && sites[4] && sites[5] &&
			 sites[6] && sites[7] && clean_run,
			 "failures hit every new, add, finish, the ROC curve and the threshold chooser");
	MR_CHECK(not_enomem == 0, "every failure is MR_ENOMEM and a retry succeeds");
	MR_CHECK(mismatches == 0, "after a failed call and a retry, results equal a clean run");
	MR_CHECK(leaks == 0, "nothing leaks after any failure (%d leaks)", leaks);
	MR_CHECK(multi_ref.auc_labels == 4 && isnan(multi_ref.roc_auc[4]),
			 "the failure case has four labels with an AUC, and one without");
	mr_multi_metrics_free(multi_ref_acc);
}

/* The metrics_targets suite */
void
test_metrics_targets(void)
{
	test_reg_hand();
	test_reg_edges();
	test_reg_accuracy();
	test_reg_sklearn();
	test_multi_hand();
	test_multi_unknown();
	test_multi_edges();
	test_best_f1();
	test_multi_sklearn();
	test_alloc_failures();
}
