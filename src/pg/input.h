/*
 * input.h
 *	  SQL inputs (text, text[], rnnseq) as the core takes them: UTF-8
 *	  tokens and events.
 */
#ifndef MEDRNN_INPUT_H
#define MEDRNN_INPUT_H

#include "postgres.h"

#include "utils/array.h"

#include "mr_predict.h"
#include "seq_type.h"

/*
 * The tokens of a text[] (one dimension, else an ERROR) as UTF-8, in the
 * current memory context: NULL elements are left out, or with keep_nulls
 * kept as NULL entries.  Returns how many.
 */
int			MedrnnArrayTokens(ArrayType *arr, bool keep_nulls, const char ***toks, size_t **lens);

/* The tokens of a token sequence as UTF-8 (NULL ones left out, or kept as NULL entries) */
int			MedrnnSeqTokens(const MrSeqView *v, bool keep_nulls, const char ***toks, size_t **lens);

/*
 * The events of a measurement sequence as parallel arrays: times (in the
 * sequence's unit: seconds for timestamps), variable names in UTF-8 and
 * values (NaN for NULL).  Returns the event count.
 */
int			MedrnnSeqEvents(const MrSeqView *v, double **times, const char ***vars,
							size_t **var_lens, double **values);

/* How the core turns a sequence's strings into UTF-8 in this database */
const MrToUtf8 *MedrnnServerToUtf8(void);

#endif							/* MEDRNN_INPUT_H */
