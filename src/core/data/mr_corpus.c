/*
 * mr_corpus.c
 *	  Collecting training rows (see mr_corpus.h).
 */
#include "mr_corpus.h"

#include <string.h>

#include "mr_rows.h"
#include "mr_smiles.h"
#include "mr_sort.h"
#include "mr_utf8.h"
#include "mr_window.h"

struct MrCorpus
{
	MrAllocator a;
	MrTokenizer tk;
	size_t		max_bytes;
	MrVocab    *words;
	int32_t    *tokens;			/* provisional ids of all rows, concatenated */
	size_t		n_tokens;
	size_t		cap_tokens;
	MrRows		rows;			/* labels, hashes, where each row's tokens end;
								 * variants count one row each */
	uint64_t	hash;			/* running hash of the current row */
	MrStatus	st;				/* failure inside a tokenizer callback */
	/* SMILES variants: each text row becomes `variants` consecutive rows */
	int32_t		variants;		/* 1 = none */
	uint64_t	variant_seed;
	int64_t		not_rewritten;	/* texts kept as written: not read as SMILES */
	char	   *rewrite;		/* scratch for one rewrite */
	size_t		rewrite_cap;
	/* fine-tuning: the base model's vocabulary (token -> id - 1), or NULL */
	const MrVocab *fixed_vocab;
	int32_t		fixed_size;
	int64_t		unknown_tokens; /* occurrences outside it */
};

MrCorpus *
mr_corpus_new(const MrAllocator *a, const MrTokenizer *tk, size_t max_bytes)
{
	MrCorpus   *c = mr_alloc0(a, sizeof(MrCorpus));

	if (!c)
		return NULL;
	c->a = *a;
	c->tk = *tk;
	c->max_bytes = max_bytes;
	c->hash = MR_ROWS_HASH_START;
	c->variants = 1;
	c->words = mr_vocab_new(a, 1024);
	if (!c->words || mr_rows_init(&c->rows, a) != MR_OK)
	{
		mr_corpus_free(c);
		return NULL;
	}
	return c;
}

void
mr_corpus_free(MrCorpus *c)
{
	MrAllocator a;

	if (!c)
		return;
	a = c->a;
	if (c->words)
		mr_vocab_free(c->words);
	mr_rows_free(&c->rows);
	mr_free(&a, c->tokens);
	mr_free(&a, c->rewrite);
	mr_free(&a, c);
}

size_t
mr_corpus_memory(const MrCorpus *c)
{
	return mr_vocab_memory(c->words) + mr_rows_memory(&c->rows) + c->cap_tokens * sizeof(int32_t);
}

int64_t
mr_corpus_rows(const MrCorpus *c)
{
	return c->rows.n / c->variants;
}

void
mr_corpus_set_smiles_variants(MrCorpus *c, int32_t variants, uint64_t seed)
{
	if (!c)
		return;
	c->variants = variants > 1 ? variants : 1;
	c->variant_seed = seed;
}

/* Labels are encoded targets; see mr_corpus.h */
void
mr_corpus_set_targets(MrCorpus *c)
{
	mr_rows_set_targets(&c->rows);
}

int64_t
mr_corpus_not_rewritten(const MrCorpus *c)
{
	return c->not_rewritten;
}

int32_t
mr_corpus_n_labels(const MrCorpus *c)
{
	return mr_vocab_size(c->rows.labels);
}

const MrVocab *
mr_corpus_words(const MrCorpus *c)
{
	return c->words;
}

const MrVocab *
mr_corpus_labels(const MrCorpus *c)
{
	return c->rows.labels;
}

/* Fail with MR_ELIMIT when the corpus has outgrown its budget */
static MrStatus
check_budget(MrCorpus *c, MrError *err)
{
	if (c->max_bytes > 0 && mr_corpus_memory(c) > c->max_bytes)
		return mr_set_error(err, MR_ELIMIT,
							"The training rows need more than %zu bytes (%lld rows, %zu tokens so far).",
							c->max_bytes, (long long) c->rows.n, c->n_tokens);
	return MR_OK;
}

/* Grow a buffer to hold at least need elements of size elem (doubling) */
static int
grow(const MrAllocator *a, void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t		ncap = *cap ? *cap : 1024;
	size_t		bytes;
	void	   *nb;

	if (need <= *cap)
		return 1;
	while (ncap < need)
		if (!mr_mul_size(ncap, 2, &ncap))
			return 0;
	if (!mr_mul_size(ncap, elem, &bytes))
		return 0;
	nb = mr_alloc(a, bytes);
	if (!nb)
		return 0;
	if (*cap)
		memcpy(nb, *buf, *cap * elem);
	mr_free(a, *buf);
	*buf = nb;
	*cap = ncap;
	return 1;
}

/* Intern one token of the current row */
static MrStatus
add_token(MrCorpus *c, const char *tok, size_t len)
{
	int32_t		id = mr_vocab_add(c->words, tok, len, 0);

	if (id < 0 ||
		!grow(&c->a, (void **) &c->tokens, &c->cap_tokens, c->n_tokens + 1, sizeof(int32_t)))
		return MR_ENOMEM;
	c->tokens[c->n_tokens++] = id;
	/* the length first, so token boundaries are part of the hash */
	c->hash = mr_rows_hash(c->hash, &len, sizeof(len));
	c->hash = mr_rows_hash(c->hash, tok, len);
	return MR_OK;
}

static int
corpus_token(const char *tok, size_t len, void *arg)
{
	MrCorpus   *c = arg;

	c->st = add_token(c, tok, len);
	return c->st != MR_OK;
}

/* Close the current row with its label */
static MrStatus
end_row(MrCorpus *c, const char *label, size_t label_len, MrError *err)
{
	MrStatus	st = mr_rows_add(&c->rows, (int64_t) c->n_tokens, c->hash, label, label_len, err);

	c->hash = MR_ROWS_HASH_START;
	return st != MR_OK ? st : check_budget(c, err);
}

/* Tokenize one text as one provisional row */
static MrStatus
add_text_row(MrCorpus *c, const char *text, size_t len,
			 const char *label, size_t label_len, MrError *err)
{
	c->st = MR_OK;
	mr_tokenize(&c->tk, text, len, corpus_token, c);
	if (c->st != MR_OK)
		return mr_set_error(err, c->st, "Out of memory for tokens.");
	return end_row(c, label, label_len, err);
}

/*
 * Add one text row; with SMILES variants, the text as written and then
 * variants - 1 random rewrites of it (or the text again, if it is not read
 * as SMILES).  The rewrites are drawn from the text and the seed alone, so
 * equal rows get equal variants whatever order the table gives them.
 */
MrStatus
mr_corpus_add_text(MrCorpus *c, const char *text, size_t len,
				   const char *label, size_t label_len, MrError *err)
{
	MrSmiles   *mol = NULL;
	MrStatus	st = add_text_row(c, text, len, label, label_len, err);
	MrRng		rng;

	if (st != MR_OK || c->variants == 1)
		return st;
	st = mr_smiles_parse(text, len, &c->a, &mol);
	if (st == MR_ENOMEM)
		return mr_set_error(err, st, "Out of memory for a molecule.");
	if (st == MR_OK &&
		!grow(&c->a, (void **) &c->rewrite, &c->rewrite_cap, mr_smiles_max_length(mol), 1))
	{
		mr_smiles_free(mol, &c->a);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a molecule.");
	}
	if (!mol)
		c->not_rewritten++;
	mr_smiles_seed_rng(&rng, text, len, c->variant_seed);
	st = MR_OK;
	for (int32_t v = 1; v < c->variants && st == MR_OK; v++)
	{
		size_t		n = mol ? mr_smiles_write_random(mol, &rng, c->rewrite, NULL) : 0;

		st = n > 0 ? add_text_row(c, c->rewrite, n, label, label_len, err) :
			add_text_row(c, text, len, label, label_len, err);
	}
	mr_smiles_free(mol, &c->a);
	return st;
}

/*
 * Add one row of pre-split tokens, each cut to MR_MAX_TOKEN_BYTES on a
 * character boundary; empty tokens are skipped
 */
MrStatus
mr_corpus_add_tokens(MrCorpus *c, const char *const *toks, const size_t *lens,
					 int64_t n, const char *label, size_t label_len, MrError *err)
{
	MrStatus	st = MR_OK;

	/* tokens are not rewritten: every variant is the row itself */
	for (int32_t v = 0; v < c->variants && st == MR_OK; v++)
	{
		for (int64_t i = 0; i < n; i++)
		{
			size_t		len = mr_utf8_prefix((const unsigned char *) toks[i], lens[i], MR_MAX_TOKEN_BYTES);

			/* an empty token is nothing to embed, like a missing one */
			if (len == 0)
				continue;
			if (add_token(c, toks[i], len) != MR_OK)
				return mr_set_error(err, MR_ENOMEM, "Out of memory for tokens.");
		}
		st = end_row(c, label, label_len, err);
	}
	return st;
}

/* Compare two provisional word ids by their text */
static int
word_cmp(const MrCorpus *c, int32_t a, int32_t b)
{
	size_t		la,
				lb;
	const char *ka,
			   *kb;
	int			r;

	if (a == b)
		return 0;
	ka = mr_vocab_key(c->words, a, &la);
	kb = mr_vocab_key(c->words, b, &lb);
	r = memcmp(ka, kb, la < lb ? la : lb);
	return r != 0 ? r : (la < lb ? -1 : la > lb);
}

/* Two rows' tokens by their text (hashes and labels are compared by mr_rows) */
static int
tokens_cmp(int64_t a, int64_t b, void *arg)
{
	const MrCorpus *c = arg;
	int64_t		ia = mr_rows_start(&c->rows, a),
				ib = mr_rows_start(&c->rows, b);
	int64_t		ea = c->rows.end[a],
				eb = c->rows.end[b];

	for (; ia < ea && ib < eb; ia++, ib++)
	{
		int			r = word_cmp(c, c->tokens[ia], c->tokens[ib]);

		if (r != 0)
			return r;
	}
	return (ia < ea) - (ib < eb);
}

/* What ranking words needs: the corpus and each word's first position */
typedef struct WordRank
{
	const MrCorpus *c;
	const int64_t *first_pos;
} WordRank;

/* mr_sort order of word ids: count descending, then first position */
static int
word_rank_cmp(const void *pa, const void *pb, void *arg)
{
	const WordRank *wr = arg;
	int32_t		a = *(const int32_t *) pa,
				b = *(const int32_t *) pb;
	int64_t		ca = mr_vocab_count(wr->c->words, a),
				cb = mr_vocab_count(wr->c->words, b);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return (wr->first_pos[a] > wr->first_pos[b]) - (wr->first_pos[a] < wr->first_pos[b]);
}

/*
 * Rank words, order rows, map them to final ids and window them; see
 * mr_corpus.h.
 *
 * Rows are put in a canonical order (by content) first, so the model
 * depends on the set of rows and not on the order a table happens to
 * store them in: VACUUM FULL or a dump and restore change that order.
 * Keras' "first seen" tie-break between equally frequent words is then
 * taken in this canonical order.
 */
MrStatus
mr_corpus_finish(MrCorpus *c, int32_t num_words, int T, int padding,
				 int truncating, int compact, MrCorpusRows *out, MrError *err)
{
	const MrAllocator *a = &c->a;
	int32_t		n_words = mr_vocab_size(c->words);
	int32_t		K = mr_vocab_size(c->rows.labels);
	int32_t		V = c->variants;
	int64_t		n = c->rows.n / V;	/* rows, each with V variants */
	int64_t    *row_order = NULL,
			   *first_pos = NULL;
	int32_t    *order = NULL,
			   *word_tmp = NULL;
	int32_t    *final_id = NULL;	/* provisional id -> final id, 0 = dropped */
	int32_t    *label_class = NULL;
	int32_t    *ring = NULL,
			   *window = NULL;	/* one windowed row, when stored compact */
	int32_t		kept,
				stride = T;
	MrStatus	st;
	int64_t		pos = 0;
	size_t		cells;

	memset(out, 0, sizeof(*out));
	kept = n_words < num_words - 1 ? n_words : num_words - 1;
	if (kept < 0)
		kept = 0;
	if (compact && padding != MR_PAD_POST)
		return mr_set_error(err, MR_EINVAL, "Compact rows keep their real steps first (post padding).");

	row_order = mr_alloc(a, sizeof(int64_t) * ((size_t) n + 1));
	first_pos = mr_alloc(a, sizeof(int64_t) * ((size_t) n_words + 1));
	order = mr_alloc(a, sizeof(int32_t) * ((size_t) n_words + 1));
	word_tmp = mr_alloc(a, sizeof(int32_t) * ((size_t) n_words + 1));
	final_id = mr_alloc0(a, sizeof(int32_t) * ((size_t) n_words + 1));
	label_class = mr_alloc(a, sizeof(int32_t) * ((size_t) K + 1));
	ring = mr_alloc(a, sizeof(int32_t) * (size_t) T);
	window = compact ? mr_alloc(a, sizeof(int32_t) * (size_t) T) : NULL;
	out->word_ids = mr_alloc(a, sizeof(int32_t) * ((size_t) kept + 1));
	out->class_label = mr_alloc(a, sizeof(int32_t) * ((size_t) K + 1));
	out->class_count = mr_alloc0(a, sizeof(int64_t) * ((size_t) K + 1));
	out->lengths = mr_alloc(a, sizeof(int32_t) * ((size_t) c->rows.n + 1));
	out->labels = mr_alloc(a, sizeof(int32_t) * ((size_t) n + 1));
	if (!row_order || !first_pos || !order || !word_tmp || !final_id ||
		!label_class || !ring || (compact && !window) || !out->word_ids || !out->class_label ||
		!out->class_count || !out->lengths || !out->labels)
		goto nomem;

	/* canonical row order, and each word's first position in it */
	if (mr_rows_order(&c->rows, V, tokens_cmp, c, row_order, a) != MR_OK)
		goto nomem;
	for (int32_t w = 0; w < n_words; w++)
	{
		first_pos[w] = INT64_MAX;
		order[w] = w;
	}
	for (int64_t i = 0; i < n * V; i++)
	{
		int64_t		r = row_order[i / V] * V + i % V;

		for (int64_t j = mr_rows_start(&c->rows, r); j < c->rows.end[r]; j++, pos++)
			if (first_pos[c->tokens[j]] == INT64_MAX)
				first_pos[c->tokens[j]] = pos;
	}

	/* Keras Tokenizer: rank by count, ties first-seen; keep ids < num_words */
	{
		WordRank	wr = {c, first_pos};

		mr_sort_with(order, word_tmp, (size_t) n_words, sizeof(int32_t), word_rank_cmp, &wr);
	}
	for (int32_t r = 0; r < kept; r++)
	{
		final_id[order[r]] = r + 1;
		out->word_ids[r] = order[r];
	}
	out->vocab_size = kept + 1;
	if (c->fixed_vocab)
	{
		/* the base model's ids; words it does not know are left out */
		for (int32_t w = 0; w < n_words; w++)
		{
			size_t		l;
			const char *key = mr_vocab_key(c->words, w, &l);
			int32_t		id = mr_vocab_lookup(c->fixed_vocab, key, l);

			final_id[w] = id >= 0 ? id + 1 : 0;
			if (id < 0)
				c->unknown_tokens += mr_vocab_count(c->words, w);
		}
		out->vocab_size = c->fixed_size;
		for (int32_t r = 0; r < kept; r++)
			out->word_ids[r] = -1;
	}

	/* classes in label byte order (sklearn LabelEncoder on the text) */
	if (mr_rows_classes(&c->rows, out->class_label, label_class) != MR_OK)
		goto nomem;
	out->n_classes = K;

	/* compact rows: as many steps as the longest windowed row (at least 1) */
	if (compact)
	{
		stride = 1;
		for (int64_t r = 0; r < c->rows.n; r++)
		{
			int64_t		known = 0;

			for (int64_t j = mr_rows_start(&c->rows, r); j < c->rows.end[r] && known < T; j++)
				known += final_id[c->tokens[j]] > 0;
			if (known > stride)
				stride = (int32_t) known;
		}
	}
	if (!mr_mul_size((size_t) c->rows.n, (size_t) stride, &cells))
	{
		st = mr_set_error(err, MR_ELIMIT, "Too many rows.");
		goto fail;
	}
	out->T = stride;
	out->ids = mr_alloc(a, sizeof(int32_t) * (cells ? cells : 1));
	if (!out->ids)
		goto nomem;

	for (int64_t i = 0; i < n * V; i++)
	{
		int64_t		r = row_order[i / V] * V + i % V;
		int64_t		start = mr_rows_start(&c->rows, r);
		MrWindow	w;

		mr_window_init(&w, ring, T, truncating);
		for (int64_t j = start; j < c->rows.end[r]; j++)
		{
			int32_t		id = final_id[c->tokens[j]];

			if (id > 0)
				mr_window_push(&w, id);
		}
		if (compact)
		{
			out->lengths[i] = mr_window_finish(&w, padding, window);
			memcpy(out->ids + (size_t) i * stride, window, sizeof(int32_t) * (size_t) stride);
		}
		else
			out->lengths[i] = mr_window_finish(&w, padding, out->ids + (size_t) i * T);
		if (i % V == 0)
		{
			out->labels[i / V] = label_class[c->rows.label[r]];
			out->class_count[out->labels[i / V]]++;
		}
	}
	out->n = n;
	out->variants = V;

	mr_free(a, row_order);
	mr_free(a, first_pos);
	mr_free(a, order);
	mr_free(a, word_tmp);
	mr_free(a, final_id);
	mr_free(a, label_class);
	mr_free(a, ring);
	mr_free(a, window);
	/* the provisional token lists are no longer needed */
	mr_free(a, c->tokens);
	c->tokens = NULL;
	c->cap_tokens = 0;
	return MR_OK;

nomem:
	st = mr_set_error(err, MR_ENOMEM, "Out of memory while building the training rows.");
fail:
	mr_free(a, row_order);
	mr_free(a, first_pos);
	mr_free(a, order);
	mr_free(a, word_tmp);
	mr_free(a, final_id);
	mr_free(a, label_class);
	mr_free(a, ring);
	mr_free(a, window);
	mr_free(a, out->word_ids);
	mr_free(a, out->class_label);
	mr_free(a, out->class_count);
	mr_free(a, out->ids);
	mr_free(a, out->lengths);
	mr_free(a, out->labels);
	memset(out, 0, sizeof(*out));
	return st;
}

/* Use a fixed vocabulary; see mr_corpus.h */
void
mr_corpus_set_vocab(MrCorpus *c, const MrVocab *vocab, int32_t vocab_size)
{
	c->fixed_vocab = vocab;
	c->fixed_size = vocab_size;
}

int64_t
mr_corpus_unknown_tokens(const MrCorpus *c)
{
	return c->unknown_tokens;
}

/* Free the finished rows; see mr_corpus.h */
void
mr_corpus_rows_free(MrCorpusRows *rows, const MrAllocator *a)
{
	mr_free(a, rows->word_ids);
	mr_free(a, rows->class_label);
	mr_free(a, rows->ids);
	mr_free(a, rows->lengths);
	mr_free(a, rows->labels);
	mr_free(a, rows->class_count);
	memset(rows, 0, sizeof(*rows));
}
