/*
 * mr_predict.c
 *	  A model's inputs to its rows and probabilities, and the tokens an
 *	  explanation lists (see mr_predict.h).
 */
#include "mr_predict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mr_series.h"
#include "mr_smiles.h"
#include "mr_tokenize.h"
#include "mr_utf8.h"
#include "mr_window.h"

typedef struct TextRowState
{
	const MrModel *m;
	MrWindow	w;
	int64_t		n_tokens;
	int64_t		n_known;
} TextRowState;

static int
text_row_token(const char *tok, size_t len, void *arg)
{
	TextRowState *st = arg;
	int32_t		id = mr_vocab_lookup(st->m->vocab, tok, len);

	st->n_tokens++;
	if (id < 0)
		return 0;				/* out of vocabulary: dropped, as in Keras */
	st->n_known++;
	/* a full "post" window ignores the rest, but the counts go on */
	mr_window_push(&st->w, id + 1);
	return 0;
}

/* Text -> padded ids with the model's tokenizer and vocabulary */
int32_t
mr_model_text_row(const MrModel *m, const char *text, size_t len,
				  int32_t *ring, int32_t *out, int64_t *n_tokens, int64_t *n_known)
{
	TextRowState st;
	MrTokenizer tk = {(MrTokenizerKind) m->tokenizer, m->lowercase};

	memset(&st, 0, sizeof(st));
	st.m = m;
	mr_window_init(&st.w, ring, m->cfg.maxlen, m->truncating);
	mr_tokenize(&tk, text, len, text_row_token, &st);
	if (n_tokens)
		*n_tokens = st.n_tokens;
	if (n_known)
		*n_known = st.n_known;
	return mr_window_finish(&st.w, m->cfg.padding, out);
}

/* Pre-split tokens -> padded ids */
int32_t
mr_model_tokens_row(const MrModel *m, const char *const *toks, const size_t *lens,
					int64_t n, int32_t *ring, int32_t *out, int64_t *n_known)
{
	MrWindow	w;
	int64_t		known = 0;

	mr_window_init(&w, ring, m->cfg.maxlen, m->truncating);
	for (int64_t i = 0; i < n; i++)
	{
		/* cut like training did (mr_corpus_add_tokens) */
		size_t		len = mr_utf8_prefix((const unsigned char *) toks[i], lens[i], MR_MAX_TOKEN_BYTES);
		int32_t		id = len > 0 ? mr_vocab_lookup(m->vocab, toks[i], len) : -1;

		if (id < 0)
			continue;
		known++;
		mr_window_push(&w, id + 1);
	}
	if (n_known)
		*n_known = known;
	return mr_window_finish(&w, m->cfg.padding, out);
}

/* ----------------------------------------------------------------------
 * the predictor
 * ---------------------------------------------------------------------- */

struct MrPredictor
{
	const MrModel *m;
	MrAllocator a;				/* a copy: the caller's may go away */
	MrInfer    *infer;			/* one-row inference */
	float	   *probs;			/* (K) the last input's */
	float	   *sum;			/* (K) summing over SMILES variants */
	int32_t    *ring;			/* (T) tokenizer window scratch */
	int32_t    *ids;			/* (T) one row */
	/* measurement models */
	MrSeriesWork work;
	float	   *feats;			/* (T, F) */
	int64_t		cap;			/* events the arrays below hold */
	double	   *times;
	int32_t    *vars;
	double	   *values;
	int32_t    *dict_var;		/* (dict_cap) a sequence's strings as the model's variables */
	int64_t		dict_cap;
};

/* Bytes of a predictor for m; see mr_predict.h */
MrStatus
mr_predictor_size(const MrModel *m, size_t *bytes)
{
	const MrNetConfig *cfg = &m->cfg;
	size_t		scratch = sizeof(MrPredictor) + sizeof(float) * 2 * (size_t) cfg->n_classes +
		sizeof(int32_t) * 2 * (size_t) cfg->maxlen +
		sizeof(float) * (size_t) cfg->maxlen * (size_t) cfg->n_features +
		(sizeof(double) + sizeof(int32_t)) * 4 * (size_t) m->n_vars;

	if (mr_infer_size(cfg, bytes) != MR_OK || !mr_add_size(*bytes, scratch, bytes))
		return MR_EDIMS;
	return MR_OK;
}

/* A predictor; see mr_predict.h */
MrStatus
mr_predictor_new(const MrModel *m, const MrAllocator *a, MrPredictor **out)
{
	const MrNetConfig *cfg = &m->cfg;
	MrPredictor *p = mr_alloc0(a, sizeof(MrPredictor));
	MrStatus	st;

	*out = NULL;
	if (!p)
		return MR_ENOMEM;
	p->m = m;
	p->a = *a;
	if ((st = mr_infer_new(&m->net, a, &p->infer)) != MR_OK)
	{
		mr_free(a, p);
		return st;
	}
	p->probs = mr_alloc(a, sizeof(float) * (size_t) cfg->n_classes);
	p->sum = mr_alloc(a, sizeof(float) * (size_t) cfg->n_classes);
	p->ring = mr_alloc(a, sizeof(int32_t) * (size_t) cfg->maxlen);
	p->ids = mr_alloc(a, sizeof(int32_t) * (size_t) cfg->maxlen);
	if (!p->probs || !p->sum || !p->ring || !p->ids ||
		(m->input_kind == MR_INPUT_SERIES &&
		 (mr_series_work_new(m->n_vars, a, &p->work) != MR_OK ||
		  !(p->feats = mr_alloc(a, sizeof(float) * (size_t) cfg->maxlen * (size_t) cfg->n_features)))))
	{
		mr_predictor_free(p);
		return MR_ENOMEM;
	}
	*out = p;
	return MR_OK;
}

void
mr_predictor_free(MrPredictor *p)
{
	MrAllocator a;

	if (!p)
		return;
	a = p->a;
	mr_infer_free(p->infer, &a);
	mr_free(&a, p->probs);
	mr_free(&a, p->sum);
	mr_free(&a, p->ring);
	mr_free(&a, p->ids);
	if (p->m->input_kind == MR_INPUT_SERIES)
		mr_series_work_free(&p->work, &a);
	mr_free(&a, p->feats);
	mr_free(&a, p->times);
	mr_free(&a, p->vars);
	mr_free(&a, p->values);
	mr_free(&a, p->dict_var);
	mr_free(&a, p);
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

static MrStatus mismatch(MrError *err, const char *hint, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;

/* MR_EMISMATCH: an input of another kind */
static MrStatus
mismatch(MrError *err, const char *hint, const char *fmt,...)
{
	va_list		ap;
	char		message[256];

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	mr_error_message(err, MR_EMISMATCH, "%s", message);
	if (hint)
		mr_error_hint(err, "%s", hint);
	return MR_EMISMATCH;
}

#define SAME_KIND_HINT "Pass the kind of input the model was trained on."

/* Refuse an input of another kind than the model reads; see mr_predict.h */
MrStatus
mr_predict_check_input(const MrModel *m, MrInputKind given, MrError *err)
{
	if (m->input_kind == (int32_t) given)
		return MR_OK;
	switch (given)
	{
		case MR_INPUT_TEXT:
			return mismatch(err, SAME_KIND_HINT, "this model reads %s, not text", model_reads(m));
		case MR_INPUT_TOKENS:
			return mismatch(err, SAME_KIND_HINT, "this model reads %s, not token arrays",
							m->input_kind == MR_INPUT_SERIES ? "measurement sequences" : "text");
		default:
			return mismatch(err, NULL, "this model reads %s, not measurement sequences", model_reads(m));
	}
}

/*
 * Probabilities of a text: one forward pass, or the mean over the SMILES
 * variants: the text as written and m->smiles_variants - 1 rewrites of it,
 * drawn from the text alone (a text that is not read as SMILES counts
 * once)
 */
MrStatus
mr_predict_text(MrPredictor *p, const char *text, size_t len, const float **probs, MrError *err)
{
	const MrModel *m = p->m;
	int32_t		K = m->cfg.n_classes;
	int32_t		L;
	MrSmiles   *mol = NULL;
	MrStatus	st;
	MrRng		rng;
	char	   *rewrite;
	int32_t		n = 1;

	*probs = p->probs;
	if (mr_predict_check_input(m, MR_INPUT_TEXT, err) != MR_OK)
		return MR_EMISMATCH;
	L = mr_model_text_row(m, text, len, p->ring, p->ids, NULL, NULL);
	mr_infer_row(p->infer, p->ids, NULL, L, p->probs);
	if (m->smiles_variants < 2)
		return MR_OK;
	st = mr_smiles_parse(text, len, &p->a, &mol);
	if (st == MR_EINVAL)
		return MR_OK;			/* not SMILES: the text as written */
	if (st != MR_OK)
		return mr_set_error(err, st, "Out of memory for a molecule.");
	rewrite = mr_alloc(&p->a, mr_smiles_max_length(mol));
	if (!rewrite)
	{
		mr_smiles_free(mol, &p->a);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a molecule.");
	}
	for (int32_t k = 0; k < K; k++)
		p->sum[k] = p->probs[k];
	/* seeded by the text alone: the same text always gets the same answer */
	mr_smiles_seed_rng(&rng, text, len, 0);
	for (int32_t v = 1; v < m->smiles_variants; v++)
	{
		size_t		rlen = mr_smiles_write_random(mol, &rng, rewrite, NULL);

		if (rlen == 0)
			continue;
		L = mr_model_text_row(m, rewrite, rlen, p->ring, p->ids, NULL, NULL);
		mr_infer_row(p->infer, p->ids, NULL, L, p->probs);
		for (int32_t k = 0; k < K; k++)
			p->sum[k] += p->probs[k];
		n++;
	}
	for (int32_t k = 0; k < K; k++)
		p->probs[k] = p->sum[k] / (float) n;
	mr_free(&p->a, rewrite);
	mr_smiles_free(mol, &p->a);
	return MR_OK;
}

/* Probabilities of pre-split tokens; see mr_predict.h */
MrStatus
mr_predict_tokens(MrPredictor *p, const char *const *toks, const size_t *lens, int64_t n,
				  const float **probs, MrError *err)
{
	const MrModel *m = p->m;
	int32_t		L;

	*probs = p->probs;
	if (mr_predict_check_input(m, MR_INPUT_TOKENS, err) != MR_OK)
		return MR_EMISMATCH;
	L = mr_model_tokens_row(m, toks, lens, n, p->ring, p->ids, NULL);
	mr_infer_row(p->infer, p->ids, NULL, L, p->probs);
	return MR_OK;
}

/* A sequence's string k in UTF-8 */
static const char *
seq_string_utf8(const MrSeqView *v, int32_t k, const MrToUtf8 *conv, size_t *len)
{
	const char *s = mr_seq_string(v, k, len);

	return conv && conv->convert ? conv->convert(s, *len, len, conv->state) : s;
}

/* Make room for n events and d dictionary strings */
static MrStatus
reserve_events(MrPredictor *p, int64_t n, int64_t d)
{
	if (n > p->cap)
	{
		int64_t		cap = n > 64 ? n : 64;

		mr_free(&p->a, p->times);
		mr_free(&p->a, p->vars);
		mr_free(&p->a, p->values);
		p->times = mr_alloc(&p->a, sizeof(double) * (size_t) cap);
		p->vars = mr_alloc(&p->a, sizeof(int32_t) * (size_t) cap);
		p->values = mr_alloc(&p->a, sizeof(double) * (size_t) cap);
		p->cap = (p->times && p->vars && p->values) ? cap : 0;
		if (!p->cap)
			return MR_ENOMEM;
	}
	if (d > p->dict_cap)
	{
		mr_free(&p->a, p->dict_var);
		p->dict_var = mr_alloc(&p->a, sizeof(int32_t) * (size_t) d);
		p->dict_cap = p->dict_var ? d : 0;
		if (!p->dict_var)
			return MR_ENOMEM;
	}
	return MR_OK;
}

/* A measurement sequence on the model's grid; see mr_predict.h */
MrStatus
mr_predictor_series_row(MrPredictor *p, const MrSeqView *v, const MrToUtf8 *conv,
						const float **feats, int32_t *L, MrError *err)
{
	const MrModel *m = p->m;
	MrSeriesSpec spec;
	int32_t		span;

	if (mr_predict_check_input(m, MR_INPUT_SERIES, err) != MR_OK)
		return MR_EMISMATCH;
	if (v->kind != MR_SEQ_MEASURES && v->kind != MR_SEQ_EMPTY)
		return mismatch(err, "Build the sequence with rnn_seq(time, variable, value).",
						"this model reads %s, not %s", "measurement sequences",
						v->kind == MR_SEQ_TOKENS ? "token sequences" : "timed token sequences");
	if (v->kind == MR_SEQ_MEASURES &&
		(v->time_kind == MR_SEQ_TIME_TIMESTAMP) != (m->series_time_kind == MR_SERIES_TIME_TIMESTAMP))
		return mismatch(err, NULL, "this model reads sequences timed by %s",
						m->series_time_kind == MR_SERIES_TIME_TIMESTAMP ? "timestamps" : "numbers");
	if (reserve_events(p, v->n, v->n_strings + 1) != MR_OK)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence of %d events.", v->n);
	/* each dictionary string as the model's variable, once */
	for (int32_t k = 0; k < v->n_strings; k++)
	{
		size_t		len;
		const char *u = seq_string_utf8(v, k, conv, &len);

		p->dict_var[k] = mr_vocab_lookup(m->var_index, u, len);
	}
	for (int32_t i = 0; i < v->n; i++)
	{
		p->times[i] = v->times[i];
		p->vars[i] = v->str[i] >= 0 ? p->dict_var[v->str[i]] : -1;
		p->values[i] = v->value_null[i] ? NAN : v->values[i];
	}
	spec.n_vars = m->n_vars;
	spec.T = m->cfg.maxlen;
	spec.step = m->series_step;
	spec.origin = m->series_origin;
	spec.mean = m->var_mean;
	spec.scale = m->var_scale;
	mr_series_row(&spec, p->times, p->vars, p->values, v->n, &p->work, p->feats, &span);
	*feats = p->feats;
	/* a masked model's grid ends at the row's last event */
	*L = m->cfg.mask ? span : m->cfg.maxlen;
	return MR_OK;
}

/* Probabilities of an rnnseq; see mr_predict.h */
MrStatus
mr_predict_seq(MrPredictor *p, const MrSeqView *v, const MrToUtf8 *conv, const float **probs,
			   MrError *err)
{
	const MrModel *m = p->m;
	const char **toks;
	size_t	   *lens;
	int64_t		k = 0;
	int32_t		L;

	*probs = p->probs;
	if (m->input_kind == MR_INPUT_SERIES)
	{
		const float *feats;
		MrStatus	st = mr_predictor_series_row(p, v, conv, &feats, &L, err);

		if (st != MR_OK)
			return st;
		mr_infer_row(p->infer, NULL, feats, L, p->probs);
		return MR_OK;
	}
	if (m->input_kind != MR_INPUT_TOKENS)
		return mismatch(err, "Pass the text itself; the model tokenizes it as in training.",
						"this model reads %s, not %s", "text", "sequences");
	if (v->kind == MR_SEQ_MEASURES)
		return mismatch(err, NULL, "this model reads %s, not %s", "token sequences", "measurements");
	/* its non-NULL tokens, in order */
	toks = mr_alloc(&p->a, sizeof(char *) * ((size_t) v->n + 1));
	lens = mr_alloc(&p->a, sizeof(size_t) * ((size_t) v->n + 1));
	if (!toks || !lens)
	{
		mr_free(&p->a, toks);
		mr_free(&p->a, lens);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence of %d events.", v->n);
	}
	for (int32_t i = 0; i < v->n; i++)
		if (v->str[i] >= 0)
		{
			toks[k] = seq_string_utf8(v, v->str[i], conv, &lens[k]);
			k++;
		}
	L = mr_model_tokens_row(m, toks, lens, k, p->ring, p->ids, NULL);
	mr_infer_row(p->infer, p->ids, NULL, L, p->probs);
	mr_free(&p->a, toks);
	mr_free(&p->a, lens);
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * the tokens of an input, for explanations
 * ---------------------------------------------------------------------- */

/* Append one token (len bytes of text, or NULL for a missing one) */
static int
add_read_token(MrReadTokens *rt, const MrModel *m, const char *text, size_t len)
{
	MrReadToken *t;
	char	   *copy = NULL;

	if (rt->n == rt->cap)
	{
		int64_t		cap = rt->cap ? rt->cap * 2 : 64;
		MrReadToken *nt = mr_alloc(rt->a, sizeof(MrReadToken) * (size_t) cap);

		if (!nt)
			return 0;
		if (rt->n)
			memcpy(nt, rt->t, sizeof(MrReadToken) * (size_t) rt->n);
		mr_free(rt->a, rt->t);
		rt->t = nt;
		rt->cap = cap;
	}
	if (text)
	{
		if (!(copy = mr_alloc(rt->a, len + 1)))
			return 0;
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	t = &rt->t[rt->n++];
	t->text = copy;
	t->id = text ? mr_vocab_lookup(m->vocab, text, len) : -1;
	t->step = -1;
	return 1;
}

typedef struct ReadState
{
	MrReadTokens *rt;
	const MrModel *m;
	int			failed;
} ReadState;

static int
read_token(const char *tok, size_t len, void *arg)
{
	ReadState  *rs = arg;

	rs->failed = !add_read_token(rs->rt, rs->m, tok, len);
	return rs->failed;
}

/* A text's tokens; see mr_predict.h */
MrStatus
mr_read_text_tokens(const MrModel *m, const char *text, size_t len, const MrAllocator *a,
					MrReadTokens *out)
{
	MrTokenizer tk = {(MrTokenizerKind) m->tokenizer, m->lowercase};
	ReadState	rs = {out, m, 0};

	memset(out, 0, sizeof(*out));
	out->a = a;
	mr_tokenize(&tk, text, len, read_token, &rs);
	return rs.failed ? MR_ENOMEM : MR_OK;
}

/* Pre-split tokens; see mr_predict.h */
MrStatus
mr_read_given_tokens(const MrModel *m, const char *const *toks, const size_t *lens, int64_t n,
					 const MrAllocator *a, MrReadTokens *out)
{
	memset(out, 0, sizeof(*out));
	out->a = a;
	for (int64_t i = 0; i < n; i++)
	{
		/* cut as training cut it (mr_corpus_add_tokens) */
		size_t		len = toks[i] ? mr_utf8_prefix((const unsigned char *) toks[i], lens[i], MR_MAX_TOKEN_BYTES) : 0;

		if (!add_read_token(out, m, toks[i], len))
			return MR_ENOMEM;
	}
	return MR_OK;
}

/* Lay the known tokens out in the window; see mr_predict.h */
int32_t
mr_read_tokens_window(const MrModel *m, MrReadTokens *rt, int32_t *ids)
{
	int			T = m->cfg.maxlen;
	int64_t		known = 0,
				skip;
	int32_t		kept,
				first,
				t;

	for (int64_t i = 0; i < rt->n; i++)
		known += rt->t[i].id >= 0;
	mr_window_placement(known, T, m->cfg.padding, m->truncating, &skip, &kept, &first);
	memset(ids, 0, sizeof(int32_t) * (size_t) T);
	t = first;
	for (int64_t i = 0; i < rt->n && t < first + kept; i++)
	{
		if (rt->t[i].id < 0)
			continue;
		if (skip > 0)
		{
			skip--;
			continue;
		}
		rt->t[i].step = t;
		ids[t++] = rt->t[i].id + 1;
	}
	return kept;
}

void
mr_read_tokens_free(MrReadTokens *rt)
{
	for (int64_t i = 0; i < rt->n; i++)
		mr_free(rt->a, (void *) rt->t[i].text);
	mr_free(rt->a, rt->t);
	memset(rt, 0, sizeof(*rt));
}
