/*
 * seq_input.h
 *	  rnnseq values as model input: tokens for token models, resampled
 *	  measurements for series models.
 */
#ifndef MEDRNN_SEQ_INPUT_H
#define MEDRNN_SEQ_INPUT_H

#include "postgres.h"

#include "mr_model.h"
#include "mr_series.h"
#include "seq_type.h"

/* What a model makes of a sequence kind */
typedef enum MedrnnSeqMode
{
	MEDRNN_SEQ_ANY = 0,			/* empty: fits either */
	MEDRNN_SEQ_TOKENS,			/* kinds 1 and 2: tokens in order */
	MEDRNN_SEQ_SERIES			/* kind 3: measurements */
} MedrnnSeqMode;

MedrnnSeqMode MedrnnSeqModeOf(const MrSeqView *v);

/* The non-NULL tokens of v as UTF-8 (palloc'd); returns how many */
int			MedrnnSeqTokens(const MrSeqView *v, const char ***toks, size_t **lens);

/*
 * The events of v as parallel arrays (palloc'd): times (in the sequence's
 * unit: seconds for timestamps), variable names in UTF-8 and values (NaN
 * for NULL).  Returns the event count.
 */
int			MedrnnSeqEvents(const MrSeqView *v, double **times, const char ***vars,
							size_t **var_lens, double **values);

/* Scratch for resampling one row at prediction time */
typedef struct MedrnnSeriesScratch
{
	MrSeriesWork work;
	int32		cap;			/* events the arrays below hold */
	double	   *times;
	int32	   *vars;
	double	   *values;
	float	   *feats;			/* (T, F) */
} MedrnnSeriesScratch;

/*
 * Resample v onto model m's grid into scratch->feats, after checking v is a
 * measurement sequence with the model's time kind; variables the model does
 * not know are ignored.  Returns the row length (T).
 */
int32		MedrnnSeqSeriesRow(const MrModel *m, const MrSeqView *v,
							   MedrnnSeriesScratch *scratch, MemoryContext cxt);

/* The model's MrSeriesSpec */
void		MedrnnSeriesSpec(const MrModel *m, MrSeriesSpec *spec);

#endif							/* MEDRNN_SEQ_INPUT_H */
