/*
 * mr_corpus.c
 *	  Collecting training rows (see mr_corpus.h).
 */
#include "mr_corpus.h"

#include <string.h>

#include "mr_input.h"

struct MrCorpus
{
	MrAllocator a;
	MrTokenizer tk;
	size_t		max_bytes;
	MrVocab    *words;
	MrVocab    *labels;
	int32_t    *tokens;			/* provisional ids of all rows, concatenated */
	size_t		n_tokens;
	size_t		cap_tokens;
	int64_t    *row_end;		/* (rows) end offset of each row in tokens */
	int32_t    *row_label;		/* (rows) label id */
	int64_t		n_rows;
	int64_t		cap_rows;
	MrStatus	st;				/* failure inside a tokenizer callback */
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
	c->words = mr_vocab_new(a, 1024);
	c->labels = mr_vocab_new(a, 16);
	if (!c->words || !c->labels)
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
	if (c->labels)
		mr_vocab_free(c->labels);
	mr_free(&a, c->tokens);
	mr_free(&a, c->row_end);
	mr_free(&a, c->row_label);
	mr_free(&a, c);
}

size_t
mr_corpus_memory(const MrCorpus *c)
{
	return mr_vocab_memory(c->words) + mr_vocab_memory(c->labels) +
		c->cap_tokens * sizeof(int32_t) +
		(size_t) c->cap_rows * (sizeof(int64_t) + sizeof(int32_t));
}

int64_t
mr_corpus_rows(const MrCorpus *c)
{
	return c->n_rows;
}

int32_t
mr_corpus_n_labels(const MrCorpus *c)
{
	return mr_vocab_size(c->labels);
}

const MrVocab *
mr_corpus_words(const MrCorpus *c)
{
	return c->words;
}

const MrVocab *
mr_corpus_labels(const MrCorpus *c)
{
	return c->labels;
}

/* Fail with MR_ELIMIT when the corpus has outgrown its budget */
static MrStatus
check_budget(MrCorpus *c, MrError *err)
{
	if (c->max_bytes > 0 && mr_corpus_memory(c) > c->max_bytes)
		return mr_set_error(err, MR_ELIMIT,
							"The training rows need more than %zu bytes (%lld rows, %zu tokens so far).",
							c->max_bytes, (long long) c->n_rows, c->n_tokens);
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
	int32_t		lab;
	size_t		cap = (size_t) c->cap_rows;

	if (label_len > MR_MAX_LABEL_BYTES)
		return mr_set_error(err, MR_EINVAL, "A label has %zu bytes; the limit is %d.",
							label_len, MR_MAX_LABEL_BYTES);
	if (mr_vocab_lookup(c->labels, label, label_len) < 0 &&
		mr_vocab_size(c->labels) >= MR_MAX_CLASSES)
		return mr_set_error(err, MR_EINVAL, "There are more than %d distinct labels.", MR_MAX_CLASSES);
	lab = mr_vocab_add(c->labels, label, label_len, 0);
	if (lab < 0)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for labels.");
	if (!grow(&c->a, (void **) &c->row_end, &cap, (size_t) c->n_rows + 1, sizeof(int64_t)))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for rows.");
	cap = (size_t) c->cap_rows;
	if (!grow(&c->a, (void **) &c->row_label, &cap, (size_t) c->n_rows + 1, sizeof(int32_t)))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for rows.");
	c->cap_rows = (int64_t) cap;
	c->row_end[c->n_rows] = (int64_t) c->n_tokens;
	c->row_label[c->n_rows] = lab;
	c->n_rows++;
	return check_budget(c, err);
}

/* Add one text row */
MrStatus
mr_corpus_add_text(MrCorpus *c, const char *text, size_t len,
				   const char *label, size_t label_len, MrError *err)
{
	c->st = MR_OK;
	mr_tokenize(&c->tk, text, len, corpus_token, c);
	if (c->st != MR_OK)
		return mr_set_error(err, c->st, "Out of memory for tokens.");
	return end_row(c, label, label_len, err);
}

/* Add one row of pre-split tokens (each cut to MR_MAX_TOKEN_BYTES) */
MrStatus
mr_corpus_add_tokens(MrCorpus *c, const char *const *toks, const size_t *lens,
					 int64_t n, const char *label, size_t label_len, MrError *err)
{
	for (int64_t i = 0; i < n; i++)
		if (add_token(c, toks[i], lens[i] > MR_MAX_TOKEN_BYTES ? MR_MAX_TOKEN_BYTES : lens[i]) != MR_OK)
			return mr_set_error(err, MR_ENOMEM, "Out of memory for tokens.");
	return end_row(c, label, label_len, err);
}

/* Rank words, map rows to final ids, window them; see mr_corpus.h */
MrStatus
mr_corpus_finish(MrCorpus *c, int32_t num_words, int T, int padding,
				 int truncating, MrCorpusRows *out, MrError *err)
{
	const MrAllocator *a = &c->a;
	int32_t		n_words = mr_vocab_size(c->words);
	int32_t		K = mr_vocab_size(c->labels);
	int32_t    *order = NULL;
	int32_t    *final_id = NULL;	/* provisional id -> final id, 0 = dropped */
	int32_t    *label_class = NULL;
	int32_t    *ring = NULL;
	int32_t		kept;
	size_t		cells;

	memset(out, 0, sizeof(*out));
	kept = n_words < num_words - 1 ? n_words : num_words - 1;
	if (kept < 0)
		kept = 0;
	if (!mr_mul_size((size_t) c->n_rows, (size_t) T, &cells))
		return mr_set_error(err, MR_ELIMIT, "Too many rows.");

	order = mr_alloc(a, sizeof(int32_t) * ((size_t) n_words + 1));
	final_id = mr_alloc0(a, sizeof(int32_t) * ((size_t) n_words + 1));
	label_class = mr_alloc(a, sizeof(int32_t) * ((size_t) K + 1));
	ring = mr_alloc(a, sizeof(int32_t) * (size_t) T);
	out->word_ids = mr_alloc(a, sizeof(int32_t) * ((size_t) kept + 1));
	out->class_label = mr_alloc(a, sizeof(int32_t) * ((size_t) K + 1));
	out->class_count = mr_alloc0(a, sizeof(int64_t) * ((size_t) K + 1));
	out->ids = mr_alloc(a, sizeof(int32_t) * (cells ? cells : 1));
	out->lengths = mr_alloc(a, sizeof(int32_t) * ((size_t) c->n_rows + 1));
	out->labels = mr_alloc(a, sizeof(int32_t) * ((size_t) c->n_rows + 1));
	if (!order || !final_id || !label_class || !ring || !out->word_ids ||
		!out->class_label || !out->class_count || !out->ids || !out->lengths || !out->labels)
		goto nomem;

	/* Keras Tokenizer: rank by count, ties first-seen; keep ids < num_words */
	if (mr_vocab_rank_by_count(c->words, order) != MR_OK)
		goto nomem;
	for (int32_t r = 0; r < kept; r++)
	{
		final_id[order[r]] = r + 1;
		out->word_ids[r] = order[r];
	}
	out->vocab_size = kept + 1;

	/* classes in label byte order (sklearn LabelEncoder on the text) */
	if (mr_vocab_sort_by_key(c->labels, out->class_label) != MR_OK)
		goto nomem;
	for (int32_t k = 0; k < K; k++)
		label_class[out->class_label[k]] = k;
	out->n_classes = K;

	for (int64_t i = 0; i < c->n_rows; i++)
	{
		int64_t		start = i > 0 ? c->row_end[i - 1] : 0;
		MrWindow	w;

		mr_window_init(&w, ring, T, truncating);
		for (int64_t j = start; j < c->row_end[i]; j++)
		{
			int32_t		id = final_id[c->tokens[j]];

			if (id > 0)
				mr_window_push(&w, id);
		}
		out->lengths[i] = mr_window_finish(&w, padding, out->ids + (size_t) i * T);
		out->labels[i] = label_class[c->row_label[i]];
		out->class_count[out->labels[i]]++;
	}
	out->n = c->n_rows;

	mr_free(a, order);
	mr_free(a, final_id);
	mr_free(a, label_class);
	mr_free(a, ring);
	/* the provisional token lists are no longer needed */
	mr_free(a, c->tokens);
	c->tokens = NULL;
	c->cap_tokens = 0;
	return MR_OK;

nomem:
	mr_free(a, order);
	mr_free(a, final_id);
	mr_free(a, label_class);
	mr_free(a, ring);
	mr_free(a, out->word_ids);
	mr_free(a, out->class_label);
	mr_free(a, out->class_count);
	mr_free(a, out->ids);
	mr_free(a, out->lengths);
	mr_free(a, out->labels);
	memset(out, 0, sizeof(*out));
	return mr_set_error(err, MR_ENOMEM, "Out of memory while building the training rows.");
}
