/*
 * fuzz_text_row.c
 *	  libFuzzer harness: arbitrary input through every path that turns a
 *	  text or a token list into network rows, at prediction and at training.
 *
 * Prediction (rnn_predict): five small models are built once (encoded and
 * decoded, so they are models the decoder accepts): word and char
 * tokenizers, lowercase on and off, "pre" and "post" truncation and
 * padding, and a model of pre-split tokens.  The input is one text for
 * mr_model_text_row, and its lines are the tokens for mr_model_tokens_row.
 * Each row must equal a reference built from mr_tokenize and the
 * vocabulary (Keras truncation and padding), every id must be in [0, V),
 * and mr_infer_row must give finite probabilities summing to 1.
 *
 * Training (rnn_train): the input's lines are also training rows,
 * "label<TAB>text" (text and label as the server passes them: valid UTF-8
 * without NUL), added to a corpus as texts or as space-separated tokens,
 * with the settings taken from the last byte.  mr_corpus_finish must give
 * rows in range, and the model built from them must be one the decoder
 * accepts and that maps each training input to the very row it was
 * trained on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_corpus.h"
#include "mr_infer.h"
#include "mr_predict.h"
#include "mr_model.h"
#include "mr_tokenize.h"
#include "mr_utf8.h"

#define FUZZ_HARNESS "fuzz_text_row"
#include "fuzz_common.h"

#define MAX_T			16
#define MAX_ROWS		64
#define MAX_TOKENS		8192

/* ----------------------------------------------------------------------
 * the fixed models
 * ---------------------------------------------------------------------- */

static const char *const word_vocab[] = {
	"fever", "cough", "chest", "pain", "patient", "the", "of", "and", "Fever", "COUGH",
	"\xcf\x83", "\xcf\x82", "\xcf\x83\xce\xb1\xcf\x82", "\xce\xa3\xce\x91\xce\xa3",
	"i\xcc\x87stanbul", "istanbul", "\xc4\xb0STANBUL", "\xef\xbf\xbd", "caf\xc3\xa9",
	"\xf0\x9f\x98\x80", "pain\xf0\x9f\xa4\x92", "k", "\xe2\x84\xaa", "ok", "end", "a", "b",
	NULL
};

static const char *const char_vocab[] = {
	"C", "c", "(", ")", "=", "O", "N", "n", "[", "]", "@", "H", "+", "-", "1", "2", "3",
	"#", " ", "\t", "\xef\xbf\xbd", "\xcf\x83", "\xcf\x82", "i", "\xcc\x87", "\xc3\xa9",
	"\xf0\x9f\x98\x80", "a", "e", "f", "\xc4\xb0", "\xce\xa3",
	NULL
};

static const char *const token_vocab[] = {
	"fever", "cough", "chest pain", "a\tb", "\xce\xa3", "x", "0", "1", " ", "\xef\xbf\xbd",
	NULL
};

typedef struct Spec
{
	MrInputKind input_kind;
	MrTokenizerKind tokenizer;
	int			lowercase;
	int			truncating;
	const char *const *vocab;
	int			long_token;		/* add a token of this many 'a' or 'A' */
	MrNetConfig cfg;			/* V and K are filled in */
	int			K;
} Spec;

static const Spec specs[] = {
	{MR_INPUT_TEXT, MR_TOKENIZER_WORD, 1, MR_PAD_PRE, word_vocab, MR_MAX_TOKEN_BYTES - 1,
	{.embed_dim = 4, .maxlen = 8, .padding = MR_PAD_PRE, .n_layers = 1, .hidden = {5},
	.pooling = MR_POOL_LAST}, 3},
	{MR_INPUT_TEXT, MR_TOKENIZER_WORD, 0, MR_PAD_POST, word_vocab, MR_MAX_TOKEN_BYTES,
	{.embed_dim = 3, .maxlen = 3, .padding = MR_PAD_POST, .n_layers = 1, .hidden = {4},
	.bidirectional = 1, .pooling = MR_POOL_MEAN}, 2},
	{MR_INPUT_TEXT, MR_TOKENIZER_CHAR, 0, MR_PAD_PRE, char_vocab, 0,
	{.embed_dim = 3, .maxlen = 16, .padding = MR_PAD_POST, .n_layers = 2, .hidden = {4, 3},
	.pooling = MR_POOL_MAX}, 2},
	{MR_INPUT_TEXT, MR_TOKENIZER_CHAR, 1, MR_PAD_POST, char_vocab, 0,
	{.embed_dim = 2, .maxlen = 5, .padding = MR_PAD_PRE, .n_layers = 3, .hidden = {3, 3, 2},
	.bidirectional = 1, .pooling = MR_POOL_LAST}, 4},
	{MR_INPUT_TOKENS, 0, 0, MR_PAD_PRE, token_vocab, MR_MAX_TOKEN_BYTES,
	{.embed_dim = 3, .maxlen = 6, .padding = MR_PAD_POST, .n_layers = 1, .hidden = {3},
	.bidirectional = 1, .pooling = MR_POOL_MEAN}, 2},
};
#define N_MODELS ((int) (sizeof(specs) / sizeof(specs[0])))

static MrModel *models[N_MODELS];
static MrInfer *infers[N_MODELS];

static const char *const class_names[] = {"0", "1", "2", "3"};

/* Random weights for a config, in a new array bound to net */
static float *
init_net(MrNet *net, const MrNetConfig *cfg, uint64_t seed)
{
	size_t		n;
	float	   *params;
	MrRng		rng;

	if (mr_net_param_count(cfg, &n) != MR_OK || !(params = malloc(sizeof(float) * n)))
		fail("cannot size a network", NULL);
	mr_net_bind(net, cfg, params, n);
	mr_rng_seed(&rng, seed);
	if (mr_net_init(net, &rng, &mr_malloc_allocator) != MR_OK)
		fail("mr_net_init failed", NULL);
	return params;
}

/* Build, encode, decode and prepare inference for the fixed models */
static void
build_models(void)
{
	static char long_lower[MR_MAX_TOKEN_BYTES],
				long_upper[MR_MAX_TOKEN_BYTES];

	memset(long_lower, 'a', sizeof(long_lower));
	memset(long_upper, 'A', sizeof(long_upper));
	for (int i = 0; i < N_MODELS; i++)
	{
		const Spec *s = &specs[i];
		MrModel		m;
		const char *toks[64];
		uint32_t	lens[64];
		int			n = 0;
		MrError		err = {0};
		float	   *params;

		memset(&m, 0, sizeof(m));
		for (; s->vocab[n]; n++)
		{
			toks[n] = s->vocab[n];
			lens[n] = (uint32_t) strlen(s->vocab[n]);
		}
		if (s->long_token)
		{
			toks[n] = s->lowercase ? long_lower : long_upper;
			lens[n++] = (uint32_t) s->long_token;
		}
		m.input_kind = s->input_kind;
		m.tokenizer = s->tokenizer;
		m.lowercase = s->lowercase;
		m.truncating = s->truncating;
		m.positive_class = s->K == 2 ? 1 : -1;
		m.cfg = s->cfg;
		m.cfg.vocab_size = n + 1;
		m.cfg.n_classes = s->K;
		if (mr_net_check_config(&m.cfg, &err) != MR_OK)
			fail("a fixed model has a bad configuration", err.detail);
		params = init_net(&m.net, &m.cfg, (uint64_t) i + 1);
		m.params = params;
		m.n_tokens = n;
		m.tokens = toks;
		m.token_len = lens;
		m.labels = (const char **) class_names;
		m.label_len = (uint32_t[]) {1, 1, 1, 1};
		if (encode_decode(&m, &models[i], &err) != MR_OK)
			fail("a fixed model does not decode", err.detail);
		free(params);
		if (mr_infer_new(&models[i]->net, &mr_malloc_allocator, &infers[i]) != MR_OK)
			fail("mr_infer_new failed", NULL);
	}
}

/* ----------------------------------------------------------------------
 * prediction rows against a reference
 * ---------------------------------------------------------------------- */

/* The known ids of a text, in order (the reference's tokenizer pass) */
typedef struct Known
{
	const MrModel *m;
	int64_t		n_tokens;
	int64_t		n;
	int32_t    *ids;
	size_t		cap;
} Known;

static int
known_token(const char *tok, size_t len, void *arg)
{
	Known	   *k = arg;
	int32_t		id = mr_vocab_lookup(k->m->vocab, tok, len);

	k->n_tokens++;
	if (id < 0)
		return 0;
	if ((size_t) k->n == k->cap)
	{
		k->cap = k->cap ? 2 * k->cap : 1024;
		if (!(k->ids = realloc(k->ids, sizeof(int32_t) * k->cap)))
			fail("out of memory", NULL);
	}
	k->ids[k->n++] = id + 1;
	return 0;
}

/* Keras pad_sequences of one row of known ids into want[T]; returns L */
static int32_t
keras_window(const int32_t *ids, int64_t n, int T, int truncating, int padding, int32_t *want)
{
	int32_t		L = (int32_t) (n < T ? n : T);
	int64_t		skip = truncating == MR_PAD_PRE ? n - L : 0;
	int			first = padding == MR_PAD_PRE ? T - L : 0;

	for (int t = 0; t < T; t++)
		want[t] = 0;
	for (int32_t i = 0; i < L; i++)
		want[first + i] = ids[skip + i];
	return L;
}

/* A row and its length must be what the reference says; then infer */
static void
check_row(int i, const int32_t *row, int32_t L, const int32_t *want, int32_t want_L)
{
	const MrModel *m = models[i];
	int			T = m->cfg.maxlen,
				K = m->cfg.n_classes;
	float		probs[4];
	double		sum = 0.0;

	if (L != want_L)
		fail("a row length differs from the reference", NULL);
	for (int t = 0; t < T; t++)
	{
		if (row[t] < 0 || row[t] >= m->cfg.vocab_size)
			fail("a row id is out of range", NULL);
		if (row[t] != want[t])
			fail("a row differs from the reference", NULL);
	}
	mr_infer_row(infers[i], row, NULL, L, probs);
	for (int k = 0; k < K; k++)
	{
		if (!isfinite(probs[k]) || probs[k] < 0.0f || probs[k] > 1.0f)
			fail("inference gave an invalid probability", NULL);
		sum += probs[k];
	}
	if (fabs(sum - 1.0) > 1e-3)
		fail("probabilities do not sum to 1", NULL);
}

/* Split data at sep into pieces (empty ones included); returns the count */
static int64_t
split(const char *data, size_t size, char sep, const char **toks, size_t *lens, int64_t max)
{
	int64_t		n = 0;
	size_t		start = 0;

	for (size_t i = 0; i <= size && n < max; i++)
		if (i == size || data[i] == sep)
		{
			toks[n] = data + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	return n;
}

static const char *toks_buf[MAX_TOKENS];
static size_t lens_buf[MAX_TOKENS];

/* Every fixed model on the input */
static void
check_prediction(const char *text, size_t size)
{
	int32_t		ring[MAX_T],
				row[MAX_T],
				want[MAX_T];

	for (int i = 0; i < N_MODELS; i++)
	{
		const MrModel *m = models[i];
		int			T = m->cfg.maxlen;
		int32_t		L,
					want_L;

		if (m->input_kind == MR_INPUT_TEXT)
		{
			MrTokenizer tk = {(MrTokenizerKind) m->tokenizer, m->lowercase};
			Known		k = {m, 0, 0, NULL, 0};
			int64_t		n_tokens = -1,
						n_known = -1;

			L = mr_model_text_row(m, text, size, ring, row, &n_tokens, &n_known);
			mr_tokenize(&tk, text, size, known_token, &k);
			if (n_tokens != k.n_tokens || n_known != k.n)
				fail("text row token counts differ from the reference", NULL);
			want_L = keras_window(k.ids, k.n, T, m->truncating, m->cfg.padding, want);
			free(k.ids);
		}
		else
		{
			int64_t		n = split(text, size, '\n', toks_buf, lens_buf, MAX_TOKENS);
			int64_t		n_known = -1,
						nk = 0;
			int32_t    *ids = malloc(sizeof(int32_t) * (size_t) (n + 1));

			if (!ids)
				fail("out of memory", NULL);
			L = mr_model_tokens_row(m, toks_buf, lens_buf, n, ring, row, &n_known);
			for (int64_t j = 0; j < n; j++)
			{
				/* documented: cut to the token limit on a character boundary; empty is unknown */
				size_t		len = mr_utf8_prefix((const unsigned char *) toks_buf[j], lens_buf[j],
												 MR_MAX_TOKEN_BYTES);
				int32_t		id = len > 0 ? mr_vocab_lookup(m->vocab, toks_buf[j], len) : -1;

				if (id >= 0)
					ids[nk++] = id + 1;
			}
			if (n_known != nk)
				fail("token row known count differs from the reference", NULL);
			want_L = keras_window(ids, nk, T, m->truncating, m->cfg.padding, want);
			free(ids);
		}
		check_row(i, row, L, want, want_L);
	}
}

/* ----------------------------------------------------------------------
 * training rows
 * ---------------------------------------------------------------------- */

/* One training input as the server would pass it */
typedef struct TrainRow
{
	const char *label;
	size_t		label_len;
	const char *text;
	size_t		text_len;
	int64_t		tok_start;		/* tokens mode: its tokens in toks_buf */
	int64_t		n_toks;
} TrainRow;

static int	cmp_width;

/* Order (ids..., class) records */
static int
cmp_record(const void *a, const void *b)
{
	int			r = memcmp(a, b, sizeof(int32_t) * (size_t) cmp_width);

	return r < 0 ? -1 : r > 0;
}

/* Valid UTF-8 without NUL: what a text datum can hold */
static int
server_text(const char *s, size_t len)
{
	return mr_utf8_valid((const unsigned char *) s, len) && memchr(s, 0, len) == NULL;
}

/* Is the sequence of class labels sorted by bytes (shorter first on a tie)? */
static int
labels_sorted(const MrVocab *labels, const int32_t *class_label, int K)
{
	for (int k = 1; k < K; k++)
	{
		size_t		la,
					lb;
		const char *a = mr_vocab_key(labels, class_label[k - 1], &la);
		const char *b = mr_vocab_key(labels, class_label[k], &lb);
		int			c = memcmp(a, b, la < lb ? la : lb);

		if (c > 0 || (c == 0 && la >= lb))
			return 0;
	}
	return 1;
}

/* Lines of the input as training rows; the model must reproduce them */
static void
check_training(const char *data, size_t size)
{
	const MrAllocator *a = &mr_malloc_allocator;
	unsigned char b = size ? (unsigned char) data[size - 1] : 0;
	int			mode = b % 3;	/* 0 word text, 1 char text, 2 tokens */
	int			lowercase = mode < 2 ? (b >> 2) & 1 : 0;
	int			padding = (b >> 3) & 1;
	int			truncating = (b >> 4) & 1;
	int			T = 1 + 2 * (b >> 5);
	int32_t		num_words = (int32_t) (size % 41);
	MrTokenizer tk = {mode == 1 ? MR_TOKENIZER_CHAR : MR_TOKENIZER_WORD, lowercase};
	MrCorpus   *c;
	MrCorpusRows rows;
	MrError		err = {0};
	TrainRow	tr[MAX_ROWS];
	const char *lines[MAX_ROWS];
	size_t		line_lens[MAX_ROWS];
	int64_t		n_lines,
				n_rows = 0,
				n_toks = 0;
	int32_t		V,
				K;

	n_lines = split(data, size, '\n', lines, line_lens, MAX_ROWS);
	c = mr_corpus_new(a, &tk, 256 * 1024);
	if (!c)
		fail("out of memory", NULL);
	for (int64_t i = 0; i < n_lines; i++)
	{
		const char *tab = memchr(lines[i], '\t', line_lens[i]);
		TrainRow   *r = &tr[n_rows];
		MrStatus	st;

		r->label = lines[i];
		r->label_len = tab ? (size_t) (tab - lines[i]) : 0;
		r->text = tab ? tab + 1 : lines[i];
		r->text_len = line_lens[i] - (tab ? r->label_len + 1 : 0);
		if (!server_text(r->label, r->label_len) || !server_text(r->text, r->text_len))
			continue;
		if (mode == 2)
		{
			r->tok_start = n_toks;
			r->n_toks = split(r->text, r->text_len, ' ', toks_buf + n_toks, lens_buf + n_toks,
							  MAX_TOKENS - n_toks);
			n_toks += r->n_toks;
			st = mr_corpus_add_tokens(c, toks_buf + r->tok_start, lens_buf + r->tok_start,
									  r->n_toks, r->label, r->label_len, &err);
		}
		else
			st = mr_corpus_add_text(c, r->text, r->text_len, r->label, r->label_len, &err);
		if (st != MR_OK)
		{
			/* the server raises an error and drops the corpus */
			if (st != MR_EINVAL && st != MR_ELIMIT)
				fail("adding a training row failed", err.detail);
			mr_corpus_free(c);
			return;
		}
		n_rows++;
	}
	if (n_rows == 0 || mr_corpus_rows(c) != n_rows)
	{
		if (mr_corpus_rows(c) != n_rows)
			fail("the corpus lost a row", NULL);
		mr_corpus_free(c);
		return;
	}
	if (mr_corpus_finish(c, num_words, T, padding, truncating, 0, &rows, &err) != MR_OK)
		fail("mr_corpus_finish failed", err.detail);

	/* the rows are in range */
	V = rows.vocab_size;
	K = rows.n_classes;
	if (rows.n != n_rows || K != mr_corpus_n_labels(c) || V < 1 ||
		V > (num_words > 1 ? num_words : 1) || V - 1 > mr_vocab_size(mr_corpus_words(c)))
		fail("the corpus has the wrong shape", NULL);
	if (!labels_sorted(mr_corpus_labels(c), rows.class_label, K))
		fail("the classes are not in label byte order", NULL);
	{
		int64_t		total = 0;

		for (int32_t k = 0; k < K; k++)
			total += rows.class_count[k];
		if (total != rows.n)
			fail("class counts do not add up to the rows", NULL);
	}
	for (int64_t i = 0; i < rows.n; i++)
	{
		int32_t		L = rows.lengths[i];
		int			first = padding == MR_PAD_PRE ? T - L : 0;

		if (L < 0 || L > T || rows.labels[i] < 0 || rows.labels[i] >= K)
			fail("a training row's length or label is out of range", NULL);
		for (int t = 0; t < T; t++)
		{
			int32_t		id = rows.ids[i * T + t];
			int			real = t >= first && t < first + L;

			if (id < 0 || id >= V || (real ? id == 0 : id != 0))
				fail("a training row id is out of range or misplaced", NULL);
		}
	}

	/* the model rnn_train would build must decode and reproduce the rows */
	if (K >= 2)
	{
		MrModel		m;
		MrModel    *d = NULL;
		float	   *params;
		int32_t    *got = malloc(sizeof(int32_t) * (size_t) rows.n * (T + 1));
		int32_t    *exp = malloc(sizeof(int32_t) * (size_t) rows.n * (T + 1));
		int32_t    *ring = malloc(sizeof(int32_t) * (size_t) T);

		if (!got || !exp || !ring)
			fail("out of memory", NULL);
		memset(&m, 0, sizeof(m));
		m.input_kind = mode == 2 ? MR_INPUT_TOKENS : MR_INPUT_TEXT;
		m.tokenizer = mode == 2 ? 0 : tk.kind;
		m.lowercase = mode == 2 ? 0 : lowercase;
		m.truncating = truncating;
		m.positive_class = -1;
		m.cfg = (MrNetConfig) {.vocab_size = V, .embed_dim = 2, .maxlen = T, .padding = padding,
		.n_layers = 1, .hidden = {2}, .n_classes = K};
		params = init_net(&m.net, &m.cfg, size);
		m.params = params;
		m.n_tokens = V - 1;
		m.tokens = malloc(sizeof(char *) * (size_t) V);
		m.token_len = malloc(sizeof(uint32_t) * (size_t) V);
		m.labels = malloc(sizeof(char *) * (size_t) K);
		m.label_len = malloc(sizeof(uint32_t) * (size_t) K);
		if (!m.tokens || !m.token_len || !m.labels || !m.label_len)
			fail("out of memory", NULL);
		for (int32_t w = 0; w < V - 1; w++)
		{
			size_t		l;

			m.tokens[w] = mr_vocab_key(mr_corpus_words(c), rows.word_ids[w], &l);
			m.token_len[w] = (uint32_t) l;
		}
		for (int32_t k = 0; k < K; k++)
		{
			size_t		l;

			m.labels[k] = mr_vocab_key(mr_corpus_labels(c), rows.class_label[k], &l);
			m.label_len[k] = (uint32_t) l;
		}
		if (encode_decode(&m, &d, &err) != MR_OK)
			fail("a model trained on these rows does not decode", err.detail);

		/* each input through the prediction path gives its training row */
		for (int64_t i = 0; i < rows.n; i++)
		{
			int32_t    *g = got + i * (T + 1);
			int32_t    *e = exp + i * (T + 1);

			memcpy(e, rows.ids + i * T, sizeof(int32_t) * (size_t) T);
			e[T] = rows.labels[i];
			if (mode == 2)
				mr_model_tokens_row(d, toks_buf + tr[i].tok_start, lens_buf + tr[i].tok_start,
									tr[i].n_toks, ring, g, NULL);
			else
				mr_model_text_row(d, tr[i].text, tr[i].text_len, ring, g, NULL, NULL);
			g[T] = mr_vocab_lookup(d->label_index, tr[i].label, tr[i].label_len);
		}
		cmp_width = T + 1;
		qsort(got, (size_t) rows.n, sizeof(int32_t) * (size_t) (T + 1), cmp_record);
		qsort(exp, (size_t) rows.n, sizeof(int32_t) * (size_t) (T + 1), cmp_record);
		if (memcmp(got, exp, sizeof(int32_t) * (size_t) rows.n * (T + 1)) != 0)
			fail("predicting a training input does not give its training row", NULL);

		mr_model_free(d, a);
		free(m.tokens);
		free(m.token_len);
		free(m.labels);
		free(m.label_len);
		free(params);
		free(got);
		free(exp);
		free(ring);
	}
	mr_free(a, rows.word_ids);
	mr_free(a, rows.class_label);
	mr_free(a, rows.ids);
	mr_free(a, rows.lengths);
	mr_free(a, rows.labels);
	mr_free(a, rows.class_count);
	mr_corpus_free(c);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!models[0])
	{
		mr_blas_set_threads(1);
		build_models();
	}
	check_prediction((const char *) data, size);
	check_training((const char *) data, size);
	return 0;
}
