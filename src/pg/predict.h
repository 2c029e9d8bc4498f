/*
 * predict.h
 *	  One-row prediction shared by the SQL functions that predict,
 *	  evaluate and explain.
 */
#ifndef MEDRNN_PREDICT_H
#define MEDRNN_PREDICT_H

#include "utils/array.h"
#include "utils/jsonb.h"

#include "model_cache.h"

const float *MedrnnPredictText(MedrnnCachedModel *c, text *input);
const float *MedrnnPredictTokens(MedrnnCachedModel *c, ArrayType *arr);
const float *MedrnnPredictSeq(MedrnnCachedModel *c, Datum seq);
const float *MedrnnPredictDatum(MedrnnCachedModel *c, Datum input, Oid type);
Oid			MedrnnInputArgType(FunctionCallInfo fcinfo, int argno);
int			MedrnnArgmax(const float *p, int K);
text	   *MedrnnLabelText(const MrModel *m, int k);
Jsonb	   *MedrnnProbaJsonb(const MrModel *m, const float *p);

#endif							/* MEDRNN_PREDICT_H */
