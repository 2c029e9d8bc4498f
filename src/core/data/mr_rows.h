/*
 * mr_rows.h
 *	  What every training corpus keeps of its rows, whatever their content
 *	  (tokens, or measurements): each row's label, the hash of its content
 *	  and label, and where its content ends in the corpus's own arrays; and
 *	  what is made from them once every row is in: the canonical order of
 *	  the rows and the classes.
 *
 * The canonical order puts rows by content (hash, then label bytes, then
 * the content itself, compared by the corpus), so a model depends on the
 * set of rows and not on the order a table stores them in (VACUUM FULL or
 * a dump and restore change that order).  Rows that compare equal are
 * identical, so any order among them trains the same.  Classes are the
 * distinct labels in byte order (scikit-learn's LabelEncoder on the text).
 */
#ifndef MR_ROWS_H
#define MR_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"
#include "mr_vocab.h"

/* Where a row's hash starts (FNV-1a's offset basis) */
#define MR_ROWS_HASH_START 0xcbf29ce484222325ULL

typedef struct MrRows
{
	MrAllocator a;
	MrVocab    *labels;			/* distinct labels, ids in first-seen order */
	int64_t		n;				/* rows */
	int64_t		cap;
	int64_t    *end;			/* (n) end of each row's content in its corpus */
	int32_t    *label;			/* (n) label id */
	uint64_t   *hash;			/* (n) of the content and the label */
	int			targets;		/* labels are encoded targets (mr_rows_set_targets) */
} MrRows;

/*
 * Labels longer than a class label may be, and as many distinct ones as
 * rows: the encoded targets of regression and multi-label rows (mr_fit.c),
 * whose distinct values are not classes.  Call before adding rows.
 */
#define MR_MAX_TARGET_BYTES (1024 * 1024)
static inline void
mr_rows_set_targets(MrRows *r)
{
	r->targets = 1;
}

/* FNV-1a over bytes, continuing from h: row hashes only order rows */
uint64_t	mr_rows_hash(uint64_t h, const void *p, size_t len);

MrStatus	mr_rows_init(MrRows *r, const MrAllocator *a);
void		mr_rows_free(MrRows *r);

/*
 * Close a row: its content ends at end and hashes to content_hash; its
 * label is checked (at most MR_MAX_LABEL_BYTES, at most MR_MAX_CLASSES
 * distinct labels, or with targets MR_MAX_TARGET_BYTES and no count
 * limit: MR_EINVAL) and interned
 */
MrStatus	mr_rows_add(MrRows *r, int64_t end, uint64_t content_hash,
						const char *label, size_t label_len, MrError *err);

/* Where row i's content starts */
static inline int64_t
mr_rows_start(const MrRows *r, int64_t i)
{
	return i > 0 ? r->end[i - 1] : 0;
}

/* Bytes the rows hold (for memory budgets) */
size_t		mr_rows_memory(const MrRows *r);

/* How a corpus compares the content of two rows (< 0, 0, > 0) */
typedef int (*MrRowContentCmp) (int64_t a, int64_t b, void *arg);

/*
 * The canonical order of the rows, in groups of group consecutive rows
 * (the variants of one row, which sort together: by the first, then the
 * next): order[0..n / group) gets the groups' indices.  Scratch from a.
 */
MrStatus	mr_rows_order(const MrRows *r, int64_t group, MrRowContentCmp content_cmp, void *arg,
						  int64_t *order, const MrAllocator *a);

/*
 * The classes: class_label[k] (K slots) the label id of class k, labels in
 * byte order; label_class[id] (one slot per label) the class of a label id
 */
MrStatus	mr_rows_classes(const MrRows *r, int32_t *class_label, int32_t *label_class);

#endif							/* MR_ROWS_H */
