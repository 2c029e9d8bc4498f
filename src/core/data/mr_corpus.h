/*
 * mr_corpus.h
 *	  Training rows as they are read: tokens interned and counted, labels
 *	  collected, then turned into padded id rows once the vocabulary is
 *	  known.
 *
 * Keras fits its Tokenizer on all training texts before any text becomes
 * ids, and keeps the num_words - 1 most frequent words (ties in first-seen
 * order).  So each row is stored as provisional ids (first-seen order) of
 * all its tokens; mr_corpus_finish puts the rows in a canonical order (by
 * content, so the model does not depend on how a table stores its rows),
 * ranks the words, maps provisional ids to final ones (dropping the rest),
 * and windows every row to T steps.
 * Memory is 4 bytes per token plus the distinct words, checked against a
 * budget as rows arrive.
 */
#ifndef MR_CORPUS_H
#define MR_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"
#include "mr_tokenize.h"
#include "mr_vocab.h"

typedef struct MrCorpus MrCorpus;

/* The training rows, ready for mr_train */
typedef struct MrCorpusRows
{
	int64_t		n;				/* rows */
	int32_t		vocab_size;		/* V = kept words + 1 (id 0 = padding) */
	int32_t    *word_ids;		/* (V - 1) provisional id of final id 1.. */
	int32_t		n_classes;		/* K */
	int32_t    *class_label;	/* (K) label id (mr_corpus_labels) of class k, sorted by bytes */
	int32_t		variants;		/* V: SMILES variants per row (1 = none) */
	int32_t		T;				/* steps stored per row: T, or the longest (compact) */
	int32_t    *ids;			/* (n, V, T), rows in canonical order */
	int32_t    *lengths;		/* (n, V) */
	int32_t    *labels;			/* (n) class of each row */
	int64_t    *class_count;	/* (K) rows per class */
} MrCorpusRows;

/* A corpus that may hold at most max_bytes (0 = no limit) */
MrCorpus   *mr_corpus_new(const MrAllocator *a, const MrTokenizer *tk, size_t max_bytes);
void		mr_corpus_free(MrCorpus *c);

/*
 * Store every text row as itself and variants - 1 random rewrites of it as
 * SMILES (mr_smiles.h), drawn from the text and seed; call before adding
 * rows.  Texts not read as SMILES are repeated as written.
 */
void		mr_corpus_set_smiles_variants(MrCorpus *c, int32_t variants, uint64_t seed);
/* Labels are encoded targets (mr_rows_set_targets); call before adding rows */
void		mr_corpus_set_targets(MrCorpus *c);

/* Text rows kept as written because they were not read as SMILES */
int64_t		mr_corpus_not_rewritten(const MrCorpus *c);

/* Add one row: a text to tokenize, and its label (UTF-8 bytes) */
MrStatus	mr_corpus_add_text(MrCorpus *c, const char *text, size_t len,
							   const char *label, size_t label_len, MrError *err);

/* Add one row of pre-split tokens */
MrStatus	mr_corpus_add_tokens(MrCorpus *c, const char *const *toks, const size_t *lens,
								 int64_t n, const char *label, size_t label_len,
								 MrError *err);

int64_t		mr_corpus_rows(const MrCorpus *c);
int32_t		mr_corpus_n_labels(const MrCorpus *c);
/* The distinct words and labels seen so far (first-seen ids) */
const MrVocab *mr_corpus_words(const MrCorpus *c);
const MrVocab *mr_corpus_labels(const MrCorpus *c);
/* Bytes held so far */
size_t		mr_corpus_memory(const MrCorpus *c);

/*
 * Order the rows canonically, rank the words, keep the num_words - 1 most
 * frequent, and window every row to T steps.  With compact (padding must be
 * post) a row is stored with only as many steps as the longest windowed
 * row has (out->T), which is all a masked network reads: generous maxlens
 * cost no memory.  The provisional token lists are released.
 */
MrStatus	mr_corpus_finish(MrCorpus *c, int32_t num_words, int T, int padding,
							 int truncating, int compact, MrCorpusRows *out, MrError *err);

/*
 * Fine-tuning: mr_corpus_finish maps words through vocab (a decoded
 * model's: token -> id - 1) instead of ranking them, and the rows' ids are
 * the base model's (vocab_size of them, padding included; word_ids is not
 * filled).  Words it does not know are left out, as at prediction, and
 * counted (mr_corpus_unknown_tokens).  vocab must outlive the corpus.
 */
void		mr_corpus_set_vocab(MrCorpus *c, const MrVocab *vocab, int32_t vocab_size);
/* Token occurrences a fixed vocabulary did not know (after mr_corpus_finish) */
int64_t		mr_corpus_unknown_tokens(const MrCorpus *c);

/* Free what mr_corpus_finish allocated */
void		mr_corpus_rows_free(MrCorpusRows *rows, const MrAllocator *a);

#endif							/* MR_CORPUS_H */
