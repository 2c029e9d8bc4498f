/*
 * mr_report_scorer.c
 *	  What rnn_report keeps of the rows it reads (see mr_report.h): the
 *	  metrics, one-vs-rest curves for a multi-class model, and the examples
 *	  to show, chosen in one pass with bounded memory.
 */
#include <math.h>
#include <string.h>

#include "mr_report.h"

struct MrReportScorer
{
	const MrAllocator *a;
	int32_t		K;
	int			labelled;
	MrMetricsAcc *metrics;		/* NULL without labels */
	MrMetricsAcc *one_vs_rest[MR_REPORT_MAX_CURVES];	/* class k positive; multi-class only */
	int			n_one_vs_rest;
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

	*out = NULL;
	if (!s)
		return MR_ENOMEM;
	s->a = a;
	s->K = K;
	s->labelled = labelled;
	s->order = opts->order;
	s->capacity = opts->sections & MR_REPORT_EXAMPLES ? opts->examples : 0;
	s->picks = mr_alloc0(a, sizeof(MrReportPick) * (size_t) (s->capacity + 1));
	if (!s->picks)
	{
		mr_report_scorer_free(s);
		return MR_ENOMEM;
	}
	if (labelled)
	{
		MrStatus	st = mr_metrics_new(a, K, K == 2 ? m->positive_class : -1, &s->metrics);

		/* one-vs-rest curves of each class, where there are few enough to draw */
		if (st == MR_OK && K > 2 && K <= MR_REPORT_MAX_CURVES &&
			(opts->sections & MR_REPORT_CURVES))
			for (int k = 0; k < K && st == MR_OK; k++)
			{
				st = mr_metrics_new(a, K, k, &s->one_vs_rest[k]);
				s->n_one_vs_rest += st == MR_OK;
			}
		if (st != MR_OK)
		{
			mr_report_scorer_free(s);
			return st;
		}
	}
	*out = s;
	return MR_OK;
}

/* The order's key of a row: higher is shown first */
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

/* Count a row; see mr_report.h */
MrStatus
mr_report_scorer_add(MrReportScorer *s, int64_t row, int32_t true_class, const float *probs,
					 int *slot)
{
	MrReportPick p;
	int			worst = -1;

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

	p.row = row;
	p.true_class = true_class;
	p.pred_class = 0;
	for (int k = 1; k < s->K; k++)
		if (probs[k] > probs[p.pred_class])
			p.pred_class = k;	/* the first on a tie, as np.argmax */
	p.confidence = isfinite(probs[p.pred_class]) ? probs[p.pred_class] : 0;
	p.key = pick_key(s->order, &p);
	if (s->n < s->capacity)
	{
		s->picks[s->n] = p;
		*slot = s->n++;
		return MR_OK;
	}
	for (int i = 0; i < s->n; i++)
		if (worst < 0 || ranks_above(&s->picks[worst], &s->picks[i]))
			worst = i;
	if (ranks_above(&p, &s->picks[worst]))
	{
		s->picks[worst] = p;
		*slot = worst;
	}
	return MR_OK;
}

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

/* Free; see mr_report.h */
void
mr_report_scorer_free(MrReportScorer *s)
{
	if (!s)
		return;
	mr_metrics_free(s->metrics);
	for (int k = 0; k < s->n_one_vs_rest; k++)
		mr_metrics_free(s->one_vs_rest[k]);
	mr_free(s->a, s->picks);
	mr_free(s->a, s);
}
