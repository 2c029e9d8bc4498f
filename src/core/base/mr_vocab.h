/*
 * mr_vocab.h
 *	  A string interning table: token (or label) -> dense id, with counts.
 *
 * Training adds every token occurrence (ids in first-seen order) and then
 * ranks them Keras-style; a decoded model fills one with its vocabulary in
 * rank order and only looks tokens up.  Open addressing with linear probing,
 * keys copied into an arena, so lookups allocate nothing.
 */
#ifndef MR_VOCAB_H
#define MR_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"

typedef struct MrVocab MrVocab;

/* New empty table sized for about expected keys; NULL on ENOMEM */
MrVocab    *mr_vocab_new(const MrAllocator *a, size_t expected);
void		mr_vocab_free(MrVocab *v);

/*
 * Count one occurrence of key; add it first if new.  Returns its id
 * (0, 1, 2 ... in first-seen order), or -1 if out of memory or if the table
 * already holds max_keys keys (max_keys <= 0 means no limit).
 */
int32_t		mr_vocab_add(MrVocab *v, const char *key, size_t len, int32_t max_keys);

/* Id of key, or -1 if absent */
int32_t		mr_vocab_lookup(const MrVocab *v, const char *key, size_t len);

int32_t		mr_vocab_size(const MrVocab *v);
/* Key of id (not NUL-terminated) and its length */
const char *mr_vocab_key(const MrVocab *v, int32_t id, size_t *len);
/* Occurrences counted for id */
int64_t		mr_vocab_count(const MrVocab *v, int32_t id);

/*
 * Keras Tokenizer order: order[r] = id of rank r (0-based), by descending
 * count, ties in first-seen order (a stable sort).  order has size() slots.
 */
MrStatus	mr_vocab_rank_by_count(const MrVocab *v, int32_t *order);

/* Ids sorted by key bytes (memcmp, shorter first on a tie) - label order */
MrStatus	mr_vocab_sort_by_key(const MrVocab *v, int32_t *order);

/* Bytes of memory the table holds (for memory budgets) */
size_t		mr_vocab_memory(const MrVocab *v);

#endif							/* MR_VOCAB_H */
