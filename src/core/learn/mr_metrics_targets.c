/*
 * mr_metrics_targets.c
 *	  Regression and multi-label metrics matching scikit-learn
 *	  (mr_metrics_targets.h).
 *
 * Both accumulators keep their rows: regression needs every residual for
 * the quantiles, and the multi-label AUCs are computed by one binary
 * mr_metrics accumulator per label, built from the kept rows when a result
 * is asked for.  Building them lazily, rather than feeding K of them on
 * every add, keeps an add all-or-nothing: a failed allocation halfway
 * through a row's K labels could not be undone in accumulators that cannot
 * forget a row.
 */
#include "mr_metrics_targets.h"

#include <math.h>
#include <string.h>

#include "mr_sort.h"

const double mr_reg_quantile_levels[MR_REG_QUANTILES] = {0.05, 0.25, 0.5, 0.75, 0.95};

/*
 * A compensated (Neumaier) sum: c collects what each addition to s lost.
 * It relies on the compiler keeping the order of floating-point additions,
 * as it does without -ffast-math / -fassociative-math.
 */
typedef struct KSum
{
	double		s;
	double		c;
} KSum;

/* Add x to the sum */
static void
ksum_add(KSum *k, double x)
{
	double		t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

/* The sum's value */
static double
ksum_value(const KSum *k)
{
	return k->s + k->c;
}

/* a / b, or 0 when b is 0 (sklearn zero_division=0) */
static double
div0(int64_t a, int64_t b)
{
	return b != 0 ? (double) a / (double) b : 0.0;
}

/* a / b, or NaN when b is 0 (undefined rather than zero) */
static double
div_nan(double a, double b)
{
	return b != 0.0 ? a / b : NAN;
}

/* ----------------------------------------------------------------------
 * regression: the kept pairs, two passes and a sort
 * ---------------------------------------------------------------------- */

struct MrRegAcc
{
	MrAllocator alloc;
	int64_t		rows;
	double	   *pairs;			/* (2 cap) y_true, y_pred of each row */
	size_t		cap;			/* rows pairs can hold */
};

/* New empty regression accumulator */
MrStatus
mr_reg_metrics_new(const MrAllocator *a, MrRegAcc **out)
{
	MrRegAcc   *acc;

	if (out == NULL)
		return MR_EINVAL;
	*out = NULL;
	if (a == NULL)
		return MR_EINVAL;
	acc = mr_alloc0(a, sizeof(MrRegAcc));
	if (acc == NULL)
		return MR_ENOMEM;
	acc->alloc = *a;
	*out = acc;
	return MR_OK;
}

/* Release the accumulator */
void
mr_reg_metrics_free(MrRegAcc *acc)
{
	MrAllocator a;

	if (acc == NULL)
		return;
	a = acc->alloc;
	mr_free(&a, acc->pairs);
	mr_free(&a, acc);
}

/* Make room for one more row (256 rows, then doubling); MR_ENOMEM leaves it intact */
static MrStatus
pairs_reserve(MrRegAcc *acc)
{
	size_t		cap = 256;
	size_t		bytes;
	double	   *pairs;

	if ((size_t) acc->rows < acc->cap)
		return MR_OK;
	if ((acc->cap > 0 && !mr_mul_size(acc->cap, 2, &cap)) ||
		!mr_mul_size(cap, 2 * sizeof(double), &bytes))
		return MR_ENOMEM;
	pairs = mr_alloc(&acc->alloc, bytes);
	if (pairs == NULL)
		return MR_ENOMEM;
	if (acc->rows > 0)
		memcpy(pairs, acc->pairs, (size_t) acc->rows * 2 * sizeof(double));
	mr_free(&acc->alloc, acc->pairs);
	acc->pairs = pairs;
	acc->cap = cap;
	return MR_OK;
}

/* Count one row */
MrStatus
mr_reg_metrics_add(MrRegAcc *acc, double y_true, double y_pred)
{
	MrStatus	st;

	if (acc == NULL || !isfinite(y_true) || !isfinite(y_pred))
		return MR_EINVAL;
	if ((st = pairs_reserve(acc)) != MR_OK)
		return st;
	acc->pairs[2 * acc->rows] = y_true;
	acc->pairs[2 * acc->rows + 1] = y_pred;
	acc->rows++;
	return MR_OK;
}

/* Ascending order of doubles (never NaN here) */
static int
double_cmp(const void *pa, const void *pb, void *arg)
{
	double		a = *(const double *) pa,
				b = *(const double *) pb;

	return (a > b) - (a < b);
}

/*
 * np.quantile(sorted[0..n), q) with method="linear", n >= 1: numpy 1.24
 * takes h = (n - 1) q and interpolates in _lerp, from the lower neighbour
 * when the weight is below 0.5 and from the upper one otherwise (which
 * keeps the result monotone in q).  Written the same way, so the results
 * are numpy's, up to the last bit an FMA contraction may change.
 */
static double
quantile_linear(const double *sorted, int64_t n, double q)
{
	double		h = (double) (n - 1) * q;
	double		lo_f = floor(h);
	int64_t		lo = (int64_t) lo_f;
	double		g = h - lo_f;
	double		a;
	double		b;

	if (lo >= n - 1)
		return sorted[n - 1];
	a = sorted[lo];
	b = sorted[lo + 1];
	return g >= 0.5 ? b - (b - a) * (1.0 - g) : a + (b - a) * g;
}

/* Compute every regression figure */
MrStatus
mr_reg_metrics_finish(MrRegAcc *acc, MrRegMetrics *out)
{
	int64_t		n;
	double	   *res;
	double		y_min;
	double		y_max;
	double		mean;
	double		sum_d;
	double		ss_tot;
	double		ss_res;
	double		max_abs = 0.0;
	KSum		sum_y = {0, 0};
	KSum		k_d = {0, 0};
	KSum		k_dd = {0, 0};
	KSum		k_ee = {0, 0};
	KSum		k_abs = {0, 0};
	KSum		k_res = {0, 0};
	MrStatus	st;

	if (acc == NULL || out == NULL)
		return MR_EINVAL;
	n = acc->rows;
	memset(out, 0, sizeof(*out));
	out->rows = n;
	if (n == 0)
	{
		out->rmse = out->mae = out->r2 = NAN;
		out->mean_true = out->std_true = out->mean_residual = NAN;
		out->max_abs_error = NAN;
		for (int j = 0; j < MR_REG_QUANTILES; j++)
			out->residual_quantile[j] = NAN;
		return MR_OK;
	}
	/* n * 8 bytes cannot overflow: the pairs already take twice that */
	res = mr_alloc(&acc->alloc, (size_t) n * sizeof(double));
	if (res == NULL)
		return MR_ENOMEM;

	/* first pass: the mean of the truth, and whether it is constant */
	y_min = y_max = acc->pairs[0];
	for (int64_t i = 0; i < n; i++)
	{
		double		y = acc->pairs[2 * i];

		ksum_add(&sum_y, y);
		y_min = fmin(y_min, y);
		y_max = fmax(y_max, y);
	}
	/* equal values must give SS_tot = 0 exactly, which a rounded mean may not */
	mean = y_min == y_max ? y_min : ksum_value(&sum_y) / (double) n;

	/* second pass: spreads around the mean, errors and residuals */
	for (int64_t i = 0; i < n; i++)
	{
		double		y = acc->pairs[2 * i];
		double		f = acc->pairs[2 * i + 1];
		double		d = y - mean;
		double		e = y - f;

		ksum_add(&k_d, d);
		ksum_add(&k_dd, d * d);
		ksum_add(&k_ee, e * e);
		ksum_add(&k_abs, fabs(e));
		res[i] = f - y;
		ksum_add(&k_res, res[i]);
		max_abs = fmax(max_abs, fabs(e));
	}
	/*
	 * The corrected two-pass formula: sum_d is 0 up to the mean's rounding,
	 * and subtracting its square removes that rounding's first-order effect
	 */
	sum_d = ksum_value(&k_d);
	ss_tot = y_min == y_max ? 0.0 : fmax(ksum_value(&k_dd) - sum_d * sum_d / (double) n, 0.0);
	ss_res = ksum_value(&k_ee);

	out->rmse = sqrt(ss_res / (double) n);
	out->mae = ksum_value(&k_abs) / (double) n;
	if (n < 2)
		out->r2 = NAN;
	else if (ss_tot == 0.0)
		out->r2 = ss_res == 0.0 ? 1.0 : 0.0;
	else
		out->r2 = 1.0 - ss_res / ss_tot;
	out->mean_true = mean;
	out->std_true = sqrt(ss_tot / (double) n);
	out->mean_residual = ksum_value(&k_res) / (double) n;
	out->max_abs_error = max_abs;

	st = mr_sort(res, (size_t) n, sizeof(double), double_cmp, NULL, &acc->alloc);
	if (st == MR_OK)
		for (int j = 0; j < MR_REG_QUANTILES; j++)
			out->residual_quantile[j] = quantile_linear(res, n, mr_reg_quantile_levels[j]);
	mr_free(&acc->alloc, res);
	return st;
}

/* ----------------------------------------------------------------------
 * multi-label: counts per label and per row, AUCs from the kept rows
 * ---------------------------------------------------------------------- */

/* Per-label counts, in MrMultiAcc.counts */
enum
{
	C_KNOWN,					/* known entries */
	C_POS,						/* ... truly positive */
	C_PRED,						/* ... predicted positive */
	C_TP,						/* ... both */
	C_RIGHT,					/* ... predicted right */
	N_COUNTS
};

/* Per-label results, in MrMultiAcc.res */
enum
{
	R_PRECISION,
	R_RECALL,
	R_F1,
	R_ROC_AUC,
	R_PR_AUC,
	R_ACCURACY,
	N_RESULTS
};

struct MrMultiAcc
{
	MrAllocator alloc;
	int32_t		K;
	int64_t		rows;
	int64_t		rows_known;		/* rows with a known entry */
	int64_t		rows_right;		/* ... whose known entries are all right */
	double		example_f1_sum; /* over rows_known */
	float	   *thresholds;		/* (K) */
	int64_t    *counts;			/* (N_COUNTS x K) by count, then label */
	double	   *res;			/* (N_RESULTS x K) the same */

	/* the rows: truth and probability of each entry, row-major */
	int8_t	   *truth;			/* (cap x K) */
	float	   *probs;			/* (cap x K); 0 where the truth is unknown */
	size_t		cap;			/* rows the arrays can hold */

	MrMetricsAcc *curve;		/* the label whose ROC curve was handed out */
};

/* Count c of label k */
#define COUNT(acc, c, k) ((acc)->counts[(size_t) (c) * (acc)->K + (k)])
/* Result r of label k */
#define RESULT(acc, r, k) ((acc)->res[(size_t) (r) * (acc)->K + (k)])

/* New empty multi-label accumulator */
MrStatus
mr_multi_metrics_new(const MrAllocator *a, int32_t K, const float *thresholds,
					 MrMultiAcc **out)
{
	MrMultiAcc *acc;

	if (out == NULL)
		return MR_EINVAL;
	*out = NULL;
	if (a == NULL || K < 1 || K > MR_MAX_CLASSES)
		return MR_EINVAL;
	for (int32_t k = 0; thresholds && k < K; k++)
		if (isnan(thresholds[k]))
			return MR_EINVAL;
	acc = mr_alloc0(a, sizeof(MrMultiAcc));
	if (acc == NULL)
		return MR_ENOMEM;
	acc->alloc = *a;
	acc->K = K;
	/* K <= MR_MAX_CLASSES keeps every size here far from overflowing */
	acc->thresholds = mr_alloc(a, (size_t) K * sizeof(float));
	acc->counts = mr_alloc0(a, (size_t) K * N_COUNTS * sizeof(int64_t));
	acc->res = mr_alloc(a, (size_t) K * N_RESULTS * sizeof(double));
	if (acc->thresholds == NULL || acc->counts == NULL || acc->res == NULL)
	{
		mr_multi_metrics_free(acc);
		return MR_ENOMEM;
	}
	for (int32_t k = 0; k < K; k++)
		acc->thresholds[k] = thresholds ? thresholds[k] : 0.5f;
	*out = acc;
	return MR_OK;
}

/* Release the accumulator and its results */
void
mr_multi_metrics_free(MrMultiAcc *acc)
{
	MrAllocator a;

	if (acc == NULL)
		return;
	a = acc->alloc;
	mr_metrics_free(acc->curve);
	mr_free(&a, acc->thresholds);
	mr_free(&a, acc->counts);
	mr_free(&a, acc->res);
	mr_free(&a, acc->truth);
	mr_free(&a, acc->probs);
	mr_free(&a, acc);
}

/*
 * Make room for one more row in both arrays: about 4096 entries (20 kB)
 * to start, a single row when K is that large, then doubling.  Both grow
 * or neither does, so MR_ENOMEM leaves them intact.
 */
static MrStatus
rows_reserve(MrMultiAcc *acc)
{
	const size_t K = (size_t) acc->K;
	size_t		cap = K < 4096 ? 4096 / K : 1;
	size_t		bytes;
	int8_t	   *truth;
	float	   *probs;

	if ((size_t) acc->rows < acc->cap)
		return MR_OK;
	if ((acc->cap > 0 && !mr_mul_size(acc->cap, 2, &cap)) ||
		!mr_mul_size(cap, K * sizeof(float), &bytes))
		return MR_ENOMEM;
	/* cap * K is a quarter of bytes, so it cannot overflow either */
	truth = mr_alloc(&acc->alloc, cap * K);
	probs = truth ? mr_alloc(&acc->alloc, bytes) : NULL;
	if (probs == NULL)
	{
		mr_free(&acc->alloc, truth);
		return MR_ENOMEM;
	}
	if (acc->rows > 0)
	{
		memcpy(truth, acc->truth, (size_t) acc->rows * K);
		memcpy(probs, acc->probs, (size_t) acc->rows * K * sizeof(float));
	}
	mr_free(&acc->alloc, acc->truth);
	mr_free(&acc->alloc, acc->probs);
	acc->truth = truth;
	acc->probs = probs;
	acc->cap = cap;
	return MR_OK;
}

/* Count one row */
MrStatus
mr_multi_metrics_add(MrMultiAcc *acc, const int8_t *truth, const float *probs)
{
	const int32_t K = acc ? acc->K : 0;
	int8_t	   *row_t;
	float	   *row_p;
	int64_t		known = 0;
	int64_t		t_pos = 0;
	int64_t		p_pos = 0;
	int64_t		tp = 0;
	int64_t		wrong = 0;
	MrStatus	st;

	if (acc == NULL || truth == NULL || probs == NULL)
		return MR_EINVAL;
	/* check the whole row before counting any of it */
	for (int32_t k = 0; k < K; k++)
		if (truth[k] < -1 || truth[k] > 1 || (truth[k] >= 0 && !isfinite(probs[k])))
			return MR_EINVAL;
	if ((st = rows_reserve(acc)) != MR_OK)
		return st;

	row_t = acc->truth + (size_t) acc->rows * K;
	row_p = acc->probs + (size_t) acc->rows * K;
	for (int32_t k = 0; k < K; k++)
	{
		int			y = truth[k];
		int			pred;

		row_t[k] = truth[k];
		row_p[k] = y >= 0 ? probs[k] : 0.0f;
		if (y < 0)
			continue;
		pred = probs[k] >= acc->thresholds[k];
		COUNT(acc, C_KNOWN, k)++;
		COUNT(acc, C_POS, k) += y;
		COUNT(acc, C_PRED, k) += pred;
		COUNT(acc, C_TP, k) += y & pred;
		COUNT(acc, C_RIGHT, k) += y == pred;
		known++;
		t_pos += y;
		p_pos += pred;
		tp += y & pred;
		wrong += y != pred;
	}
	if (known > 0)
	{
		acc->rows_known++;
		acc->rows_right += wrong == 0;
		acc->example_f1_sum += div0(2 * tp, t_pos + p_pos);
	}
	acc->rows++;
	return MR_OK;
}

/*
 * A binary mr_metrics accumulator of label k's known entries, scored by
 * their probability (the (1 - p, p) pair makes p the positive class's score)
 */
static MrStatus
label_metrics(MrMultiAcc *acc, int32_t k, MrMetricsAcc **out)
{
	MrMetricsAcc *m;
	MrStatus	st;

	if ((st = mr_metrics_new(&acc->alloc, 2, 1, &m)) != MR_OK)
		return st;
	for (int64_t i = 0; i < acc->rows; i++)
	{
		size_t		e = (size_t) i * acc->K + k;
		float		p[2];

		if (acc->truth[e] < 0)
			continue;
		p[0] = 1.0f - acc->probs[e];
		p[1] = acc->probs[e];
		if ((st = mr_metrics_add(m, acc->truth[e], p)) != MR_OK)
		{
			mr_metrics_free(m);
			return st;
		}
	}
	*out = m;
	return MR_OK;
}

/* Compute every multi-label figure */
MrStatus
mr_multi_metrics_finish(MrMultiAcc *acc, MrMultiMetrics *out)
{
	int32_t		K;
	int64_t		known = 0;
	int64_t		pos = 0;
	int64_t		pred = 0;
	int64_t		tp = 0;
	int64_t		right = 0;
	int32_t		labels = 0;		/* labels with a known entry */
	int32_t		auc_labels = 0;
	double		f1_sum = 0.0;
	double		auc_sum = 0.0;
	double		ap_sum = 0.0;

	if (acc == NULL || out == NULL)
		return MR_EINVAL;
	K = acc->K;
	for (int32_t k = 0; k < K; k++)
	{
		int64_t		n_k = COUNT(acc, C_KNOWN, k);
		int64_t		pos_k = COUNT(acc, C_POS, k);
		int64_t		pred_k = COUNT(acc, C_PRED, k);
		int64_t		tp_k = COUNT(acc, C_TP, k);
		double		auc = NAN;
		double		ap = NAN;

		/* the AUCs exist with both classes; only then is an accumulator built */
		if (pos_k > 0 && pos_k < n_k)
		{
			MrMetricsAcc *m;
			MrMetrics	mm;
			MrStatus	st;

			if ((st = label_metrics(acc, k, &m)) != MR_OK)
				return st;
			st = mr_metrics_finish(m, &mm);
			auc = mm.roc_auc;
			ap = mm.pr_auc;
			mr_metrics_free(m);
			if (st != MR_OK)
				return st;
			auc_labels++;
			auc_sum += auc;
			ap_sum += ap;
		}
		RESULT(acc, R_ROC_AUC, k) = auc;
		RESULT(acc, R_PR_AUC, k) = ap;
		/* with no known entry even the zero_division convention has no say */
		RESULT(acc, R_PRECISION, k) = n_k ? div0(tp_k, pred_k) : NAN;
		RESULT(acc, R_RECALL, k) = n_k ? div0(tp_k, pos_k) : NAN;
		RESULT(acc, R_F1, k) = n_k ? div0(2 * tp_k, pos_k + pred_k) : NAN;
		RESULT(acc, R_ACCURACY, k) = div_nan((double) COUNT(acc, C_RIGHT, k), (double) n_k);
		if (n_k > 0)
		{
			labels++;
			f1_sum += RESULT(acc, R_F1, k);
		}
		known += n_k;
		pos += pos_k;
		pred += pred_k;
		tp += tp_k;
		right += COUNT(acc, C_RIGHT, k);
	}

	memset(out, 0, sizeof(*out));
	out->K = K;
	out->rows = acc->rows;
	out->rows_known = acc->rows_known;
	out->known = known;
	out->known_k = &COUNT(acc, C_KNOWN, 0);
	out->positives_k = &COUNT(acc, C_POS, 0);
	out->predicted_k = &COUNT(acc, C_PRED, 0);
	out->precision = &RESULT(acc, R_PRECISION, 0);
	out->recall = &RESULT(acc, R_RECALL, 0);
	out->f1 = &RESULT(acc, R_F1, 0);
	out->roc_auc = &RESULT(acc, R_ROC_AUC, 0);
	out->pr_auc = &RESULT(acc, R_PR_AUC, 0);
	out->accuracy_k = &RESULT(acc, R_ACCURACY, 0);
	out->micro_precision = known ? div0(tp, pred) : NAN;
	out->micro_recall = known ? div0(tp, pos) : NAN;
	out->micro_f1 = known ? div0(2 * tp, pos + pred) : NAN;
	out->macro_f1 = div_nan(f1_sum, (double) labels);
	out->hamming_loss = div_nan((double) (known - right), (double) known);
	out->example_f1 = div_nan(acc->example_f1_sum, (double) acc->rows_known);
	out->subset_accuracy = div_nan((double) acc->rows_right, (double) acc->rows_known);
	out->auc_labels = auc_labels;
	out->mean_roc_auc = div_nan(auc_sum, (double) auc_labels);
	out->mean_pr_auc = div_nan(ap_sum, (double) auc_labels);
	return MR_OK;
}

/* Label k's ROC curve */
MrStatus
mr_multi_roc_curve(MrMultiAcc *acc, int32_t k, const MrRocPoint **points,
				   int64_t *n_points)
{
	MrMetricsAcc *m;
	MrStatus	st;

	if (acc == NULL || points == NULL || n_points == NULL || k < 0 || k >= acc->K)
		return MR_EINVAL;
	*points = NULL;
	*n_points = 0;
	mr_metrics_free(acc->curve);
	acc->curve = NULL;
	if ((st = label_metrics(acc, k, &m)) != MR_OK)
		return st;
	if ((st = mr_roc_curve(m, points, n_points)) != MR_OK)
	{
		mr_metrics_free(m);
		return st;
	}
	/* the points live in m: keep it until the next curve */
	acc->curve = m;
	return MR_OK;
}

/* One known row for mr_best_f1_threshold */
typedef struct ScoredRow
{
	float		score;
	int32_t		y;
} ScoredRow;

/* Descending order of score */
static int
scored_desc(const void *pa, const void *pb, void *arg)
{
	float		a = ((const ScoredRow *) pa)->score,
				b = ((const ScoredRow *) pb)->score;

	return (a < b) - (a > b);
}

/* The threshold with the best F1 */
MrStatus
mr_best_f1_threshold(const MrAllocator *a, const int8_t *truth, int64_t truth_stride,
					 const float *scores, int64_t score_stride, int64_t n,
					 float *threshold)
{
	ScoredRow  *rows;
	size_t		bytes;
	int64_t		m = 0;
	int64_t		P = 0;
	int64_t		tp = 0;
	int64_t		fp = 0;
	int64_t		i = 0;
	double		best_f1 = -1.0;
	float		best = 0.5f;
	MrStatus	st;

	if (a == NULL || truth == NULL || scores == NULL || threshold == NULL ||
		n < 0 || truth_stride < 1 || score_stride < 1)
		return MR_EINVAL;
	for (int64_t r = 0; r < n; r++)
	{
		int8_t		y = truth[r * truth_stride];

		if (y < -1 || y > 1 || (y >= 0 && !isfinite(scores[r * score_stride])))
			return MR_EINVAL;
		m += y >= 0;
		P += y == 1;
	}
	if (P == 0 || P == m)
	{
		*threshold = 0.5f;
		return MR_OK;
	}

	if (!mr_mul_size((size_t) m, sizeof(ScoredRow), &bytes) ||
		(rows = mr_alloc(a, bytes)) == NULL)
		return MR_ENOMEM;
	for (int64_t r = 0, j = 0; r < n; r++)
	{
		int8_t		y = truth[r * truth_stride];

		if (y < 0)
			continue;
		/* -0 and +0 are one threshold; +0 is the one to report */
		rows[j].score = scores[r * score_stride] + 0.0f;
		rows[j].y = y;
		j++;
	}
	st = mr_sort(rows, (size_t) m, sizeof(ScoredRow), scored_desc, NULL, a);
	if (st != MR_OK)
	{
		mr_free(a, rows);
		return st;
	}

	/* from the highest score down; each distinct score t adds its rows */
	while (i < m)
	{
		float		t = rows[i].score;
		double		f1;

		for (; i < m && rows[i].score == t; i++)
		{
			tp += rows[i].y;
			fp += 1 - rows[i].y;
		}
		f1 = 2.0 * (double) tp / (double) (P + tp + fp);
		/*
		 * Of equal F1 the one closer to 0.5 wins; the scores come from the
		 * highest down, so of two as close the higher, found first, stays
		 */
		if (f1 > best_f1 ||
			(f1 == best_f1 && fabs((double) t - 0.5) < fabs((double) best - 0.5)))
		{
			best_f1 = f1;
			best = t;
		}
	}
	mr_free(a, rows);
	*threshold = best;
	return MR_OK;
}
