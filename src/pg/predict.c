/*
 * predict.c
 *	  rnn_predict and rnn_predict_proba: one input, one forward pass.
 *
 * These are IMMUTABLE: the result depends only on the model bytes and the
 * input.  Prediction always runs OpenBLAS on one thread (medrnn.threads
 * only affects training), so no setting changes a result; parallel query
 * spreads prediction over cores instead.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "input.h"
#include "medrnn.h"
#include "model_cache.h"
#include "predict.h"
#include "seq_type.h"

/* Probabilities for a text input (a model that reads text) */
const float *
MedrnnPredictText(MedrnnCachedModel *c, text *input)
{
	size_t		len;
	char	   *u = MedrnnTextToUtf8(input, &len);
	const float *probs;
	MrError		err;

	if (mr_predict_text(c->predictor, u, len, &probs, &err) != MR_OK)
		MedrnnReportError(&err);
	return probs;
}

/* Probabilities for an rnnseq input: tokens, or measurements */
const float *
MedrnnPredictSeq(MedrnnCachedModel *c, Datum seq)
{
	MrSeqView	v;
	const float *probs;
	MrError		err;

	RnnSeqGetView(DatumGetRnnSeqP(seq), &v);
	if (mr_predict_seq(c->predictor, &v, MedrnnServerToUtf8(), &probs, &err) != MR_OK)
		MedrnnReportError(&err);
	return probs;
}

/*
 * The declared type of an input argument: text, text[] or rnnseq.  Without
 * the call's expression it cannot be known, and reading a text as an
 * rnnseq would misread memory, so refuse.
 */
Oid
MedrnnInputArgType(FunctionCallInfo fcinfo, int argno)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("could not determine input data type")));
	return type;
}

/* Probabilities for an input of whichever type the call received */
const float *
MedrnnPredictDatum(MedrnnCachedModel *c, Datum input, Oid type)
{
	if (type == TEXTOID)
		return MedrnnPredictText(c, DatumGetTextPP(input));
	if (type == TEXTARRAYOID)
		return MedrnnPredictTokens(c, DatumGetArrayTypeP(input));
	return MedrnnPredictSeq(c, input);
}

/* Probabilities for a text[] input of pre-split tokens */
const float *
MedrnnPredictTokens(MedrnnCachedModel *c, ArrayType *arr)
{
	int			n;
	const char **toks;
	size_t	   *lens;
	const float *probs;
	MrError		err;

	if (mr_predict_check_input(c->model, MR_INPUT_TOKENS, &err) != MR_OK)
		MedrnnReportError(&err);
	n = MedrnnArrayTokens(arr, false, &toks, &lens);
	if (mr_predict_tokens(c->predictor, toks, lens, n, &probs, &err) != MR_OK)
		MedrnnReportError(&err);
	return probs;
}

/* Index of the most probable class (the first one on a tie) */
int
MedrnnArgmax(const float *p, int K)
{
	int			best = 0;

	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

/* Label of class k as text */
text *
MedrnnLabelText(const MrModel *m, int k)
{
	return MedrnnUtf8ToText(m->labels[k], m->label_len[k]);
}

/* What each task's models are asked with */
static const char *
task_function(int task)
{
	switch (task)
	{
		case MR_TASK_MULTILABEL:
		case MR_TASK_MULTITASK:
			return "rnn_predict_labels";
		case MR_TASK_REGRESSION:
			return "rnn_predict_value";
		default:
			return "rnn_predict";
	}
}

/* An ERROR unless the model's task is one fn answers (mask of 1 << task) */
void
MedrnnRequireTask(const MrModel *m, const char *fn, unsigned tasks)
{
	if (tasks & (1u << m->task))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("%s cannot answer with a %s model", fn, mr_task_name(m->task)),
			 errhint("Use %s, or rnn_predict_proba, which answers for every kind of model.",
					 task_function(m->task))));
}

/* The most probable class (classification models) */
text *
MedrnnPredictedClass(const MrModel *m, const float *p, const char *fn)
{
	MedrnnRequireTask(m, fn, 1u << MR_TASK_CLASSIFICATION);
	return MedrnnLabelText(m, MedrnnArgmax(p, m->cfg.n_classes));
}

/*
 * rnn_predict_labels: the labels at or above their thresholds, in the
 * model's order (multi-label models; the task is checked before predicting)
 */
ArrayType *
MedrnnAnswerLabels(MedrnnCachedModel *c, Datum input, Oid type)
{
	const MrModel *m = c->model;
	const float *p;
	Datum	   *elems;
	int			n = 0;

	MedrnnRequireTask(m, "rnn_predict_labels", (1u << MR_TASK_MULTILABEL) | (1u << MR_TASK_MULTITASK));
	p = MedrnnPredictDatum(c, input, type);
	elems = palloc(sizeof(Datum) * m->cfg.n_classes);
	for (int k = 0; k < m->cfg.n_classes; k++)
		if (p[k] >= m->thresholds[k])
			elems[n++] = PointerGetDatum(MedrnnLabelText(m, k));
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/* rnn_predict_value: the predicted number in the label's units (regression models) */
float8
MedrnnAnswerValue(MedrnnCachedModel *c, Datum input, Oid type)
{
	MedrnnRequireTask(c->model, "rnn_predict_value", 1u << MR_TASK_REGRESSION);
	return mr_model_value(c->model, MedrnnPredictDatum(c, input, type)[0]);
}

/* A float as the shortest decimal numeric that reads back as the same value */
static Numeric
shortest_numeric(double v, bool single)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (single)
		float_to_shortest_decimal_buf((float) v, buf);
	else
		double_to_shortest_decimal_buf(v, buf);
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/*
 * {"label": probability, ...} as jsonb: the classes' probabilities, or
 * each label's own; a regression model's is {"value": prediction}
 */
Jsonb *
MedrnnProbaJsonb(const MrModel *m, const float *p)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	bool		regression = m->task == MR_TASK_REGRESSION;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int k = 0; k < m->cfg.n_classes; k++)
	{
		JsonbValue	key,
					val;
		char	   *label = regression ? "value" : MedrnnUtf8ToServer(m->labels[k], m->label_len[k]);

		key.type = jbvString;
		key.val.string.val = label;
		key.val.string.len = strlen(label);
		pushJsonbValue(&state, WJB_KEY, &key);
		val.type = jbvNumeric;
		/*
		 * The shortest decimal that reads back as the same float, whatever
		 * extra_float_digits says (float4_numeric keeps only 6 digits).
		 */
		val.val.numeric = regression ? shortest_numeric(mr_model_value(m, p[k]), false) :
			shortest_numeric(p[k], true);
		pushJsonbValue(&state, WJB_VALUE, &val);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

PG_FUNCTION_INFO_V1(rnn_predict);

/* The most probable label for a text */
Datum
rnn_predict(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictText(c, PG_GETARG_TEXT_PP(1));

	PG_RETURN_TEXT_P(MedrnnPredictedClass(c->model, p, "rnn_predict"));
}

PG_FUNCTION_INFO_V1(rnn_predict_tokens);

/* The most probable label for an array of tokens */
Datum
rnn_predict_tokens(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictTokens(c, PG_GETARG_ARRAYTYPE_P(1));

	PG_RETURN_TEXT_P(MedrnnPredictedClass(c->model, p, "rnn_predict"));
}

PG_FUNCTION_INFO_V1(rnn_predict_proba);

/* Every label's probability for a text */
Datum
rnn_predict_proba(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictText(c, PG_GETARG_TEXT_PP(1));

	PG_RETURN_JSONB_P(MedrnnProbaJsonb(c->model, p));
}

PG_FUNCTION_INFO_V1(rnn_predict_proba_tokens);

/* Every label's probability for an array of tokens */
Datum
rnn_predict_proba_tokens(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictTokens(c, PG_GETARG_ARRAYTYPE_P(1));

	PG_RETURN_JSONB_P(MedrnnProbaJsonb(c->model, p));
}

PG_FUNCTION_INFO_V1(rnn_predict_seq);

/* The most probable label for an rnnseq */
Datum
rnn_predict_seq(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictSeq(c, PG_GETARG_DATUM(1));

	PG_RETURN_TEXT_P(MedrnnPredictedClass(c->model, p, "rnn_predict"));
}

PG_FUNCTION_INFO_V1(rnn_predict_proba_seq);

/* Every label's probability for an rnnseq */
Datum
rnn_predict_proba_seq(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictSeq(c, PG_GETARG_DATUM(1));

	PG_RETURN_JSONB_P(MedrnnProbaJsonb(c->model, p));
}

PG_FUNCTION_INFO_V1(rnn_predict_labels);

/* The predicted labels of a multi-label model, for any input type */
Datum
rnn_predict_labels(PG_FUNCTION_ARGS)
{
	Oid			type = MedrnnInputArgType(fcinfo, 1);

	PG_RETURN_ARRAYTYPE_P(MedrnnAnswerLabels(MedrnnGetModel(fcinfo, 0), PG_GETARG_DATUM(1), type));
}

PG_FUNCTION_INFO_V1(rnn_predict_value);

/* The predicted number of a regression model, for any input type */
Datum
rnn_predict_value(PG_FUNCTION_ARGS)
{
	Oid			type = MedrnnInputArgType(fcinfo, 1);

	PG_RETURN_FLOAT8(MedrnnAnswerValue(MedrnnGetModel(fcinfo, 0), PG_GETARG_DATUM(1), type));
}
