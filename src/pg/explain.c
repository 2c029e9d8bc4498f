/*
 * explain.c
 *	  rnn_explain: which tokens of an input moved the model, and how much.
 *
 * One row per token of the input, in input order, with its integrated-
 * gradients attribution toward the target class (see mr_explain.h).
 * Tokens the model did not read - unknown words, or words cut off by maxlen -
 * are listed with a NULL attribution, so a clinician sees the whole text
 * and what the model ignored.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "input.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_explain.h"
#include "predict.h"
#include "seq_type.h"

#define DEFAULT_STEPS 50

/* Class index of the target label, given as argument 2 */
static int
target_label(const MrModel *m, FunctionCallInfo fcinfo)
{
	size_t		len;
	char	   *u = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(2), &len);
	int32		k = mr_vocab_lookup(m->label_index, u, len);

	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target label \"%s\" is not a label of this model",
						text_to_cstring(PG_GETARG_TEXT_PP(2)))));
	return k;
}

/*
 * Integrated gradients are complete: the attributions add up to the change of
 * the target logit from the baseline.  A quadrature with too few steps misses
 * it; say so rather than show a misleading explanation.
 */
static void
warn_if_incomplete(const MrExplanation *e, int steps)
{
	double		diff = e->logit - e->baseline_logit;
	double		gap = fabs(e->attr_sum - diff);

	if (gap > 0.01 * fabs(diff) + 1e-4)
		ereport(WARNING,
				(errmsg("attributions sum to %g but the logit moved by %g from the baseline",
						e->attr_sum, diff),
				 errhint("Use more steps (now %d) for a closer integral.", steps)));
}

/*
 * Explain one row, within the memory budget: a model's shape (maxlen,
 * layers) is the caller's to choose, so the workspace is checked before
 * anything is allocated, as training's is.
 */
static void
explain_row(const MrModel *m, const int32 *ids, const float *feats, int32 L,
			int target, int steps, MrExplanation *e)
{
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	size_t		need;
	size_t		limit = (size_t) medrnn_train_memory_limit * 1024;

	if (mr_explain_workspace(&m->net.cfg, steps, &need) != MR_OK || need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("explaining with this model needs more memory than medrnn.train_memory_limit (%d kB)",
						medrnn_train_memory_limit),
				 errhint("Raise medrnn.train_memory_limit.")));
	if (mr_explain_row(&m->net, ids, feats, L, target, steps, &a,
					   MedrnnShouldStop, NULL, e) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	warn_if_incomplete(e, steps);
}

/*
 * A measurement model: one row per (bin, variable), the attribution of the
 * variable's three inputs in that bin (value, observed, elapsed) summed.
 */
static void
explain_series(FunctionCallInfo fcinfo, MedrnnCachedModel *c, Datum seq, int steps)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const MrModel *m = c->model;
	MrSeqView	v;
	const float *feats;
	int32		L;
	int			target;
	MrExplanation e;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrError		err;
	int			V = m->n_vars;

	RnnSeqGetView(DatumGetRnnSeqP(seq), &v);
	if (PG_ARGISNULL(2))
		target = MedrnnArgmax(MedrnnPredictSeq(c, seq), m->cfg.n_classes);
	else
		target = target_label(m, fcinfo);
	if (mr_predictor_series_row(c->predictor, &v, MedrnnServerToUtf8(), &feats, &L, &err) != MR_OK)
		MedrnnReportError(&err);
	explain_row(m, NULL, feats, L, target, steps, &e);
	for (int t = 0; t < m->cfg.maxlen; t++)
		for (int var = 0; var < V; var++)
		{
			const float *fa = e.feat_attr + (size_t) t * m->cfg.n_features;
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			values[0] = Int32GetDatum(t + 1);
			values[1] = PointerGetDatum(MedrnnUtf8ToText(m->var_names[var], m->var_name_len[var]));
			values[2] = Float8GetDatum((double) fa[var] + fa[V + var] + fa[2 * V + var]);
			/* a masked model's grid ends at the row's last event: later bins are not read */
			nulls[2] = m->cfg.mask && t >= L;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	mr_explanation_free(&e, &a);
}

PG_FUNCTION_INFO_V1(rnn_explain);

/*
 * rnn_explain(model, input, target_label, steps): attribution of every token.
 * Dispatches on the input's type (text, text[] or rnnseq).
 */
Datum
rnn_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MedrnnCachedModel *c;
	const MrModel *m;
	MrReadTokens rt;
	int32	   *ids;
	int32		L;
	int			steps = PG_ARGISNULL(3) ? DEFAULT_STEPS : PG_GETARG_INT32(3);
	int			target;
	const float *probs;
	MrExplanation e;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrStatus	st;
	Oid			argtype;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	if (steps < 1 || steps > MR_EXPLAIN_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be between 1 and %d", MR_EXPLAIN_MAX_STEPS)));
	c = MedrnnGetModel(fcinfo, 0);
	m = c->model;
	argtype = MedrnnInputArgType(fcinfo, 1);
	if (argtype != TEXTOID && argtype != TEXTARRAYOID && m->input_kind == MR_INPUT_SERIES)
	{
		explain_series(fcinfo, c, PG_GETARG_DATUM(1), steps);
		return (Datum) 0;
	}

	/*
	 * The input's tokens as the model reads them, and its prediction (for a
	 * model with SMILES variants, the mean over rewrites of the text, whose
	 * class is explained on the text as written)
	 */
	if (argtype == TEXTOID)
	{
		size_t		len;
		char	   *u = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(1), &len);

		probs = MedrnnPredictText(c, PG_GETARG_TEXT_PP(1));
		st = mr_read_text_tokens(m, u, len, &a, &rt);
	}
	else
	{
		const char **toks;
		size_t	   *lens;
		int			n;

		if (argtype == TEXTARRAYOID)
		{
			probs = MedrnnPredictTokens(c, PG_GETARG_ARRAYTYPE_P(1));
			n = MedrnnArrayTokens(PG_GETARG_ARRAYTYPE_P(1), true, &toks, &lens);
		}
		else
		{
			MrSeqView	v;

			probs = MedrnnPredictSeq(c, PG_GETARG_DATUM(1));
			RnnSeqGetView(DatumGetRnnSeqP(PG_GETARG_DATUM(1)), &v);
			n = MedrnnSeqTokens(&v, true, &toks, &lens);
		}
		st = mr_read_given_tokens(m, toks, lens, n, &a, &rt);
	}
	if (st != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	target = PG_ARGISNULL(2) ? MedrnnArgmax(probs, m->cfg.n_classes) : target_label(m, fcinfo);
	ids = palloc(sizeof(int32) * m->cfg.maxlen);
	L = mr_read_tokens_window(m, &rt, ids);
	explain_row(m, ids, NULL, L, target, steps, &e);

	for (int64 i = 0; i < rt.n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum((int32) (i + 1));
		if (rt.t[i].text)
			values[1] = PointerGetDatum(MedrnnUtf8ToText(rt.t[i].text, strlen(rt.t[i].text)));
		else
			nulls[1] = true;
		if (rt.t[i].step >= 0)
			values[2] = Float8GetDatum((double) e.step_attr[rt.t[i].step]);
		else
			nulls[2] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	mr_explanation_free(&e, &a);
	mr_read_tokens_free(&rt);
	return (Datum) 0;
}
