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
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "medrnn.h"
#include "model_cache.h"
#include "mr_explain.h"
#include "mr_tokenize.h"
#include "mr_utf8.h"
#include "predict.h"
#include "seq_input.h"
#include "seq_type.h"

#define DEFAULT_STEPS 50

/* The input's tokens: text, model id (-1 unknown), window step (-1 not read) */
typedef struct TokenList
{
	const MrModel *m;
	int			n;
	int			cap;
	char	  **text;			/* UTF-8, NUL-terminated */
	int32	   *id;
	int32	   *step;
} TokenList;

static void
add_token(TokenList *tl, const char *tok, size_t len)
{
	if (tl->n == tl->cap)
	{
		tl->cap = tl->cap ? tl->cap * 2 : 64;
		tl->text = repalloc_huge(tl->text, sizeof(char *) * tl->cap);
		tl->id = repalloc_huge(tl->id, sizeof(int32) * tl->cap);
		tl->step = repalloc_huge(tl->step, sizeof(int32) * tl->cap);
	}
	tl->text[tl->n] = pnstrdup(tok, len);
	tl->id[tl->n] = mr_vocab_lookup(tl->m->vocab, tok, len);
	tl->step[tl->n] = -1;
	tl->n++;
}

static int
collect_token(const char *tok, size_t len, void *arg)
{
	add_token((TokenList *) arg, tok, len);
	return 0;
}

/*
 * Lay the known tokens out in the T-step window exactly as mr_window does
 * (truncating, then padding) and fill ids; returns the real length.
 */
static int32
place_tokens(TokenList *tl, int32 *ids)
{
	const MrModel *m = tl->m;
	int			T = m->cfg.maxlen;
	int64		known = 0,
				skip,
				kept;
	int			first,
				t;

	for (int i = 0; i < tl->n; i++)
		known += tl->id[i] >= 0;
	kept = known < T ? known : T;
	/* "pre" truncation keeps the last T known tokens, "post" the first T */
	skip = m->truncating == MR_PAD_PRE ? known - kept : 0;
	first = m->cfg.padding == MR_PAD_PRE ? T - (int) kept : 0;
	memset(ids, 0, sizeof(int32) * T);
	t = first;
	for (int i = 0; i < tl->n && t < first + kept; i++)
	{
		if (tl->id[i] < 0)
			continue;
		if (skip > 0)
		{
			skip--;
			continue;
		}
		tl->step[i] = t;
		ids[t++] = tl->id[i] + 1;
	}
	return (int32) kept;
}

/* Class index of the target label, or of the prediction when NULL */
static int
target_class(MedrnnCachedModel *c, FunctionCallInfo fcinfo, int32 L)
{
	const MrModel *m = c->model;

	if (!PG_ARGISNULL(2))
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
	mr_infer_row(c->infer, c->ids, NULL, L, c->probs);
	return MedrnnArgmax(c->probs, m->cfg.n_classes);
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

/* What a model reads, for messages */
static const char *
model_reads(const MrModel *m)
{
	switch (m->input_kind)
	{
		case MR_INPUT_TEXT:
			return "text";
		case MR_INPUT_TOKENS:
			return "token arrays or sequences";
		default:
			return "measurement sequences";
	}
}

/* A token of a text[] or rnnseq input, cut as the model's reader cuts it */
static void
add_given_token(TokenList *tl, const char *u, size_t len)
{
	add_token(tl, u, mr_utf8_prefix((const unsigned char *) u, len, MR_MAX_TOKEN_BYTES));
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
	int32		L;
	int			target;
	MrExplanation e;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	int			V = m->n_vars;

	RnnSeqGetView(DatumGetRnnSeqP(seq), &v);
	L = MedrnnSeqSeriesRow(m, &v, &c->series, c->cxt);
	if (!PG_ARGISNULL(2))
	{
		size_t		len;
		char	   *u = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(2), &len);

		target = mr_vocab_lookup(m->label_index, u, len);
		if (target < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target label \"%s\" is not a label of this model",
							text_to_cstring(PG_GETARG_TEXT_PP(2)))));
	}
	else
	{
		mr_infer_row(c->infer, NULL, c->series.feats, L, c->probs);
		target = MedrnnArgmax(c->probs, m->cfg.n_classes);
	}
	explain_row(m, NULL, c->series.feats, L, target, steps, &e);
	for (int t = 0; t < m->cfg.maxlen; t++)
		for (int var = 0; var < V; var++)
		{
			const float *fa = e.feat_attr + (size_t) t * m->cfg.n_features;
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			values[0] = Int32GetDatum(t + 1);
			values[1] = PointerGetDatum(MedrnnUtf8ToText(m->var_names[var], m->var_name_len[var]));
			values[2] = Float8GetDatum((double) fa[var] + fa[V + var] + fa[2 * V + var]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	mr_explanation_free(&e, &a);
}

PG_FUNCTION_INFO_V1(rnn_explain);

/*
 * rnn_explain(model, input, target_label, steps): attribution of every token.
 * Dispatches on the input's type (text or text[]).
 */
Datum
rnn_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MedrnnCachedModel *c;
	const MrModel *m;
	TokenList	tl;
	int32		L;
	int			steps = PG_ARGISNULL(3) ? DEFAULT_STEPS : PG_GETARG_INT32(3);
	int			target,
				predicted;
	MrExplanation e;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
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
	 * A model with SMILES variants predicts from the mean over rewrites of
	 * the text; explain that prediction, on the text as written
	 */
	predicted = -1;
	if (argtype == TEXTOID && m->smiles_variants > 1 && PG_ARGISNULL(2))
		predicted = MedrnnArgmax(MedrnnPredictText(c, PG_GETARG_TEXT_PP(1)), m->cfg.n_classes);

	memset(&tl, 0, sizeof(tl));
	tl.m = m;
	tl.text = palloc(sizeof(char *));
	tl.id = palloc(sizeof(int32));
	tl.step = palloc(sizeof(int32));
	if (argtype == TEXTOID)
	{
		size_t		len;
		char	   *u;
		MrTokenizer tk;

		if (m->input_kind != MR_INPUT_TEXT)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("this model reads %s, not text", model_reads(m))));
		u = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(1), &len);
		tk.kind = (MrTokenizerKind) m->tokenizer;
		tk.lowercase = m->lowercase;
		mr_tokenize(&tk, u, len, collect_token, &tl);
	}
	else if (argtype != TEXTARRAYOID)
	{
		/* a token sequence: its tokens in order, NULL ones listed but not read */
		MrSeqView	v;

		if (m->input_kind != MR_INPUT_TOKENS)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("this model reads text, not sequences")));
		RnnSeqGetView(DatumGetRnnSeqP(PG_GETARG_DATUM(1)), &v);
		if (v.kind == MR_SEQ_MEASURES)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("this model reads token sequences, not measurements")));
		for (int32 i = 0; i < v.n; i++)
		{
			if (v.str[i] < 0)
			{
				add_token(&tl, "", 0);
				tl.id[tl.n - 1] = -1;
				pfree(tl.text[tl.n - 1]);
				tl.text[tl.n - 1] = NULL;
				continue;
			}
			{
				const char *sb = v.strbytes + v.str_off[v.str[i]];
				int			len = v.str_off[v.str[i] + 1] - v.str_off[v.str[i]];
				char	   *u = pg_server_to_any(sb, len, PG_UTF8);

				size_t		ulen = u == sb ? (size_t) len : strlen(u);

				add_given_token(&tl, u, ulen);
			}
		}
	}
	else
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		if (m->input_kind != MR_INPUT_TOKENS)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("this model reads %s, not token arrays", model_reads(m))));
		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("token array must have one dimension")));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			size_t		len;
			char	   *u;

			if (nulls[i])
			{
				/* a missing token: listed, never read */
				add_token(&tl, "", 0);
				tl.id[tl.n - 1] = -1;
				pfree(tl.text[tl.n - 1]);
				tl.text[tl.n - 1] = NULL;
				continue;
			}
			u = MedrnnTextToUtf8(DatumGetTextPP(elems[i]), &len);
			add_given_token(&tl, u, len);
		}
	}
	L = place_tokens(&tl, c->ids);
	target = predicted >= 0 ? predicted : target_class(c, fcinfo, L);

	explain_row(m, c->ids, NULL, L, target, steps, &e);

	for (int i = 0; i < tl.n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum(i + 1);
		if (tl.text[i])
			values[1] = PointerGetDatum(MedrnnUtf8ToText(tl.text[i], strlen(tl.text[i])));
		else
			nulls[1] = true;
		if (tl.step[i] >= 0)
			values[2] = Float8GetDatum((double) e.step_attr[tl.step[i]]);
		else
			nulls[2] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	mr_explanation_free(&e, &a);
	return (Datum) 0;
}
