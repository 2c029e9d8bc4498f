/*
 * mr_metrics.c
 *	  Accuracy, per-class precision/recall/F1, confusion matrix, log loss,
 *	  and for a positive class ROC AUC, average precision, Brier score,
 *	  calibration and the ROC curve, matching scikit-learn (mr_metrics.h).
 *
 * Per-class counts are dense (O(K)); the confusion matrix keeps its
 * diagonal in those counts and the off-diagonal cells in a small open
 * addressing table, since at K = 100000 a dense matrix cannot exist.  With
 * a positive class each row also keeps one 64-bit sort key (its score and
 * label), sorted once by a merge sort when a result is asked for.
 */
#include "mr_metrics.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "mr_sort.h"

/* One off-diagonal confusion cell in the hash table; count 0 = empty slot */
typedef struct CellSlot
{
	uint64_t	key;			/* true class << 32 | predicted class */
	int64_t		count;
} CellSlot;

struct MrMetricsAcc
{
	MrAllocator alloc;
	int32_t		K;
	int32_t		pos;			/* positive class, or -1 */
	int64_t		rows;
	double		log_loss_sum;
	int64_t    *counts;			/* (3K) support, predicted, TP: one block */
	int64_t    *support;		/* (K) into counts */
	int64_t    *predicted;		/* (K) into counts */
	int64_t    *tp;				/* (K) into counts: the diagonal */

	/* off-diagonal confusion cells */
	CellSlot   *cells;			/* (cell_cap), a power of two, or NULL */
	size_t		cell_cap;
	size_t		cell_used;

	/* binary metrics */
	uint64_t   *keys;			/* (key_cap) score_key << 32 | label, per row */
	size_t		key_cap;
	int			sorted;			/* keys[0..rows) ascending */
	int64_t		positives;
	double		brier_sum;
	int64_t		bin_count[MR_CALIBRATION_BINS];
	double		bin_score[MR_CALIBRATION_BINS];
	double		bin_pos[MR_CALIBRATION_BINS];

	/* results handed out, freed on the next call or by mr_metrics_free */
	double	   *res_prf;		/* (3K) precision, recall, f1 */
	MrConfusionCell *res_cells;
	MrRocPoint *res_roc;
};

/*
 * Inner edges of the 10 calibration bins, bins[1:-1] of
 * np.linspace(0.0, 1.0, 11), i.e. j * 0.1 rounded in double; written out
 * so that no compiler option can change them.
 */
static const double calibration_edges[MR_CALIBRATION_BINS - 1] = {
	0.1, 0.2, 0.30000000000000004, 0.4, 0.5,
	0.6000000000000001, 0.7000000000000001, 0.8, 0.9
};

/* Probability k of a row, with NaN read as 0 (the caller should never pass one) */
static inline float
prob_at(const float *probs, int32_t k)
{
	float		v = probs[k];

	return isnan(v) ? 0.0f : v;
}

/*
 * Map a float to a uint32 whose unsigned order is the float order (flip
 * all bits of negatives, the sign bit of positives), so a row's score and
 * label pack into one integer that a plain integer sort orders by score.
 */
static uint32_t
score_to_key(float s)
{
	uint32_t	u;

	memcpy(&u, &s, sizeof(u));
	return (u & UINT32_C(0x80000000)) ? ~u : (u | UINT32_C(0x80000000));
}

/* Inverse of score_to_key */
static float
key_to_score(uint32_t k)
{
	uint32_t	u = (k & UINT32_C(0x80000000)) ? (k & UINT32_C(0x7fffffff)) : ~k;
	float		s;

	memcpy(&s, &u, sizeof(s));
	return s;
}

/* Bin of a score: np.searchsorted(bins[1:-1], s), i.e. edges strictly below s */
static int
calibration_bin(double s)
{
	int			b = 0;

	while (b < MR_CALIBRATION_BINS - 1 && calibration_edges[b] < s)
		b++;
	return b;
}

/* Slot of a cell key in the table: a 64-bit mix, masked */
static size_t
cell_hash(uint64_t key, size_t mask)
{
	/* the finaliser of MurmurHash3: spreads both halves over the low bits */
	key ^= key >> 33;
	key *= UINT64_C(0xff51afd7ed558ccd);
	key ^= key >> 33;
	return (size_t) key & mask;
}

/* Slot holding key, or the empty slot where it would go */
static CellSlot *
cell_find(CellSlot *cells, size_t cap, uint64_t key)
{
	size_t		i = cell_hash(key, cap - 1);

	/* the table is never more than half full, so this ends */
	while (cells[i].count != 0 && cells[i].key != key)
		i = (i + 1) & (cap - 1);
	return &cells[i];
}

/* Make room for one more cell (doubling the table); MR_ENOMEM leaves it intact */
static MrStatus
cells_reserve(MrMetricsAcc *acc)
{
	size_t		cap;
	size_t		bytes;
	CellSlot   *cells;

	if ((acc->cell_used + 1) * 2 <= acc->cell_cap)
		return MR_OK;
	if (!mr_mul_size(acc->cell_cap ? acc->cell_cap : 32, 2, &cap) ||
		!mr_mul_size(cap, sizeof(CellSlot), &bytes))
		return MR_ENOMEM;
	cells = mr_alloc0(&acc->alloc, bytes);
	if (cells == NULL)
		return MR_ENOMEM;
	for (size_t i = 0; i < acc->cell_cap; i++)
		if (acc->cells[i].count != 0)
			*cell_find(cells, cap, acc->cells[i].key) = acc->cells[i];
	mr_free(&acc->alloc, acc->cells);
	acc->cells = cells;
	acc->cell_cap = cap;
	return MR_OK;
}

/* Make room for one more row key (doubling); MR_ENOMEM leaves them intact */
static MrStatus
keys_reserve(MrMetricsAcc *acc)
{
	size_t		cap;
	size_t		bytes;
	uint64_t   *keys;

	if ((size_t) acc->rows < acc->key_cap)
		return MR_OK;
	if (!mr_mul_size(acc->key_cap ? acc->key_cap : 512, 2, &cap) ||
		!mr_mul_size(cap, sizeof(uint64_t), &bytes))
		return MR_ENOMEM;
	keys = mr_alloc(&acc->alloc, bytes);
	if (keys == NULL)
		return MR_ENOMEM;
	if (acc->rows > 0)
		memcpy(keys, acc->keys, (size_t) acc->rows * sizeof(uint64_t));
	mr_free(&acc->alloc, acc->keys);
	acc->keys = keys;
	acc->key_cap = cap;
	return MR_OK;
}

/* Ascending order of packed keys */
static int
u64_cmp(const void *pa, const void *pb, void *arg)
{
	uint64_t	a = *(const uint64_t *) pa,
				b = *(const uint64_t *) pb;

	return (a > b) - (a < b);
}

/*
 * Sort a[0..n) ascending (mr_sort: O(n log n) on every input, unlike a
 * quicksort, which matters because scores come with many ties)
 */
static MrStatus
sort_u64_alloc(const MrAllocator *alloc, uint64_t *a, size_t n)
{
	return mr_sort(a, n, sizeof(uint64_t), u64_cmp, NULL, alloc);
}

/* Sort the row keys once after the last add */
static MrStatus
sort_rows(MrMetricsAcc *acc)
{
	MrStatus	st;

	if (acc->sorted)
		return MR_OK;
	st = sort_u64_alloc(&acc->alloc, acc->keys, (size_t) acc->rows);
	if (st == MR_OK)
		acc->sorted = 1;
	return st;
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

/* New empty accumulator */
MrStatus
mr_metrics_new(const MrAllocator *a, int32_t K, int32_t positive_class,
			   MrMetricsAcc **out)
{
	MrMetricsAcc *acc;
	size_t		bytes;

	if (out == NULL)
		return MR_EINVAL;
	*out = NULL;
	if (a == NULL || K < 1 || K > MR_MAX_CLASSES ||
		positive_class < -1 || positive_class >= K)
		return MR_EINVAL;
	if (!mr_mul_size((size_t) K, 3 * sizeof(int64_t), &bytes))
		return MR_ENOMEM;
	acc = mr_alloc0(a, sizeof(MrMetricsAcc));
	if (acc == NULL)
		return MR_ENOMEM;
	acc->alloc = *a;
	acc->K = K;
	acc->pos = positive_class;
	acc->sorted = 1;
	acc->counts = mr_alloc0(a, bytes);
	if (acc->counts == NULL)
	{
		mr_free(a, acc);
		return MR_ENOMEM;
	}
	acc->support = acc->counts;
	acc->predicted = acc->counts + K;
	acc->tp = acc->counts + 2 * (size_t) K;
	*out = acc;
	return MR_OK;
}

/* Release the accumulator and its results */
void
mr_metrics_free(MrMetricsAcc *acc)
{
	MrAllocator a;

	if (acc == NULL)
		return;
	a = acc->alloc;
	mr_free(&a, acc->counts);
	mr_free(&a, acc->cells);
	mr_free(&a, acc->keys);
	mr_free(&a, acc->res_prf);
	mr_free(&a, acc->res_cells);
	mr_free(&a, acc->res_roc);
	mr_free(&a, acc);
}

/* Count one row */
MrStatus
mr_metrics_add(MrMetricsAcc *acc, int32_t true_class, const float *probs)
{
	const double eps = DBL_EPSILON;
	int32_t		pred = 0;
	float		best;
	double		clipped_sum = 0.0;
	double		p_true = 0.0;
	MrStatus	st;

	if (acc == NULL || probs == NULL || true_class < 0 || true_class >= acc->K)
		return MR_EINVAL;

	/*
	 * One pass for the argmax (first index on a tie, like np.argmax) and
	 * the clipped, renormalised probability log_loss needs.
	 */
	best = prob_at(probs, 0);
	for (int32_t k = 0; k < acc->K; k++)
	{
		float		v = prob_at(probs, k);
		double		c = fmin(fmax((double) v, eps), 1.0 - eps);

		if (v > best)
		{
			best = v;
			pred = k;
		}
		clipped_sum += c;
		if (k == true_class)
			p_true = c;
	}

	/* allocate first, so that a failure leaves every count untouched */
	if (acc->pos >= 0 && (st = keys_reserve(acc)) != MR_OK)
		return st;
	if (pred != true_class && (st = cells_reserve(acc)) != MR_OK)
		return st;

	/* clipped_sum >= K * eps > 0 */
	acc->log_loss_sum += -log(p_true / clipped_sum);
	acc->support[true_class]++;
	acc->predicted[pred]++;
	if (pred == true_class)
		acc->tp[pred]++;
	else
	{
		uint64_t	key = (uint64_t) true_class << 32 | (uint32_t) pred;
		CellSlot   *slot = cell_find(acc->cells, acc->cell_cap, key);

		if (slot->count == 0)
		{
			slot->key = key;
			acc->cell_used++;
		}
		slot->count++;
	}
	if (acc->pos >= 0)
	{
		float		s = prob_at(probs, acc->pos);
		int			y = true_class == acc->pos;
		double		d = (double) s - y;
		int			b;

		/* -0 and +0 must tie in the sort, as they do in sklearn */
		if (s == 0.0f)
			s = 0.0f;
		acc->keys[acc->rows] = (uint64_t) score_to_key(s) << 32 | (uint64_t) y;
		acc->sorted = 0;
		acc->positives += y;
		acc->brier_sum += d * d;
		b = calibration_bin(s);
		acc->bin_count[b]++;
		acc->bin_score[b] += s;
		acc->bin_pos[b] += y;
	}
	acc->rows++;
	return MR_OK;
}

/*
 * The nonzero confusion cells sorted by (true, predicted): the diagonal
 * from the TP counts plus the off-diagonal table, sorted by packed key.
 */
static MrStatus
confusion_cells(MrMetricsAcc *acc, MrConfusionCell **cells_out, int64_t *n_out)
{
	size_t		n = acc->cell_used;
	size_t		bytes;
	size_t		i = 0;
	uint64_t   *keys;
	MrConfusionCell *cells;
	MrStatus	st;

	for (int32_t k = 0; k < acc->K; k++)
		n += acc->tp[k] != 0;
	*cells_out = NULL;
	*n_out = 0;
	if (n == 0)
		return MR_OK;
	if (!mr_mul_size(n, sizeof(uint64_t), &bytes))
		return MR_ENOMEM;
	keys = mr_alloc(&acc->alloc, bytes);
	if (keys == NULL)
		return MR_ENOMEM;
	for (int32_t k = 0; k < acc->K; k++)
		if (acc->tp[k] != 0)
			keys[i++] = (uint64_t) k << 32 | (uint32_t) k;
	for (size_t s = 0; s < acc->cell_cap; s++)
		if (acc->cells[s].count != 0)
			keys[i++] = acc->cells[s].key;
	st = sort_u64_alloc(&acc->alloc, keys, n);
	if (st != MR_OK || !mr_mul_size(n, sizeof(MrConfusionCell), &bytes) ||
		(cells = mr_alloc(&acc->alloc, bytes)) == NULL)
	{
		mr_free(&acc->alloc, keys);
		return MR_ENOMEM;
	}
	for (i = 0; i < n; i++)
	{
		int32_t		t = (int32_t) (keys[i] >> 32);
		int32_t		p = (int32_t) (keys[i] & UINT32_C(0xffffffff));

		cells[i].true_class = t;
		cells[i].pred_class = p;
		cells[i].count = t == p ? acc->tp[t] :
			cell_find(acc->cells, acc->cell_cap, keys[i])->count;
	}
	mr_free(&acc->alloc, keys);
	*cells_out = cells;
	*n_out = (int64_t) n;
	return MR_OK;
}

/*
 * ROC AUC and average precision in one walk over the rows from the highest
 * score down, one step per distinct score (threshold).
 */
static void
ranking_metrics(const MrMetricsAcc *acc, double *auc, double *ap)
{
	int64_t		P = acc->positives;
	int64_t		N = acc->rows - P;
	int64_t		tp = 0;
	int64_t		fp = 0;
	double		area2 = 0.0;	/* twice the area, in units of one TP x one FP */
	double		ap_sum = 0.0;
	size_t		i = (size_t) acc->rows;

	if (P == 0 || N == 0)
	{
		*auc = NAN;
		*ap = NAN;
		return;
	}
	while (i > 0)
	{
		uint64_t	score = acc->keys[i - 1] >> 32;
		int64_t		gtp = 0;
		int64_t		gfp = 0;

		for (; i > 0 && acc->keys[i - 1] >> 32 == score; i--)
		{
			if (acc->keys[i - 1] & 1)
				gtp++;
			else
				gfp++;
		}
		/* trapezoid from (fp, tp) to (fp + gfp, tp + gtp) */
		area2 += (double) gfp * (double) (2 * tp + gtp);
		tp += gtp;
		fp += gfp;
		/* (R_n - R_{n-1}) P_n, with the 1/P of R applied at the end */
		if (gtp > 0)
			ap_sum += (double) gtp * ((double) tp / (double) (tp + fp));
	}
	*auc = area2 / (2.0 * (double) P * (double) N);
	*ap = ap_sum / (double) P;
}

/* Compute every metric */
MrStatus
mr_metrics_finish(MrMetricsAcc *acc, MrMetrics *out)
{
	const int32_t K = acc ? acc->K : 0;
	double	   *prf;
	size_t		bytes;
	int64_t		n;
	int64_t		correct = 0;
	int64_t		classes = 0;
	double		f1_sum = 0.0;
	double		f1_weighted = 0.0;
	MrStatus	st;

	if (acc == NULL || out == NULL)
		return MR_EINVAL;
	n = acc->rows;
	mr_free(&acc->alloc, acc->res_prf);
	mr_free(&acc->alloc, acc->res_cells);
	acc->res_prf = NULL;
	acc->res_cells = NULL;

	if (!mr_mul_size((size_t) K, 3 * sizeof(double), &bytes))
		return MR_ENOMEM;
	prf = mr_alloc(&acc->alloc, bytes);
	if (prf == NULL)
		return MR_ENOMEM;
	if (acc->pos >= 0 && (st = sort_rows(acc)) != MR_OK)
	{
		mr_free(&acc->alloc, prf);
		return st;
	}
	memset(out, 0, sizeof(*out));
	if ((st = confusion_cells(acc, &acc->res_cells, &out->n_confusion)) != MR_OK)
	{
		mr_free(&acc->alloc, prf);
		return st;
	}
	acc->res_prf = prf;

	out->K = K;
	out->positive_class = acc->pos;
	out->rows = n;
	out->precision = prf;
	out->recall = prf + K;
	out->f1 = prf + 2 * (size_t) K;
	out->support = acc->support;
	out->predicted = acc->predicted;
	out->confusion = acc->res_cells;

	for (int32_t k = 0; k < K; k++)
	{
		int64_t		tp = acc->tp[k];
		int64_t		sup = acc->support[k];
		int64_t		pred = acc->predicted[k];

		/* with no rows at all even the zero_division convention has no say */
		prf[k] = n ? div0(tp, pred) : NAN;
		prf[K + k] = n ? div0(tp, sup) : NAN;
		prf[2 * (size_t) K + k] = n ? div0(2 * tp, sup + pred) : NAN;
		correct += tp;
		/* macro averages over the labels that occur (sklearn unique_labels) */
		if (sup + pred > 0)
		{
			classes++;
			f1_sum += prf[2 * (size_t) K + k];
			f1_weighted += (double) sup * prf[2 * (size_t) K + k];
		}
	}
	out->accuracy = div_nan((double) correct, (double) n);
	out->macro_f1 = div_nan(f1_sum, (double) classes);
	out->weighted_f1 = div_nan(f1_weighted, (double) n);
	out->log_loss = div_nan(acc->log_loss_sum, (double) n);

	out->positives = acc->positives;
	for (int b = 0; b < MR_CALIBRATION_BINS; b++)
	{
		double		c = (double) acc->bin_count[b];

		out->calibration[b].count = acc->bin_count[b];
		out->calibration[b].mean_score = div_nan(acc->bin_score[b], c);
		out->calibration[b].frac_positive = div_nan(acc->bin_pos[b], c);
	}
	if (acc->pos >= 0)
	{
		ranking_metrics(acc, &out->roc_auc, &out->pr_auc);
		out->brier = div_nan(acc->brier_sum, (double) n);
	}
	else
	{
		out->roc_auc = NAN;
		out->pr_auc = NAN;
		out->brier = NAN;
	}
	return MR_OK;
}

/* The ROC curve with precision, highest threshold first */
MrStatus
mr_roc_curve(MrMetricsAcc *acc, const MrRocPoint **points, int64_t *n_points)
{
	int64_t		P;
	int64_t		N;
	int64_t		tp = 0;
	int64_t		fp = 0;
	size_t		distinct = 0;
	size_t		npts;
	size_t		bytes;
	size_t		i;
	size_t		j;
	MrRocPoint *pts;
	MrStatus	st;

	if (acc == NULL || points == NULL || n_points == NULL || acc->pos < 0)
		return MR_EINVAL;
	*points = NULL;
	*n_points = 0;
	mr_free(&acc->alloc, acc->res_roc);
	acc->res_roc = NULL;
	if (acc->rows == 0)
		return MR_OK;
	if ((st = sort_rows(acc)) != MR_OK)
		return st;

	for (i = 0; i < (size_t) acc->rows; i++)
		distinct += i == 0 || acc->keys[i] >> 32 != acc->keys[i - 1] >> 32;
	if (!mr_add_size(distinct, 1, &npts) ||
		!mr_mul_size(npts, sizeof(MrRocPoint), &bytes))
		return MR_ENOMEM;
	pts = mr_alloc(&acc->alloc, bytes);
	if (pts == NULL)
		return MR_ENOMEM;

	P = acc->positives;
	N = acc->rows - P;
	/* the start of the curve: nothing predicted positive */
	pts[0].threshold = INFINITY;
	pts[0].tpr = div_nan(0.0, (double) P);
	pts[0].fpr = div_nan(0.0, (double) N);
	pts[0].precision = 1.0;
	i = (size_t) acc->rows;
	for (j = 1; j < npts; j++)
	{
		uint64_t	score = acc->keys[i - 1] >> 32;

		for (; i > 0 && acc->keys[i - 1] >> 32 == score; i--)
		{
			if (acc->keys[i - 1] & 1)
				tp++;
			else
				fp++;
		}
		pts[j].threshold = key_to_score((uint32_t) score);
		pts[j].tpr = div_nan((double) tp, (double) P);
		pts[j].fpr = div_nan((double) fp, (double) N);
		/* tp + fp >= 1 at every real threshold */
		pts[j].precision = (double) tp / (double) (tp + fp);
	}
	acc->res_roc = pts;
	*points = pts;
	*n_points = (int64_t) npts;
	return MR_OK;
}
