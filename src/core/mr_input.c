/*
 * mr_input.c
 *	  One input to one padded row of token ids (see mr_input.h).
 */
#include "mr_input.h"

#include <string.h>

#include "mr_tokenize.h"
#include "mr_utf8.h"

void
mr_window_init(MrWindow *w, int32_t *ring, int T, int truncating)
{
	w->ring = ring;
	w->T = T;
	w->truncating = truncating;
	w->seen = 0;
}

/* Keep the id if it can still end up in the window */
int
mr_window_push(MrWindow *w, int32_t id)
{
	if (w->truncating == MR_PAD_POST)
	{
		if (w->seen < w->T)
			w->ring[w->seen] = id;
		w->seen++;
		return w->seen >= w->T;
	}
	w->ring[w->seen % w->T] = id;
	w->seen++;
	return 0;
}

/* Lay the kept ids out in order, padded to T */
int32_t
mr_window_finish(const MrWindow *w, int padding, int32_t *out)
{
	int			T = w->T;
	int32_t		L = (int32_t) (w->seen < T ? w->seen : T);
	int			first = padding == MR_PAD_PRE ? T - L : 0;

	for (int t = 0; t < T; t++)
		out[t] = 0;
	for (int32_t i = 0; i < L; i++)
	{
		int64_t		src;

		if (w->truncating == MR_PAD_POST || w->seen <= T)
			src = i;
		else
			src = (w->seen - L + i) % T;	/* oldest surviving id first */
		out[first + i] = w->ring[src];
	}
	return L;
}

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
