/*
 * mr_report_scorer.c
 *	  What rnn_report keeps of the rows it reads (see mr_report.h): the
 *	  metrics, one-vs-rest curves for a multi-class model, a regression's
 *	  plotted sample and residual histogram, and the examples to show,
 *	  chosen in one pass with bounded memory.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "mr_report.h"

/*
 * Fine bins of the residual histogram.  Bin i counts [i w, (i+1) w), w a
 * power of two; when the residuals span more than HIST_FINE bins, w doubles
 * and neighbours merge (floor(i / 2) is exactly the bin at 2w), so the
 * histogram of every row takes constant memory and its edges do not depend
 * on the order of the rows but through the first nonzero residual.
 */
#define HIST_FINE 1024

typedef struct ResidualHist
{
	double		w;				/* bin width; 0 until the first nonzero residual */
	int64_t		lo;				/* bin of counts[0] */
	int64_t		min_i,			/* bins in use */
				max_i;
	int			used;
	int64_t		zeros;			/* residuals of exactly 0 before w was set */
	int64_t		counts[HIST_FINE];
} ResidualHist;

struct MrReportScorer
{
	const MrAllocator *a;
	const MrModel *m;
	int32_t		K;
	int			task;
	int			labelled;
	MrMetricsAcc *metrics;		/* classifier; NULL without labels */
	MrMetricsAcc *one_vs_rest[MR_REPORT_MAX_CURVES];	/* class k positive; multi-class only */
	int			n_one_vs_rest;
	MrRegAcc   *reg;			/* regression with labels */
	MrMultiAcc *multi;			/* multi-label with labels */
	/* regression: the plotted sample (a max-heap on hash), the range, the residuals */
	MrReportPoint *sample;
	int			n_sample;
	double		value_lo,
				value_hi;
	ResidualHist *hist;
	MrReportOrder order;
	int			capacity;		/* examples kept */
	int			n;
	MrReportPick *picks;		/* (capacity) by slot */
};

/* New scorer; see mr_report.h */
MrStatus
mr_report_scorer_new(const MrModel *m, const MrReportOptions *opts, int labelled,
					 const MrAllocator *a, MrReportScorer **out)
{
	MrReportScorer *s = mr_alloc0(a, sizeof(MrReportScorer));
	int32_t		K = m->cfg.n_classes;
	MrStatus	st = MR_OK;

	*out = NULL;
	if (!s)
		return MR_ENOMEM;
	s->a = a;
	s->m = m;
	s->K = K;
	s->task = m->task;
	s->labelled = labelled;
	s->order = opts->order;
	s->value_lo = INFINITY;
	s->value_hi = -INFINITY;
	s->capacity = opts->sections & MR_REPORT_EXAMPLES ? opts->examples : 0;
	s->picks = mr_alloc0(a, sizeof(MrReportPick) * (size_t) (s->capacity + 1));
	if (!s->picks)
	{
		mr_report_scorer_free(s);
		return MR_ENOMEM;
	}
	if (labelled && m->task == MR_TASK_REGRESSION)
	{
		st = mr_reg_metrics_new(a, &s->reg);
		s->sample = mr_alloc(a, sizeof(MrReportPoint) * MR_REPORT_MAX_POINTS);
		s->hist = mr_alloc0(a, sizeof(ResidualHist));
		if (st == MR_OK && (!s->sample || !s->hist))
			st = MR_ENOMEM;
	}
	else if (labelled && m->task != MR_TASK_CLASSIFICATION)
		st = mr_multi_metrics_new(a, K, m->thresholds, &s->multi);
	else if (labelled)
	{
		st = mr_metrics_new(a, K, K == 2 ? m->positive_class : -1, &s->metrics);

		/* one-vs-rest curves of each class, where there are few enough to draw */
		if (st == MR_OK && K > 2 && K <= MR_REPORT_MAX_CURVES &&
			(opts->sections & MR_REPORT_CURVES))
			for (int k = 0; k < K && st == MR_OK; k++)
			{
				st = mr_metrics_new(a, K, k, &s->one_vs_rest[k]);
				s->n_one_vs_rest += st == MR_OK;
			}
	}
	if (st != MR_OK)
	{
		mr_report_scorer_free(s);
		return st;
	}
	*out = s;
	return MR_OK;
}

/* The order's key of a classifier's row: higher is shown first */
static double
pick_key(MrReportOrder order, const MrReportPick *p)
{
	switch (order)
	{
		case MR_ORDER_ERRORS:
			if (p->true_class < 0)
				return p->confidence;
			/* wrong ones above every right one, the surest mistakes first */
			return p->true_class != p->pred_class ? 2 + p->confidence : 1 - p->confidence;
		case MR_ORDER_CONFIDENT:
			return p->confidence;
		case MR_ORDER_UNCERTAIN:
			return 1 - p->confidence;
		case MR_ORDER_FIRST:
			break;
	}
	return -(double) p->row;
}

/* Does a rank above b?  Higher key, then the earlier row */
static int
ranks_above(const MrReportPick *a, const MrReportPick *b)
{
	return a->key > b->key || (a->key == b->key && a->row < b->row);
}

/*
 * The slot a pick with p's key would take: a free one, the worst kept one
 * if p ranks above it, or -1
 */
static int
free_slot(const MrReportScorer *s, const MrReportPick *p)
{
	int			worst = -1;

	if (s->capacity == 0)
		return -1;
	if (s->n < s->capacity)
		return s->n;
	for (int i = 0; i < s->n; i++)
		if (worst < 0 || ranks_above(&s->picks[worst], &s->picks[i]))
			worst = i;
	return ranks_above(p, &s->picks[worst]) ? worst : -1;
}

/* Keep p in slot */
static void
keep(MrReportScorer *s, const MrReportPick *p, int slot)
{
	s->picks[slot] = *p;
	if (slot == s->n)
		s->n++;
}

/* Count a classifier's row; see mr_report.h */
MrStatus
mr_report_scorer_add(MrReportScorer *s, int64_t row, int32_t true_class, const float *probs,
					 int *slot)
{
	MrReportPick p;

	*slot = -1;
	if (s->metrics)
	{
		MrStatus	st = mr_metrics_add(s->metrics, true_class, probs);

		for (int k = 0; k < s->n_one_vs_rest && st == MR_OK; k++)
			st = mr_metrics_add(s->one_vs_rest[k], true_class, probs);
		if (st != MR_OK)
			return st;
	}
	if (s->capacity == 0)
		return MR_OK;

	memset(&p, 0, sizeof(p));
	p.row = row;
	p.true_class = true_class;
	p.pred_class = 0;
	for (int k = 1; k < s->K; k++)
		if (probs[k] > probs[p.pred_class])
			p.pred_class = k;	/* the first on a tie, as np.argmax */
	p.confidence = isfinite(probs[p.pred_class]) ? probs[p.pred_class] : 0;
	p.value_true = p.value_pred = NAN;
	p.key = pick_key(s->order, &p);
	if ((*slot = free_slot(s, &p)) >= 0)
		keep(s, &p, *slot);
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * Regression
 */

/* splitmix64's finaliser: a well-mixed hash of the row number */
static uint64_t
row_hash(int64_t row)
{
	uint64_t	z = (uint64_t) row + 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Does point a go above b in the sample's max-heap (higher hash, then later row)? */
static int
heap_above(const MrReportPoint *a, const MrReportPoint *b)
{
	return a->hash > b->hash || (a->hash == b->hash && a->row > b->row);
}

/* Offer a point to the sample: it keeps the MR_REPORT_MAX_POINTS lowest hashes */
static void
sample_add(MrReportScorer *s, const MrReportPoint *pt)
{
	MrReportPoint *h = s->sample;
	int			i;

	if (s->n_sample < MR_REPORT_MAX_POINTS)
	{
		/* sift up */
		for (i = s->n_sample++; i > 0 && heap_above(pt, &h[(i - 1) / 2]); i = (i - 1) / 2)
			h[i] = h[(i - 1) / 2];
		h[i] = *pt;
		return;
	}
	if (!heap_above(&h[0], pt))
		return;
	/* replace the highest hash and sift down */
	i = 0;
	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= s->n_sample)
			break;
		if (c + 1 < s->n_sample && heap_above(&h[c + 1], &h[c]))
			c++;
		if (!heap_above(&h[c], pt))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = *pt;
}

/* floor(i / 2^d) for any sign */
static int64_t
floor_shift(int64_t i, int d)
{
	return i >= 0 ? i >> d : -((-i - 1) >> d) - 1;
}

/* Double the bin width, merging neighbours */
static void
hist_coarsen(ResidualHist *h)
{
	int64_t		lo = floor_shift(h->min_i, 1);
	int64_t		merged[HIST_FINE];

	memset(merged, 0, sizeof(merged));
	if (h->used)
		for (int64_t i = h->min_i; i <= h->max_i; i++)
			merged[floor_shift(i, 1) - lo] += h->counts[i - h->lo];
	memcpy(h->counts, merged, sizeof(merged));
	h->w *= 2;
	h->lo = lo;
	h->min_i = floor_shift(h->min_i, 1);
	h->max_i = floor_shift(h->max_i, 1);
}

/* Count n residuals of value r */
static void
hist_place(ResidualHist *h, double r, int64_t n)
{
	int64_t		i,
				lo,
				hi;

	/* keep r / w well within int64 (a power of two: the quotient is exact) */
	while (fabs(r / h->w) > 0x1p52)
		hist_coarsen(h);
	i = (int64_t) floor(r / h->w);
	for (;;)
	{
		lo = h->used && h->min_i < i ? h->min_i : i;
		hi = h->used && h->max_i > i ? h->max_i : i;
		if (hi - lo < HIST_FINE)
			break;
		hist_coarsen(h);
		i = floor_shift(i, 1);
	}
	if (i < h->lo || i >= h->lo + HIST_FINE)
	{
		/* move the bins in use so that they start at lo */
		int64_t		moved[HIST_FINE];

		memset(moved, 0, sizeof(moved));
		if (h->used)
			for (int64_t j = h->min_i; j <= h->max_i; j++)
				moved[j - lo] = h->counts[j - h->lo];
		memcpy(h->counts, moved, sizeof(moved));
		h->lo = lo;
	}
	h->counts[i - h->lo] += n;
	h->min_i = lo;
	h->max_i = hi;
	h->used = 1;
}

/* Count one residual */
static void
hist_add(ResidualHist *h, double r)
{
	if (!isfinite(r))
		return;
	if (h->w == 0)
	{
		int			e;

		if (r == 0)
		{
			h->zeros++;
			return;
		}
		/* 256 to 512 bins across the first residual's magnitude */
		e = ilogb(r) - 8;
		h->w = ldexp(1.0, e < -1000 ? -1000 : e);
		if (h->zeros > 0)
			hist_place(h, 0, h->zeros);
	}
	hist_place(h, r, 1);
}

/* Count a regression's row; see mr_report.h */
MrStatus
mr_report_scorer_add_value(MrReportScorer *s, int64_t row, const double *truth,
						   const float *output, int *slot)
{
	const MrModel *m = s->m;
	double		pred = mr_model_value(m, output[0]),
				dev = fabs(pred - m->target_mean) / m->target_scale;
	MrReportPick p;

	*slot = -1;
	if (!isfinite(pred) || (truth && !isfinite(*truth)))
		return MR_EINVAL;
	if (s->reg && truth)
	{
		MrReportPoint pt = {row, row_hash(row), *truth, pred};
		MrStatus	st = mr_reg_metrics_add(s->reg, *truth, pred);

		if (st != MR_OK)
			return st;
		sample_add(s, &pt);
		hist_add(s->hist, pred - *truth);
		s->value_lo = fmin(s->value_lo, fmin(*truth, pred));
		s->value_hi = fmax(s->value_hi, fmax(*truth, pred));
	}
	if (s->capacity == 0)
		return MR_OK;

	memset(&p, 0, sizeof(p));
	p.row = row;
	p.true_class = truth ? 0 : -1;
	p.confidence = NAN;
	p.value_true = truth ? *truth : NAN;
	p.value_pred = pred;
	switch (s->order)
	{
		case MR_ORDER_ERRORS:
			p.key = truth ? fabs(pred - *truth) : dev;
			break;
		case MR_ORDER_CONFIDENT:
			p.key = truth ? -fabs(pred - *truth) : -dev;
			break;
		case MR_ORDER_UNCERTAIN:
			p.key = dev;
			break;
		case MR_ORDER_FIRST:
			p.key = -(double) row;
			break;
	}
	if ((*slot = free_slot(s, &p)) >= 0)
		keep(s, &p, *slot);
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * Multi-label and multitask
 */

/* The row's labels that are true or predicted, the most probable first */
static void
mark_labels(const MrReportScorer *s, const int8_t *truth, const float *probs, MrReportPick *p)
{
	const float *t = s->m->thresholds;

	for (int k = 0; k < s->K; k++)
	{
		int8_t		y = truth ? truth[k] : -1;
		int			called = probs[k] >= t[k];
		int			i;

		p->n_true += y == 1;
		p->n_predicted += called;
		p->n_unknown += truth && y < 0;
		if (y != 1 && !called)
			continue;
		p->n_either++;
		/* insertion into the few kept, by probability */
		i = p->n_marks < MR_REPORT_MAX_MARKS ? p->n_marks++ : MR_REPORT_MAX_MARKS;
		while (i > 0 && probs[k] > p->marks[i - 1].probability)
		{
			if (i < MR_REPORT_MAX_MARKS)
				p->marks[i] = p->marks[i - 1];
			i--;
		}
		if (i < MR_REPORT_MAX_MARKS)
			p->marks[i] = (MrReportMark) {k, y, probs[k]};
	}
}

/* Count a multi-label model's row; see mr_report.h */
MrStatus
mr_report_scorer_add_labels(MrReportScorer *s, int64_t row, const int8_t *truth,
							const float *probs, int *slot)
{
	const float *t = s->m->thresholds;
	MrReportPick p;
	double		margin = INFINITY,	/* of the label nearest its threshold */
				known_margin = INFINITY,
				wrong_margin = 0;	/* of the surest mistake */

	*slot = -1;
	if (s->multi && truth)
	{
		MrStatus	st = mr_multi_metrics_add(s->multi, truth, probs);

		if (st != MR_OK)
			return st;
	}
	if (s->capacity == 0)
		return MR_OK;

	memset(&p, 0, sizeof(p));
	p.row = row;
	p.true_class = truth ? 0 : -1;
	p.value_true = p.value_pred = NAN;
	for (int k = 0; k < s->K; k++)
	{
		double		d = isfinite(probs[k]) ? fabs(probs[k] - t[k]) : 0;

		if (probs[k] > probs[p.pred_class])
			p.pred_class = k;	/* the first on a tie, as np.argmax */
		margin = fmin(margin, d);
		if (truth && truth[k] >= 0)
		{
			known_margin = fmin(known_margin, d);
			if ((probs[k] >= t[k]) != (truth[k] == 1))
			{
				p.wrong++;
				wrong_margin = fmax(wrong_margin, d);
			}
		}
	}
	p.confidence = isfinite(probs[p.pred_class]) ? probs[p.pred_class] : 0;
	p.pred_truth = truth ? truth[p.pred_class] : -1;
	switch (s->order)
	{
		case MR_ORDER_ERRORS:
			if (!truth)
				p.key = margin;
			else if (p.wrong > 0)
				/* the most wrong labels first, then the surest mistake (margins are below 1) */
				p.key = 2 + p.wrong + wrong_margin;
			else
				p.key = 1 - fmin(known_margin, 1);
			break;
		case MR_ORDER_CONFIDENT:
			p.key = margin;
			break;
		case MR_ORDER_UNCERTAIN:
			p.key = -margin;
			break;
		case MR_ORDER_FIRST:
			p.key = -(double) row;
			break;
	}
	if ((*slot = free_slot(s, &p)) >= 0)
	{
		/* only a kept row's labels are listed: O(K) for those alone */
		mark_labels(s, truth, probs, &p);
		keep(s, &p, *slot);
	}
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * Results
 */

/* The examples, best first; see mr_report.h */
int
mr_report_scorer_examples(const MrReportScorer *s, int *slots, MrReportPick *picks)
{
	/* insertion sort: at most MR_REPORT_MAX_EXAMPLES */
	for (int i = 0; i < s->n; i++)
	{
		int			j = i;

		while (j > 0 && ranks_above(&s->picks[i], &s->picks[slots[j - 1]]))
		{
			slots[j] = slots[j - 1];
			j--;
		}
		slots[j] = i;
	}
	for (int i = 0; i < s->n; i++)
		picks[i] = s->picks[slots[i]];
	return s->n;
}

/* The accumulators, for the page */
MrMetricsAcc *
mr_report_scorer_metrics(const MrReportScorer *s)
{
	return s->metrics;
}

MrMetricsAcc *
mr_report_scorer_one_vs_rest(const MrReportScorer *s, int k)
{
	return k < s->n_one_vs_rest ? s->one_vs_rest[k] : NULL;
}

MrRegAcc *
mr_report_scorer_regression(const MrReportScorer *s)
{
	return s->reg;
}

MrMultiAcc *
mr_report_scorer_multilabel(const MrReportScorer *s)
{
	return s->multi;
}

/* A regression's plotted sample; see mr_report.h */
int
mr_report_scorer_sample(const MrReportScorer *s, const MrReportPoint **points, double *lo, double *hi)
{
	*points = s->sample;
	*lo = s->value_lo;
	*hi = s->value_hi;
	return s->n_sample;
}

/* The residual histogram's bars; see mr_report.h */
int
mr_report_scorer_residuals(const MrReportScorer *s, double *lo, double *width,
						   int64_t counts[MR_REPORT_HIST_BARS])
{
	const ResidualHist *h = s->hist;
	int			d = 0,
				n;
	int64_t		first;

	if (!h || (!h->used && h->zeros == 0))
		return 0;
	if (!h->used)
	{
		/* every residual is 0 */
		*lo = -0.5;
		*width = 1;
		counts[0] = h->zeros;
		return 1;
	}
	/* bars of 2^d fine bins, as few doublings as fit */
	while (floor_shift(h->max_i, d) - floor_shift(h->min_i, d) + 1 > MR_REPORT_HIST_BARS)
		d++;
	first = floor_shift(h->min_i, d);
	n = (int) (floor_shift(h->max_i, d) - first + 1);
	memset(counts, 0, sizeof(int64_t) * MR_REPORT_HIST_BARS);
	for (int64_t i = h->min_i; i <= h->max_i; i++)
		counts[floor_shift(i, d) - first] += h->counts[i - h->lo];
	*width = ldexp(h->w, d);
	/* an edge past DBL_MAX (residuals of labels near it) is the largest double */
	*lo = fmax((double) first * *width, -DBL_MAX);
	return n;
}

/* Free; see mr_report.h */
void
mr_report_scorer_free(MrReportScorer *s)
{
	if (!s)
		return;
	mr_metrics_free(s->metrics);
	for (int k = 0; k < s->n_one_vs_rest; k++)
		mr_metrics_free(s->one_vs_rest[k]);
	mr_reg_metrics_free(s->reg);
	mr_multi_metrics_free(s->multi);
	mr_free(s->a, s->sample);
	mr_free(s->a, s->hist);
	mr_free(s->a, s->picks);
	mr_free(s->a, s);
}
