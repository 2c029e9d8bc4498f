/*
 * mr_series_corpus.h
 *	  Training rows of measurement sequences: collected as they are read,
 *	  then standardised and resampled onto the grid (mr_series.h).
 *
 * Like mr_corpus for text, rows are put in a canonical order (by content)
 * before anything depends on their order, so a model depends on the rows
 * and not on how a table stores them.  The variables a model knows are
 * those measured (non-NULL, on the grid) in the training rows, in byte
 * order of their names; each one's mean and standard deviation are taken
 * over those measurements.
 */
#ifndef MR_SERIES_CORPUS_H
#define MR_SERIES_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"
#include "mr_vocab.h"

typedef struct MrSeriesCorpus MrSeriesCorpus;

typedef struct MrSeriesRows
{
	int64_t		n;				/* rows */
	int32_t		n_vars;			/* V */
	int32_t    *var_ids;		/* (V) id in mr_series_corpus_vars of variable v */
	float	   *mean;			/* (V) */
	float	   *scale;			/* (V) standard deviation (1 when undefined or 0) */
	int32_t		n_classes;
	int32_t    *class_label;	/* (K) label id of class k, classes in label byte order */
	int64_t    *class_count;	/* (K) */
	float	   *feats;			/* (n, T, 3V), rows in canonical order */
	int32_t    *lengths;		/* (n) T, or each row's span (spans) */
	int32_t    *labels;			/* (n) */
	int64_t		events;			/* events read */
	int64_t		events_on_grid; /* events inside the grid */
} MrSeriesRows;

MrSeriesCorpus *mr_series_corpus_new(const MrAllocator *a, size_t max_bytes);
void		mr_series_corpus_free(MrSeriesCorpus *c);

/* Labels are encoded targets (mr_rows_set_targets); call before adding rows */
void		mr_series_corpus_set_targets(MrSeriesCorpus *c);

/*
 * Add one row: n events sorted by time, each a time, a variable name
 * (UTF-8) and a value (NaN when missing), and the row's label.
 */
MrStatus	mr_series_corpus_add(MrSeriesCorpus *c, const double *times,
								 const char *const *vars, const size_t *var_lens,
								 const double *values, int64_t n,
								 const char *label, size_t label_len, MrError *err);

int64_t		mr_series_corpus_rows(const MrSeriesCorpus *c);
const MrVocab *mr_series_corpus_vars(const MrSeriesCorpus *c);
const MrVocab *mr_series_corpus_labels(const MrSeriesCorpus *c);
size_t		mr_series_corpus_memory(const MrSeriesCorpus *c);

/*
 * Standardise and resample every row onto T bins of width step.  A row's
 * length is T, or with spans the bins up to its last event (a masked
 * model's rows end there).
 */
MrStatus	mr_series_corpus_finish(MrSeriesCorpus *c, int T, double step, int origin, int spans,
									MrSeriesRows *out, MrError *err);

/* Free what mr_series_corpus_finish allocated */
void		mr_series_rows_free(MrSeriesRows *rows, const MrAllocator *a);

#endif							/* MR_SERIES_CORPUS_H */
