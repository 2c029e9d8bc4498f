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

#include "explain.h"
#include "input.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_explain.h"
#include "predict.h"
#include "seq_type.h"

#define DEFAULT_STEPS 50

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

/* Class index of a target label given as UTF-8 */
static int
label_class(const MrModel *m, const char *u, size_t len)
{
	return mr_vocab_lookup(m->label_index, u, len);
}

/* Explain one input; see explain.h */
void
MedrnnExplainInput(MedrnnCachedModel *c, Datum input, MedrnnInputType type, int target,
				   int steps, MedrnnAttribution *out)
{
	const MrModel *m = c->model;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrExplanation e;
	MrReadTokens rt;
	const float *probs;
	int32		L;
	MrStatus	st;

	memset(out, 0, sizeof(*out));
	if (type == MEDRNN_IN_RNNSEQ && m->input_kind == MR_INPUT_SERIES)
	{
		/* a measurement model: each variable's three inputs (value, observed, elapsed) per bin */
		MrSeqView	v;
		const float *feats;
		MrError		err;
		int			V = m->n_vars,
					T = m->cfg.maxlen;

		RnnSeqGetView(DatumGetRnnSeqP(input), &v);
		probs = MedrnnPredictSeq(c, input);
		out->target = target >= 0 ? target : MedrnnArgmax(probs, m->cfg.n_classes);
		if (mr_predictor_series_row(c->predictor, &v, MedrnnServerToUtf8(), &feats, &L, &err) != MR_OK)
			MedrnnReportError(&err);
		explain_row(m, NULL, feats, L, out->target, steps, &e);
		out->n_bins = T;
		out->cell = palloc(sizeof(double) * V * T);
		for (int t = 0; t < T; t++)
		{
			const float *fa = e.feat_attr + (size_t) t * m->cfg.n_features;

			for (int var = 0; var < V; var++)
				/* a masked model's grid ends at the row's last event: later bins are not read */
				out->cell[var * T + t] = m->cfg.mask && t >= L ? NAN :
					(double) fa[var] + fa[V + var] + fa[2 * V + var];
		}
	}
	else
	{
		/*
		 * The input's tokens as the model reads them, and its prediction (for
		 * a model with SMILES variants, the mean over rewrites of the text,
		 * whose class is explained on the text as written)
		 */
		int32	   *ids;

		if (type == MEDRNN_IN_TEXT)
		{
			size_t		len;
			char	   *u = MedrnnTextToUtf8(DatumGetTextPP(input), &len);

			probs = MedrnnPredictText(c, DatumGetTextPP(input));
			st = mr_read_text_tokens(m, u, len, &a, &rt);
		}
		else
		{
			const char **toks;
			size_t	   *lens;
			int			n;

			if (type == MEDRNN_IN_TEXT_ARRAY)
			{
				probs = MedrnnPredictTokens(c, DatumGetArrayTypeP(input));
				n = MedrnnArrayTokens(DatumGetArrayTypeP(input), true, &toks, &lens);
			}
			else
			{
				MrSeqView	v;

				probs = MedrnnPredictSeq(c, input);
				RnnSeqGetView(DatumGetRnnSeqP(input), &v);
				n = MedrnnSeqTokens(&v, true, &toks, &lens);
			}
			st = mr_read_given_tokens(m, toks, lens, n, &a, &rt);
		}
		if (st != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		out->target = target >= 0 ? target : MedrnnArgmax(probs, m->cfg.n_classes);
		ids = palloc(sizeof(int32) * m->cfg.maxlen);
		L = mr_read_tokens_window(m, &rt, ids);
		explain_row(m, ids, NULL, L, out->target, steps, &e);
		out->n_tokens = rt.n;
		out->tokens = palloc(sizeof(char *) * (rt.n + 1));
		out->attr = palloc(sizeof(double) * (rt.n + 1));
		for (int64 i = 0; i < rt.n; i++)
		{
			out->tokens[i] = rt.t[i].text ? pstrdup(rt.t[i].text) : NULL;
			out->attr[i] = rt.t[i].step >= 0 ? (double) e.step_attr[rt.t[i].step] : NAN;
		}
		mr_read_tokens_free(&rt);
	}
	out->probability = probs[out->target];
	out->logit = e.logit;
	out->baseline_logit = e.baseline_logit;
	out->attr_sum = e.attr_sum;
	/*
	 * A regression's output is its standardised prediction: in the label's
	 * units every attribution is scale times as large, and they add up to
	 * the predicted value's change from the baseline
	 */
	if (m->task == MR_TASK_REGRESSION)
	{
		double		s = m->target_scale;

		out->probability = mr_model_value(m, probs[0]);
		out->logit *= s;
		out->baseline_logit *= s;
		out->attr_sum *= s;
		for (int64 i = 0; out->attr && i < out->n_tokens; i++)
			out->attr[i] *= s;
		for (int64 i = 0; out->cell && i < (int64) m->n_vars * out->n_bins; i++)
			out->cell[i] *= s;
	}
	mr_explanation_free(&e, &a);
}

PG_FUNCTION_INFO_V1(rnn_explain);

/*
 * rnn_explain(model, input, target_label, steps): attribution of every token
 * (text, text[] or token rnnseq), or of every variable in every bin (a
 * measurement rnnseq).
 */
Datum
rnn_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MedrnnCachedModel *c;
	const MrModel *m;
	int			steps = PG_ARGISNULL(3) ? DEFAULT_STEPS : PG_GETARG_INT32(3);
	int			target = -1;
	Oid			argtype;
	MedrnnInputType type;
	MedrnnAttribution at;

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
	type = argtype == TEXTOID ? MEDRNN_IN_TEXT :
		argtype == TEXTARRAYOID ? MEDRNN_IN_TEXT_ARRAY : MEDRNN_IN_RNNSEQ;
	if (!PG_ARGISNULL(2))
	{
		size_t		len;
		char	   *u = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(2), &len);

		target = label_class(m, u, len);
		if (target < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target label \"%s\" is not a label of this model",
							text_to_cstring(PG_GETARG_TEXT_PP(2)))));
	}
	MedrnnExplainInput(c, PG_GETARG_DATUM(1), type, target, steps, &at);

	if (at.cell)
	{
		/* one row per (bin, variable) */
		for (int t = 0; t < at.n_bins; t++)
			for (int var = 0; var < m->n_vars; var++)
			{
				Datum		values[3];
				bool		nulls[3] = {false, false, false};
				double		v = at.cell[var * at.n_bins + t];

				values[0] = Int32GetDatum(t + 1);
				values[1] = PointerGetDatum(MedrnnUtf8ToText(m->var_names[var], m->var_name_len[var]));
				values[2] = Float8GetDatum(v);
				nulls[2] = isnan(v);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		return (Datum) 0;
	}
	for (int64 i = 0; i < at.n_tokens; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum((int32) (i + 1));
		if (at.tokens[i])
			values[1] = PointerGetDatum(MedrnnUtf8ToText(at.tokens[i], strlen(at.tokens[i])));
		else
			nulls[1] = true;
		values[2] = Float8GetDatum(at.attr[i]);
		nulls[2] = isnan(at.attr[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
