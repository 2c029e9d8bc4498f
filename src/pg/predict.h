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

/*
 * A model's answer for its task, or an ERROR naming fn with a hint to the
 * function that answers for the model's task
 */
void		MedrnnRequireTask(const MrModel *m, const char *fn, unsigned tasks);
text	   *MedrnnPredictedClass(const MrModel *m, const float *p, const char *fn);

/* rnn_predict_labels' and rnn_predict_value's answers for an input of type */
ArrayType  *MedrnnAnswerLabels(MedrnnCachedModel *c, Datum input, Oid type);
float8		MedrnnAnswerValue(MedrnnCachedModel *c, Datum input, Oid type);

#endif							/* MEDRNN_PREDICT_H */
