/*
 * mr_predict.c
 *	  A model's inputs to its rows and probabilities (see mr_predict.h).
 */
#include "mr_predict.h"

#include <string.h>

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

/*
 * Probabilities of a text: one forward pass, or the mean over the SMILES
 * variants (see mr_predict.h)
 */
MrStatus
mr_model_text_probs(const MrModel *m, MrInfer *inf, const char *text, size_t len,
					int32_t *ring, int32_t *ids, float *sum, float *probs,
					const MrAllocator *a)
{
	int32_t		K = m->cfg.n_classes;
	int32_t		L = mr_model_text_row(m, text, len, ring, ids, NULL, NULL);
	MrSmiles   *mol = NULL;
	MrStatus	st;
	MrRng		rng;
	char	   *rewrite;
	int32_t		n = 1;

	mr_infer_row(inf, ids, NULL, L, probs);
	if (m->smiles_variants < 2)
		return MR_OK;
	st = mr_smiles_parse(text, len, a, &mol);
	if (st == MR_EINVAL)
		return MR_OK;			/* not SMILES: the text as written */
	if (st != MR_OK)
		return st;
	rewrite = mr_alloc(a, mr_smiles_max_length(mol));
	if (!rewrite)
	{
		mr_smiles_free(mol, a);
		return MR_ENOMEM;
	}
	for (int32_t k = 0; k < K; k++)
		sum[k] = probs[k];
	/* seeded by the text alone: the same text always gets the same answer */
	mr_smiles_seed_rng(&rng, text, len, 0);
	for (int32_t v = 1; v < m->smiles_variants; v++)
	{
		size_t		rlen = mr_smiles_write_random(mol, &rng, rewrite, NULL);

		if (rlen == 0)
			continue;
		L = mr_model_text_row(m, rewrite, rlen, ring, ids, NULL, NULL);
		mr_infer_row(inf, ids, NULL, L, probs);
		for (int32_t k = 0; k < K; k++)
			sum[k] += probs[k];
		n++;
	}
	for (int32_t k = 0; k < K; k++)
		probs[k] = sum[k] / (float) n;
	mr_free(a, rewrite);
	mr_smiles_free(mol, a);
	return MR_OK;
}
