/*
 * explain.h
 *	  Integrated-gradients attributions of one input, as rnn_explain and
 *	  rnn_report show them.
 */
#ifndef MEDRNN_EXPLAIN_H
#define MEDRNN_EXPLAIN_H

#include "postgres.h"

#include "model_cache.h"
#include "read_rows.h"

typedef struct MedrnnAttribution
{
	int			target;			/* the class explained */
	double		probability;	/* the model's probability of it */
	/* text and token inputs: every token, in input order */
	int64		n_tokens;
	char	  **tokens;			/* UTF-8; NULL for an SQL NULL element */
	double	   *attr;			/* NaN: not read (unknown, or cut by maxlen) */
	/* measurement inputs: cell[var * n_bins + bin], NaN for bins not read */
	int			n_bins;
	double	   *cell;			/* NULL for text and token inputs */
	double		logit;			/* the target's logit, at the input and the baseline */
	double		baseline_logit;
	double		attr_sum;
} MedrnnAttribution;

/*
 * Explain input (of the given type) toward class target, or toward the
 * predicted class when target is -1, with steps quadrature points.  The
 * workspace is checked against medrnn.train_memory_limit first; results
 * are palloc'd in the current memory context.
 */
void		MedrnnExplainInput(MedrnnCachedModel *c, Datum input, MedrnnInputType type,
							   int target, int steps, MedrnnAttribution *out);

#endif							/* MEDRNN_EXPLAIN_H */
