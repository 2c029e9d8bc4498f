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

/* {"label": probability, ...} as jsonb */
Jsonb *
MedrnnProbaJsonb(const MrModel *m, const float *p)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int k = 0; k < m->cfg.n_classes; k++)
	{
		JsonbValue	key,
					val;
		char	   *label = MedrnnUtf8ToServer(m->labels[k], m->label_len[k]);
		char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

		key.type = jbvString;
		key.val.string.val = label;
		key.val.string.len = strlen(label);
		pushJsonbValue(&state, WJB_KEY, &key);
		val.type = jbvNumeric;
		/*
		 * The shortest decimal that reads back as the same float, whatever
		 * extra_float_digits says (float4_numeric keeps only 6 digits).
		 */
		float_to_shortest_decimal_buf(p[k], buf);
		val.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
															  ObjectIdGetDatum(InvalidOid),
															  Int32GetDatum(-1)));
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

	PG_RETURN_TEXT_P(MedrnnLabelText(c->model, MedrnnArgmax(p, c->model->cfg.n_classes)));
}

PG_FUNCTION_INFO_V1(rnn_predict_tokens);

/* The most probable label for an array of tokens */
Datum
rnn_predict_tokens(PG_FUNCTION_ARGS)
{
	MedrnnCachedModel *c = MedrnnGetModel(fcinfo, 0);
	const float *p = MedrnnPredictTokens(c, PG_GETARG_ARRAYTYPE_P(1));

	PG_RETURN_TEXT_P(MedrnnLabelText(c->model, MedrnnArgmax(p, c->model->cfg.n_classes)));
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

	PG_RETURN_TEXT_P(MedrnnLabelText(c->model, MedrnnArgmax(p, c->model->cfg.n_classes)));
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
