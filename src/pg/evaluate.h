/*
 * evaluate.h
 *	  What scoring a model on a relation shares with rnn_report.
 */
#ifndef MEDRNN_EVALUATE_H
#define MEDRNN_EVALUATE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "model_cache.h"
#include "mr_model.h"
#include "read_rows.h"

/* Rows whose label the model never saw: counted, and the first few labels kept */
typedef struct MedrnnUnseenLabels
{
	int64		rows;
	List	   *labels;			/* first distinct ones, server encoding */
	MemoryContext keep;			/* where labels lives (set it before the first row) */
} MedrnnUnseenLabels;

void		MedrnnNoteUnseenLabel(MedrnnUnseenLabels *u, const char *label, size_t label_len);

/*
 * WARNING, when there were such rows, naming some of them and the model's
 * classes (labelled: the rows that had a label at all)
 */
void		MedrnnWarnUnseen(const MrModel *m, const MedrnnUnseenLabels *u, int64 labelled,
							 const char *label_col);

/* The probabilities of one row's input, read from a column of the given type */
const float *MedrnnPredictRow(MedrnnCachedModel *c, Datum input, MedrnnInputType type);

/*
 * ERROR unless the source's input column holds what model m reads: text
 * for a text model, text[] or rnnseq for a token model, rnnseq for a
 * measurement model
 */
void		MedrnnCheckInputKind(const MrModel *m, const MedrnnSource *src);

/* rnn_evaluate's members after the first: , "key": number (null when undefined) */
void		MedrnnAppendMetric(StringInfo b, const char *key, double v);

/* What reading the labels of a model that does not classify skipped */
typedef struct MedrnnTargetCounts
{
	int64		skipped_nonfinite;	/* regression: a NaN or infinite label */
	int64		skipped_unknown;	/* multitask: a row that knows none of its labels */
	int64		unseen_entries; /* multi-label: labels the model does not know (left out) */
} MedrnnTargetCounts;

/*
 * A row's label for a model that does not classify, read as rnn_train
 * reads it: *value for a regression, truth (K entries) for a multi-label
 * model.  False, counted in counts, when the row cannot be scored; a
 * malformed label is an ERROR.  (evaluate_targets.c)
 */
bool		MedrnnReadTarget(const MrModel *m, const char *label, size_t label_len,
							 double *value, int8 *truth, MedrnnTargetCounts *counts);

/* The WARNING that some labels of label_col are not the model's */
void		MedrnnWarnUnseenEntries(const MrModel *m, const MedrnnTargetCounts *counts,
									const char *label_col);

/* rnn_evaluate's jsonb for a model that does not classify (evaluate_targets.c) */
Datum		MedrnnEvaluateTargets(MedrnnCachedModel *c, Oid relid, const char *input_col,
								  const char *label_col);

/* rnn_roc's rows for one label of a multi-label model (evaluate_targets.c) */
void		MedrnnRocTargets(FunctionCallInfo fcinfo, MedrnnCachedModel *c, Oid relid,
							 const char *input_col, const char *label_col, const char *label);

#endif							/* MEDRNN_EVALUATE_H */
