/*
 * evaluate.h
 *	  What scoring a model on a relation shares with rnn_report.
 */
#ifndef MEDRNN_EVALUATE_H
#define MEDRNN_EVALUATE_H

#include "postgres.h"

#include "model_cache.h"
#include "mr_model.h"
#include "read_rows.h"

/* The probabilities of one row's input, read from a column of the given type */
const float *MedrnnPredictRow(MedrnnCachedModel *c, Datum input, MedrnnInputType type);

/*
 * ERROR unless the source's input column holds what model m reads: text
 * for a text model, text[] or rnnseq for a token model, rnnseq for a
 * measurement model
 */
void		MedrnnCheckInputKind(const MrModel *m, const MedrnnSource *src);

#endif							/* MEDRNN_EVALUATE_H */
