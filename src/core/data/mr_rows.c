/*
 * mr_rows.c
 *	  The rows of a training corpus: labels, hashes, canonical order and
 *	  classes (see mr_rows.h).
 */
#include "mr_rows.h"

#include <string.h>

#include "mr_sort.h"

/* FNV-1a over bytes, continuing from h */
uint64_t
mr_rows_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++)
	{
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Empty rows whose arrays come from a */
MrStatus
mr_rows_init(MrRows *r, const MrAllocator *a)
{
	memset(r, 0, sizeof(*r));
	r->a = *a;
	r->labels = mr_vocab_new(&r->a, 16);
	return r->labels ? MR_OK : MR_ENOMEM;
}

void
mr_rows_free(MrRows *r)
{
	if (r->labels)
		mr_vocab_free(r->labels);
	mr_free(&r->a, r->end);
	mr_free(&r->a, r->label);
	mr_free(&r->a, r->hash);
	memset(r, 0, sizeof(*r));
}

/* Grow an array of n elements to cap */
static int
resize(const MrAllocator *a, void **buf, int64_t n, int64_t cap, size_t elem)
{
	size_t		bytes;
	void	   *nb;

	if (!mr_mul_size((size_t) cap, elem, &bytes) || !(nb = mr_alloc(a, bytes)))
		return 0;
	if (n)
		memcpy(nb, *buf, (size_t) n * elem);
	mr_free(a, *buf);
	*buf = nb;
	return 1;
}

/* Close a row; see mr_rows.h */
MrStatus
mr_rows_add(MrRows *r, int64_t end, uint64_t content_hash, const char *label, size_t label_len,
			MrError *err)
{
	int32_t		lab;
	size_t		max_bytes = r->targets ? MR_MAX_TARGET_BYTES : MR_MAX_LABEL_BYTES;

	if (label_len > max_bytes)
		return mr_set_error(err, MR_EINVAL, "A label has %zu bytes; the limit is %zu.",
							label_len, max_bytes);
	if (!r->targets && mr_vocab_lookup(r->labels, label, label_len) < 0 &&
		mr_vocab_size(r->labels) >= MR_MAX_CLASSES)
		return mr_set_error(err, MR_EINVAL, "There are more than %d distinct labels.", MR_MAX_CLASSES);
	if (r->n == r->cap)
	{
		int64_t		cap = r->cap ? 2 * r->cap : 1024;

		if (!resize(&r->a, (void **) &r->end, r->n, cap, sizeof(int64_t)) ||
			!resize(&r->a, (void **) &r->label, r->n, cap, sizeof(int32_t)) ||
			!resize(&r->a, (void **) &r->hash, r->n, cap, sizeof(uint64_t)))
			return mr_set_error(err, MR_ENOMEM, "Out of memory for rows.");
		r->cap = cap;
	}
	lab = mr_vocab_add(r->labels, label, label_len, 0);
	if (lab < 0)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for labels.");
	r->end[r->n] = end;
	r->label[r->n] = lab;
	/* the label goes into the hash too, after a separator */
	r->hash[r->n] = mr_rows_hash(content_hash ^ 0x9e3779b97f4a7c15ULL, label, label_len);
	r->n++;
	return MR_OK;
}

/* Bytes held; see mr_rows.h */
size_t
mr_rows_memory(const MrRows *r)
{
	return mr_vocab_memory(r->labels) + (size_t) r->cap * (2 * sizeof(int64_t) + sizeof(int32_t));
}

/* Two byte strings: memcmp, shorter first on a tie */
static int
bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int			c = memcmp(a, b, la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* Two rows: hash, label bytes, then content */
static int
row_cmp(const MrRows *r, int64_t a, int64_t b, MrRowContentCmp content_cmp, void *arg)
{
	if (r->hash[a] != r->hash[b])
		return r->hash[a] < r->hash[b] ? -1 : 1;
	if (r->label[a] != r->label[b])
	{
		size_t		la,
					lb;
		const char *ka = mr_vocab_key(r->labels, r->label[a], &la);
		const char *kb = mr_vocab_key(r->labels, r->label[b], &lb);
		int			c = bytes_cmp(ka, la, kb, lb);

		if (c != 0)
			return c;
	}
	return content_cmp(a, b, arg);
}

typedef struct OrderArgs
{
	const MrRows *r;
	int64_t		group;
	MrRowContentCmp content_cmp;
	void	   *arg;
} OrderArgs;

/* mr_sort order of group indices: by their first row, then the next */
static int
group_cmp(const void *pa, const void *pb, void *arg)
{
	const OrderArgs *o = arg;
	int64_t		a = *(const int64_t *) pa,
				b = *(const int64_t *) pb;

	for (int64_t v = 0; v < o->group; v++)
	{
		int			c = row_cmp(o->r, a * o->group + v, b * o->group + v, o->content_cmp, o->arg);

		if (c != 0)
			return c;
	}
	return 0;
}

/* The canonical order; see mr_rows.h */
MrStatus
mr_rows_order(const MrRows *r, int64_t group, MrRowContentCmp content_cmp, void *arg,
			  int64_t *order, const MrAllocator *a)
{
	OrderArgs	o = {r, group, content_cmp, arg};
	int64_t		n = r->n / group;

	for (int64_t i = 0; i < n; i++)
		order[i] = i;
	return mr_sort(order, (size_t) n, sizeof(int64_t), group_cmp, &o, a);
}

/* The classes; see mr_rows.h */
MrStatus
mr_rows_classes(const MrRows *r, int32_t *class_label, int32_t *label_class)
{
	int32_t		K = mr_vocab_size(r->labels);

	if (mr_vocab_sort_by_key(r->labels, class_label) != MR_OK)
		return MR_ENOMEM;
	for (int32_t k = 0; k < K; k++)
		label_class[class_label[k]] = k;
	return MR_OK;
}
