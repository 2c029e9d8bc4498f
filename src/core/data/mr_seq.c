/*
 * mr_seq.c
 *	  The rnnseq value: its layout, the checker of stored values, and the
 *	  builder that makes canonical values (see mr_seq.h).  Times are in
 *	  mr_seq_time.c, the text form in mr_seq_text.c, the binary forms in
 *	  mr_seq_wire.c.
 */
#include "mr_seq.h"

#include <math.h>
#include <string.h>

#include "mr_sort.h"

static const char *const kind_names[] = {"empty", "tokens", "timed_tokens", "measurements"};
static const char *const time_names[] = {NULL, "number", "timestamp"};

const char *
mr_seq_kind_name(int kind)
{
	return kind >= 0 && kind <= MR_SEQ_MEASURES ? kind_names[kind] : NULL;
}

const char *
mr_seq_time_name(int time_kind)
{
	return time_kind >= 0 && time_kind <= MR_SEQ_TIME_TIMESTAMP ? time_names[time_kind] : NULL;
}

/* ----------------------------------------------------------------------
 * layout and view
 * ---------------------------------------------------------------------- */

/* Byte offsets of a value's arrays */
typedef struct SeqLayout
{
	size_t		times;
	size_t		values;
	size_t		str;
	size_t		value_null;
	size_t		str_off;
	size_t		strbytes;
	size_t		total;			/* the whole value, header included */
} SeqLayout;

/* The layout of a value with these counts (all non-negative, bounded) */
static void
seq_layout(int kind, int32_t n, int32_t n_strings, int32_t strings_bytes, SeqLayout *l)
{
	size_t		off = MR_SEQ_HEADER_BYTES;

	l->times = off;
	if (kind >= MR_SEQ_TIMED)
		off += (size_t) n * sizeof(double);
	l->values = off;
	if (kind == MR_SEQ_MEASURES)
		off += (size_t) n * sizeof(double);
	l->str = off;
	off += (size_t) n * sizeof(int32_t);
	l->value_null = off;
	if (kind == MR_SEQ_MEASURES)
		off += (size_t) n;
	off = (off + 3) & ~(size_t) 3;
	l->str_off = off;
	off += ((size_t) n_strings + 1) * sizeof(int32_t);
	l->strbytes = off;
	l->total = off + (size_t) strings_bytes;
}

/* Check a stored value and point a view into it; see mr_seq.h */
MrStatus
mr_seq_view(const void *value, size_t size, MrSeqView *v, MrError *err)
{
	const char *base = value;
	MrSeqHeader h;
	SeqLayout	l;

	if (size < MR_SEQ_HEADER_BYTES)
		return mr_set_error(err, MR_ECORRUPT, "The value has %zu bytes, fewer than its header.", size);
	memcpy(&h, value, sizeof(h));
	if (h.version != MR_SEQ_VERSION)
		return mr_set_error(err, MR_ECORRUPT, "Format version %d is not %d.", h.version, MR_SEQ_VERSION);
	if (h.kind > MR_SEQ_MEASURES || h.flags != 0 ||
		(h.kind < MR_SEQ_TIMED ? h.time_kind != MR_SEQ_TIME_NONE :
		 h.time_kind != MR_SEQ_TIME_NUMBER && h.time_kind != MR_SEQ_TIME_TIMESTAMP))
		return mr_set_error(err, MR_ECORRUPT, "Kind %d, time kind %d and flags %d do not go together.",
							h.kind, h.time_kind, h.flags);
	if (h.n < 0 || h.n > MR_SEQ_MAX_EVENTS || h.n_strings < 0 || h.n_strings > h.n ||
		h.n_dropped < 0 || h.strings_bytes < 0)
		return mr_set_error(err, MR_ECORRUPT,
							"Counts out of range: %d events, %d strings, %d skipped rows, %d string bytes.",
							h.n, h.n_strings, h.n_dropped, h.strings_bytes);
	if ((h.kind == MR_SEQ_EMPTY && (h.n != 0 || h.n_dropped != 0)) ||
		(h.kind == MR_SEQ_TOKENS && (h.n == 0 || h.n_dropped != 0)) ||
		(h.kind >= MR_SEQ_TIMED && h.n == 0 && h.n_dropped == 0))
		return mr_set_error(err, MR_ECORRUPT, "Kind %d with %d events and %d skipped rows.",
							h.kind, h.n, h.n_dropped);
	seq_layout(h.kind, h.n, h.n_strings, h.strings_bytes, &l);
	if (l.total != size)
		return mr_set_error(err, MR_ECORRUPT, "The value has %zu bytes, its header says %zu.", size, l.total);

	v->kind = h.kind;
	v->time_kind = h.time_kind;
	v->n = h.n;
	v->n_strings = h.n_strings;
	v->n_dropped = h.n_dropped;
	v->times = h.kind >= MR_SEQ_TIMED ? (const double *) (base + l.times) : NULL;
	v->values = h.kind == MR_SEQ_MEASURES ? (const double *) (base + l.values) : NULL;
	v->str = (const int32_t *) (base + l.str);
	v->value_null = h.kind == MR_SEQ_MEASURES ? (const uint8_t *) (base + l.value_null) : NULL;
	v->str_off = (const int32_t *) (base + l.str_off);
	v->strbytes = base + l.strbytes;

	if (v->str_off[0] != 0 || v->str_off[v->n_strings] != h.strings_bytes)
		return mr_set_error(err, MR_ECORRUPT, "String offsets do not cover the %d string bytes.",
							h.strings_bytes);
	for (int32_t k = 0; k < v->n_strings; k++)
	{
		int32_t		len = v->str_off[k + 1] - v->str_off[k];

		if (len < 0 || len > MR_SEQ_MAX_STRING)
			return mr_set_error(err, MR_ECORRUPT, "String %d has %d bytes.", k + 1, len);
	}
	for (int32_t i = 0; i < v->n; i++)
	{
		if (v->str[i] < (v->kind == MR_SEQ_MEASURES ? 0 : -1) || v->str[i] >= v->n_strings)
			return mr_set_error(err, MR_ECORRUPT, "Event %d has string index %d of %d.",
								i + 1, v->str[i], v->n_strings);
		if (v->times &&
			(!isfinite(v->times[i]) || (i > 0 && v->times[i] < v->times[i - 1])))
			return mr_set_error(err, MR_ECORRUPT, "Event %d has a time that is not finite or out of order.",
								i + 1);
		if (v->values && (v->value_null[i] > 1 || !isfinite(v->values[i])))
			return mr_set_error(err, MR_ECORRUPT, "Event %d has a bad value.", i + 1);
	}
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * the builder
 * ---------------------------------------------------------------------- */

/* Report a sequence that would go over the event limit; see mr_seq.h */
MrStatus
mr_seq_too_many_events(MrError *err)
{
	mr_error_message(err, MR_ETOOBIG, "rnnseq cannot have more than %d events", MR_SEQ_MAX_EVENTS);
	mr_error_hint(err, "Split long sequences, for example into time windows.");
	return MR_ETOOBIG;
}

/* Start an empty builder whose arrays come from a */
MrStatus
mr_seq_builder_init(MrSeqBuilder *b, const MrAllocator *a, int kind, int time_kind)
{
	memset(b, 0, sizeof(*b));
	b->a = *a;
	b->kind = kind;
	b->time_kind = time_kind;
	b->strings = mr_vocab_new(&b->a, 16);
	return b->strings ? MR_OK : MR_ENOMEM;
}

/* Release a builder's arrays */
void
mr_seq_builder_free(MrSeqBuilder *b)
{
	mr_free(&b->a, b->times);
	mr_free(&b->a, b->values);
	mr_free(&b->a, b->str);
	mr_free(&b->a, b->value_null);
	mr_vocab_free(b->strings);
	b->times = b->values = NULL;
	b->str = NULL;
	b->value_null = NULL;
	b->strings = NULL;
	b->n = b->cap = 0;
}

/* Grow an array of old elements to cap elements */
static int
grow(const MrAllocator *a, void **p, size_t old, size_t cap, size_t elem)
{
	void	   *np = mr_alloc(a, cap * elem);

	if (!np)
		return 0;
	if (old)
		memcpy(np, *p, old * elem);
	mr_free(a, *p);
	*p = np;
	return 1;
}

/* Make room for need events; see mr_seq.h */
MrStatus
mr_seq_builder_reserve(MrSeqBuilder *b, int32_t need, MrError *err)
{
	int32_t		cap;

	if (need <= b->cap)
		return MR_OK;
	if (need > MR_SEQ_MAX_EVENTS)
		return mr_seq_too_many_events(err);
	cap = b->cap > 8 ? b->cap : 8;
	while (cap < need)
		cap = (int32_t) ((int64_t) cap * 2 < MR_SEQ_MAX_EVENTS ? cap * 2 : MR_SEQ_MAX_EVENTS);
	if ((b->kind >= MR_SEQ_TIMED && !grow(&b->a, (void **) &b->times, b->n, cap, sizeof(double))) ||
		(b->kind == MR_SEQ_MEASURES &&
		 (!grow(&b->a, (void **) &b->values, b->n, cap, sizeof(double)) ||
		  !grow(&b->a, (void **) &b->value_null, b->n, cap, 1))) ||
		!grow(&b->a, (void **) &b->str, b->n, cap, sizeof(int32_t)))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for %d events.", cap);
	b->cap = cap;
	return MR_OK;
}

/* Refuse a token or variable name longer than the limit */
static MrStatus
check_string(const char *s, size_t len, const MrTextEncoding *enc, MrError *err)
{
	if (len <= MR_SEQ_MAX_STRING)
		return MR_OK;
	if (!enc)
		enc = &mr_utf8_encoding;
	mr_error_message(err, MR_ETOOBIG, "string too long for type rnnseq");
	mr_error_detail(err, "A token or variable name of %zu bytes starts with \"%.*s\"; the limit is %d bytes.",
					len, (int) enc->clip(s, len, 20, enc->state), s, MR_SEQ_MAX_STRING);
	return MR_ETOOBIG;
}

/* The id of a string; see mr_seq.h */
MrStatus
mr_seq_builder_intern(MrSeqBuilder *b, const char *s, size_t len, const MrTextEncoding *enc,
					  int32_t *id, MrError *err)
{
	if (check_string(s, len, enc, err) != MR_OK)
		return MR_ETOOBIG;
	*id = mr_vocab_add(b->strings, s, len, 0);
	if (*id < 0)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for the sequence's strings.");
	return MR_OK;
}

/* Append one event; see mr_seq.h */
MrStatus
mr_seq_builder_add(MrSeqBuilder *b, double t, int32_t sid, int value_null, double value, MrError *err)
{
	int32_t		i = b->n;

	if (i == b->cap && mr_seq_builder_reserve(b, i + 1, err) != MR_OK)
		return err ? err->status : MR_ETOOBIG;
	if (b->kind >= MR_SEQ_TIMED)
		b->times[i] = t;
	if (b->kind == MR_SEQ_MEASURES)
	{
		b->values[i] = value_null ? 0.0 : value;
		b->value_null[i] = value_null ? 1 : 0;
	}
	b->str[i] = sid;
	b->n = i + 1;
	return MR_OK;
}

/* Append src to dst; see mr_seq.h */
MrStatus
mr_seq_builder_append(MrSeqBuilder *dst, const MrSeqBuilder *src, MrError *err)
{
	int32_t		base = dst->n;
	int32_t		n_strings = mr_vocab_size(src->strings);
	int32_t    *map;
	MrStatus	st;

	if (dst->kind != src->kind || dst->time_kind != src->time_kind)
		return mr_set_error(err, MR_EINVAL, "Cannot combine rnn_seq states of kind %d/%d and %d/%d.",
							dst->kind, dst->time_kind, src->kind, src->time_kind);
	if ((int64_t) dst->n + src->n > MR_SEQ_MAX_EVENTS)
		return mr_seq_too_many_events(err);
	if (!(map = mr_alloc(&dst->a, sizeof(int32_t) * (size_t) (n_strings + 1))))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for the sequence's strings.");
	for (int32_t k = 0; k < n_strings; k++)
	{
		size_t		len;
		const char *s = mr_vocab_key(src->strings, k, &len);

		if ((st = mr_seq_builder_intern(dst, s, len, NULL, &map[k], err)) != MR_OK)
		{
			mr_free(&dst->a, map);
			return st;
		}
	}
	if ((st = mr_seq_builder_reserve(dst, base + src->n, err)) != MR_OK)
	{
		mr_free(&dst->a, map);
		return st;
	}
	for (int32_t i = 0; i < src->n; i++)
		dst->str[base + i] = src->str[i] < 0 ? -1 : map[src->str[i]];
	if (src->kind >= MR_SEQ_TIMED && src->n > 0)
		memcpy(dst->times + base, src->times, (size_t) src->n * sizeof(double));
	if (src->kind == MR_SEQ_MEASURES && src->n > 0)
	{
		memcpy(dst->values + base, src->values, (size_t) src->n * sizeof(double));
		memcpy(dst->value_null + base, src->value_null, (size_t) src->n);
	}
	dst->n = base + src->n;
	dst->n_dropped += src->n_dropped;
	mr_free(&dst->a, map);
	return MR_OK;
}

/* One event while sorting: s is the string's rank, INT32_MAX for NULL */
typedef struct SeqItem
{
	double		t;
	double		v;
	int32_t		s;
	int32_t		vnull;
} SeqItem;

/* Order two numbers, -0 before +0 (no NaN here) */
static inline int
cmp_double(double a, double b)
{
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	return (int) (signbit(b) != 0) - (int) (signbit(a) != 0);
}

/* The canonical event order: time, string (NULL last), NULL value last, value */
static int
cmp_item(const void *pa, const void *pb, void *arg)
{
	const SeqItem *a = pa,
			   *b = pb;
	int			c = cmp_double(a->t, b->t);

	if (c != 0)
		return c;
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	if (a->vnull != b->vnull)
		return a->vnull - b->vnull;
	return cmp_double(a->v, b->v);
}

/* String ids by their bytes, shorter first on a tie */
static int
cmp_string_ids(const void *pa, const void *pb, void *arg)
{
	const MrVocab *strings = arg;
	size_t		la,
				lb;
	const char *a = mr_vocab_key(strings, *(const int32_t *) pa, &la);
	const char *b = mr_vocab_key(strings, *(const int32_t *) pb, &lb);
	int			r = memcmp(a, b, la < lb ? la : lb);

	if (r != 0)
		return r;
	return (la > lb) - (la < lb);
}

/* The canonical value of a builder; see mr_seq.h */
MrStatus
mr_seq_build(const MrSeqBuilder *b, const MrAllocator *a, uint8_t **value, size_t *size, MrError *err)
{
	int			kind = b->kind,
				time_kind = b->time_kind;
	int32_t		n = b->n,
				n_strings = mr_vocab_size(b->strings),
				n_used = 0;
	int64_t		bytes = 0;
	int32_t    *rank = NULL,
			   *order = NULL;
	SeqItem    *items = NULL;
	SeqLayout	l;
	MrSeqHeader h;
	char	   *base;
	double	   *times;
	double	   *values;
	int32_t    *str;
	uint8_t    *value_null;
	int32_t    *str_off;
	MrStatus	st = MR_ENOMEM;

	*value = NULL;
	if (b->n_dropped > INT32_MAX)
	{
		mr_error_message(err, MR_ETOOBIG, "rnnseq cannot count more than %d skipped rows", INT32_MAX);
		return MR_ETOOBIG;
	}
	if (n == 0 && b->n_dropped == 0)
	{
		kind = MR_SEQ_EMPTY;
		time_kind = MR_SEQ_TIME_NONE;
	}

	/* the dictionary: used strings only, sorted by their bytes */
	rank = mr_alloc(a, sizeof(int32_t) * (size_t) (n_strings + 1));
	order = mr_alloc(a, sizeof(int32_t) * (size_t) (n_strings + 1));
	if (!rank || !order)
		goto done;
	for (int32_t k = 0; k < n_strings; k++)
		rank[k] = -1;
	for (int32_t i = 0; i < n; i++)
		if (b->str[i] >= 0 && rank[b->str[i]] < 0)
		{
			rank[b->str[i]] = 0;
			order[n_used++] = b->str[i];
		}
	if (mr_sort(order, (size_t) n_used, sizeof(int32_t), cmp_string_ids, b->strings, a) != MR_OK)
		goto done;
	for (int32_t r = 0; r < n_used; r++)
	{
		size_t		len;

		rank[order[r]] = r;
		mr_vocab_key(b->strings, order[r], &len);
		bytes += (int64_t) len;
	}
	if (bytes > INT32_MAX / 2)
	{
		st = mr_seq_too_many_events(err);
		goto done;
	}

	seq_layout(kind, n, n_used, (int32_t) bytes, &l);
	if (!(base = mr_alloc0(a, l.total)))
		goto done;
	memset(&h, 0, sizeof(h));
	h.version = MR_SEQ_VERSION;
	h.kind = (uint8_t) kind;
	h.time_kind = (uint8_t) time_kind;
	h.n = n;
	h.n_strings = n_used;
	h.n_dropped = (int32_t) b->n_dropped;
	h.strings_bytes = (int32_t) bytes;
	memcpy(base, &h, sizeof(h));
	times = (double *) (base + l.times);
	values = (double *) (base + l.values);
	str = (int32_t *) (base + l.str);
	value_null = (uint8_t *) (base + l.value_null);
	str_off = (int32_t *) (base + l.str_off);

	str_off[0] = 0;
	for (int32_t r = 0; r < n_used; r++)
	{
		size_t		len;
		const char *s = mr_vocab_key(b->strings, order[r], &len);

		memcpy(base + l.strbytes + str_off[r], s, len);
		str_off[r + 1] = str_off[r] + (int32_t) len;
	}

	if (kind == MR_SEQ_TOKENS)
	{
		/* input order */
		for (int32_t i = 0; i < n; i++)
			str[i] = b->str[i] < 0 ? -1 : rank[b->str[i]];
	}
	else if (kind >= MR_SEQ_TIMED && n > 0)
	{
		if (!(items = mr_alloc(a, sizeof(SeqItem) * (size_t) n)))
		{
			mr_free(a, base);
			goto done;
		}
		for (int32_t i = 0; i < n; i++)
		{
			items[i].t = b->times[i];
			items[i].s = b->str[i] < 0 ? INT32_MAX : rank[b->str[i]];
			items[i].vnull = kind == MR_SEQ_MEASURES ? b->value_null[i] : 0;
			items[i].v = kind == MR_SEQ_MEASURES ? b->values[i] : 0.0;
		}
		if (mr_sort(items, (size_t) n, sizeof(SeqItem), cmp_item, NULL, a) != MR_OK)
		{
			mr_free(a, base);
			goto done;
		}
		for (int32_t i = 0; i < n; i++)
		{
			times[i] = items[i].t;
			str[i] = items[i].s == INT32_MAX ? -1 : items[i].s;
			if (kind == MR_SEQ_MEASURES)
			{
				values[i] = items[i].v;
				value_null[i] = (uint8_t) items[i].vnull;
			}
		}
	}
	*value = (uint8_t *) base;
	*size = l.total;
	st = MR_OK;

done:
	mr_free(a, rank);
	mr_free(a, order);
	mr_free(a, items);
	if (st == MR_ENOMEM)
		mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence of %d events.", n);
	return st;
}

