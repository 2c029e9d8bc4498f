/*
 * mr_seq.c
 *	  The rnnseq value: layout and view, times, the builder, and the text
 *	  and binary forms (see mr_seq.h).
 */
#include "mr_seq.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mr_json.h"
#include "mr_sort.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in Unix microseconds */
#define MIN_USECS	INT64_C(-62135596800000000)
#define MAX_USECS	INT64_C(253402300799999999)
#define USECS_PER_SEC	INT64_C(1000000)
#define SECS_PER_DAY	INT64_C(86400)

/* Bytes of the input quoted in a syntax error */
#define INPUT_QUOTE_MAX 60

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
 * times
 * ---------------------------------------------------------------------- */

static double
usecs_to_seconds(int64_t us)
{
	return (double) us / 1000000.0;
}

/* Unix microseconds to the stored seconds; see mr_seq.h */
MrStatus
mr_seq_usecs_to_seconds(int64_t us, double *seconds, MrError *err)
{
	if (us < MIN_USECS || us > MAX_USECS)
	{
		mr_error_message(err, MR_ETIME, "timestamp out of range for type rnnseq");
		mr_error_detail(err, "rnnseq holds timestamps from 0001-01-01 to 9999-12-31 UTC.");
		return MR_ETIME;
	}
	*seconds = usecs_to_seconds(us);
	return MR_OK;
}

/*
 * The microseconds whose seconds are exactly t (sign of zero included), or
 * 0 if there are none in years 0001 to 9999.  Near t * 10^6 first; the
 * search only matters for years after about 2250, where neighbouring
 * microseconds share a float8.
 */
static int
seconds_to_usecs(double t, int64_t *us)
{
	double		secs;
	int64_t		base;

	if (!(t >= -62135596801.0 && t <= 253402300801.0))
		return 0;
	secs = floor(t);
	base = (int64_t) secs * USECS_PER_SEC + (int64_t) rint((t - secs) * 1000000.0);
	for (int k = 0; k <= 128; k++)
	{
		int64_t		c = base + ((k & 1) ? (k + 1) / 2 : -(k / 2));

		if (c >= MIN_USECS && c <= MAX_USECS &&
			usecs_to_seconds(c) == t && (signbit(usecs_to_seconds(c)) != 0) == (signbit(t) != 0))
		{
			*us = c;
			return 1;
		}
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of a day number since 1970-01-01 (inverse of days_from_civil) */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era,
				doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

/* Days in a month of the proleptic Gregorian calendar */
static int
days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* The value of n ASCII digits at s, or -1 if they are not all digits */
static int
read_digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

typedef enum TsResult
{
	TS_OK,
	TS_SYNTAX,					/* not YYYY-MM-DDTHH:MM:SS[.f]Z|±hh:mm */
	TS_FIELD,					/* month 13, February 30, hour 24... */
	TS_RANGE					/* outside 0001-01-01 to 9999-12-31 UTC */
} TsResult;

/*
 * Parse an RFC 3339 timestamp, 1 to 6 fraction digits, offset Z or ±hh:mm
 * (no leap second), into Unix microseconds
 */
static TsResult
parse_timestamp(const char *s, size_t len, int64_t *us)
{
	int			year,
				mon,
				mday,
				hour,
				min,
				sec,
				frac = 0,
				ndigits = 0;
	size_t		pos = 19;
	int64_t		offset = 0,
				total;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return TS_SYNTAX;
	year = read_digits(s, 4);
	mon = read_digits(s + 5, 2);
	mday = read_digits(s + 8, 2);
	hour = read_digits(s + 11, 2);
	min = read_digits(s + 14, 2);
	sec = read_digits(s + 17, 2);
	if (year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0)
		return TS_SYNTAX;
	if (s[pos] == '.')
	{
		pos++;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
		{
			if (++ndigits > 6)
				return TS_SYNTAX;
			frac = frac * 10 + (s[pos++] - '0');
		}
		if (ndigits == 0)
			return TS_SYNTAX;
		for (int i = ndigits; i < 6; i++)
			frac *= 10;
	}
	if (pos < len && s[pos] == 'Z')
		pos++;
	else if (pos + 6 <= len && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':')
	{
		int			oh = read_digits(s + pos + 1, 2),
					om = read_digits(s + pos + 4, 2);

		if (oh < 0 || om < 0)
			return TS_SYNTAX;
		if (oh > 23 || om > 59)
			return TS_FIELD;
		offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
		pos += 6;
	}
	else
		return TS_SYNTAX;
	if (pos != len)
		return TS_SYNTAX;
	if (year < 1 || mon < 1 || mon > 12 || mday < 1 || mday > days_in_month(year, mon) ||
		hour > 23 || min > 59 || sec > 59)
		return TS_FIELD;
	total = (days_from_civil(year, mon, mday) * SECS_PER_DAY + hour * 3600 + min * 60 + sec -
			 offset) * USECS_PER_SEC + frac;
	if (total < MIN_USECS || total > MAX_USECS)
		return TS_RANGE;
	*us = total;
	return TS_OK;
}

/* A stored timestamp as a quoted RFC 3339 UTC string */
static void
append_timestamp(MrBuf *out, double t)
{
	int64_t		us = 0,
				days,
				rem;
	int			y,
				m,
				d,
				frac;

	/* a view guarantees nothing about timestamps: print what cannot be one as a number */
	if (!seconds_to_usecs(t, &us))
	{
		mr_buf_json_number(out, t, NULL);
		return;
	}
	days = us / (SECS_PER_DAY * USECS_PER_SEC);
	rem = us % (SECS_PER_DAY * USECS_PER_SEC);
	if (rem < 0)
	{
		rem += SECS_PER_DAY * USECS_PER_SEC;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	frac = (int) (rem % USECS_PER_SEC);
	rem /= USECS_PER_SEC;
	mr_buf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d",
				  y, m, d, (int) (rem / 3600), (int) (rem / 60 % 60), (int) (rem % 60));
	if (frac != 0)
	{
		char		f[8];
		int			n = 6;

		snprintf(f, sizeof(f), "%06d", frac);
		while (f[n - 1] == '0')
			n--;
		mr_buf_printf(out, ".%.*s", n, f);
	}
	mr_buf_puts(out, "Z\"");
}

/* Append a time of the given time kind; see mr_seq.h */
void
mr_seq_append_time(MrBuf *out, int time_kind, double t, MrFormatDouble fmt)
{
	if (time_kind == MR_SEQ_TIME_TIMESTAMP)
		append_timestamp(out, t);
	else
		mr_buf_json_number(out, t, fmt);
}

/* ----------------------------------------------------------------------
 * the builder
 * ---------------------------------------------------------------------- */

/* Report a sequence that would go over the event limit */
static MrStatus
too_many_events(MrError *err)
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
		return too_many_events(err);
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
		return too_many_events(err);
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
		st = too_many_events(err);
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

/* ----------------------------------------------------------------------
 * big-endian reading and writing, for the wire forms
 * ---------------------------------------------------------------------- */

typedef struct Wire
{
	const uint8_t *p;
	const uint8_t *end;
} Wire;

static int
wire_left(const Wire *w, size_t n)
{
	return (size_t) (w->end - w->p) >= n;
}

static uint32_t
wire_u32(Wire *w)
{
	uint32_t	v = ((uint32_t) w->p[0] << 24) | ((uint32_t) w->p[1] << 16) |
		((uint32_t) w->p[2] << 8) | w->p[3];

	w->p += 4;
	return v;
}

static uint64_t
wire_u64(Wire *w)
{
	uint64_t	hi = wire_u32(w);

	return (hi << 32) | wire_u32(w);
}

static double
wire_f64(Wire *w)
{
	uint64_t	u = wire_u64(w);
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

static void
put_u32(MrBuf *out, uint32_t v)
{
	char		b[4] = {(char) (v >> 24), (char) (v >> 16), (char) (v >> 8), (char) v};

	mr_buf_append(out, b, 4);
}

static void
put_u64(MrBuf *out, uint64_t v)
{
	put_u32(out, (uint32_t) (v >> 32));
	put_u32(out, (uint32_t) v);
}

static void
put_f64(MrBuf *out, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	put_u64(out, u);
}

/* ----------------------------------------------------------------------
 * the aggregate state
 * ---------------------------------------------------------------------- */

/*
 * Serialize a state: kind, time kind, counts, the strings (length and
 * bytes), then the event arrays column by column
 */
void
mr_seq_builder_serialize(const MrSeqBuilder *b, MrBuf *out)
{
	int32_t		n_strings = mr_vocab_size(b->strings);

	mr_buf_putc(out, (char) b->kind);
	mr_buf_putc(out, (char) b->time_kind);
	put_u32(out, (uint32_t) b->n);
	put_u32(out, (uint32_t) n_strings);
	put_u64(out, (uint64_t) b->n_dropped);
	for (int32_t k = 0; k < n_strings; k++)
	{
		size_t		len;
		const char *s = mr_vocab_key(b->strings, k, &len);

		put_u32(out, (uint32_t) len);
		mr_buf_append(out, s, len);
	}
	if (b->kind >= MR_SEQ_TIMED)
		for (int32_t i = 0; i < b->n; i++)
			put_f64(out, b->times[i]);
	if (b->kind == MR_SEQ_MEASURES)
		for (int32_t i = 0; i < b->n; i++)
			put_f64(out, b->values[i]);
	for (int32_t i = 0; i < b->n; i++)
		put_u32(out, (uint32_t) b->str[i]);
	if (b->kind == MR_SEQ_MEASURES && b->n > 0)
		mr_buf_append(out, (const char *) b->value_null, (size_t) b->n);
}

/* Rebuild a serialized state; see mr_seq.h */
MrStatus
mr_seq_builder_deserialize(const uint8_t *buf, size_t len, const MrTextEncoding *enc,
						   const MrAllocator *a, MrSeqBuilder *b, MrError *err)
{
	Wire		w = {buf, buf + len};
	int			kind,
				time_kind;
	int32_t		n,
				n_strings;
	int64_t		n_dropped,
				need;

	memset(b, 0, sizeof(*b));
	if (!enc)
		enc = &mr_utf8_encoding;
	if (!wire_left(&w, 18))
		return mr_set_error(err, MR_ECORRUPT, "A state of %zu bytes has no room for its header.", len);
	kind = *w.p++;
	time_kind = *w.p++;
	n = (int32_t) wire_u32(&w);
	n_strings = (int32_t) wire_u32(&w);
	n_dropped = (int64_t) wire_u64(&w);
	if (kind < MR_SEQ_TIMED || kind > MR_SEQ_MEASURES ||
		(time_kind != MR_SEQ_TIME_NUMBER && time_kind != MR_SEQ_TIME_TIMESTAMP) ||
		n < 0 || n > MR_SEQ_MAX_EVENTS || n_strings < 0 || n_strings > n || n_dropped < 0)
		return mr_set_error(err, MR_ECORRUPT, "kind %d, time kind %d, %d events, %d strings, %lld skipped",
							kind, time_kind, n, n_strings, (long long) n_dropped);
	need = (int64_t) n_strings * 4 + (int64_t) n * (12 + (kind == MR_SEQ_MEASURES ? 9 : 0));
	if (need > w.end - w.p)
		return mr_set_error(err, MR_ECORRUPT, "%lld bytes needed, %zu left", (long long) need,
							(size_t) (w.end - w.p));
	if (mr_seq_builder_init(b, a, kind, time_kind) != MR_OK ||
		mr_seq_builder_reserve(b, n, err) != MR_OK)
	{
		mr_seq_builder_free(b);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a state of %d events.", n);
	}
	b->n_dropped = n_dropped;
	for (int32_t k = 0; k < n_strings; k++)
	{
		uint32_t	slen;
		int32_t		id;

		if (!wire_left(&w, 4) || (slen = wire_u32(&w)) > (size_t) (w.end - w.p))
			goto corrupt;
		/* the strings of text arguments: no NUL, valid text */
		if (memchr(w.p, 0, slen) != NULL || !enc->valid((const char *) w.p, slen, enc->state))
			goto corrupt;
		if (mr_seq_builder_intern(b, (const char *) w.p, slen, NULL, &id, err) != MR_OK || id != k)
			goto corrupt;
		w.p += slen;
	}
	if (!wire_left(&w, (size_t) n * (12 + (kind == MR_SEQ_MEASURES ? 9 : 0))))
		goto corrupt;
	if (kind >= MR_SEQ_TIMED)
		for (int32_t i = 0; i < n; i++)
		{
			int64_t		us;

			if (!isfinite(b->times[i] = wire_f64(&w)) ||
				(time_kind == MR_SEQ_TIME_TIMESTAMP && !seconds_to_usecs(b->times[i], &us)))
				goto corrupt;
		}
	if (kind == MR_SEQ_MEASURES)
		for (int32_t i = 0; i < n; i++)
			if (!isfinite(b->values[i] = wire_f64(&w)))
				goto corrupt;
	for (int32_t i = 0; i < n; i++)
	{
		b->str[i] = (int32_t) wire_u32(&w);
		if (b->str[i] < (kind == MR_SEQ_MEASURES ? 0 : -1) || b->str[i] >= n_strings)
			goto corrupt;
	}
	/* a NULL value is stored as +0, as mr_seq_builder_add leaves it */
	if (kind == MR_SEQ_MEASURES)
		for (int32_t i = 0; i < n; i++)
			if ((b->value_null[i] = *w.p++) > 1 ||
				(b->value_null[i] && (b->values[i] != 0.0 || signbit(b->values[i]))))
				goto corrupt;
	b->n = n;
	if (w.p != w.end)
		goto corrupt;
	return MR_OK;

corrupt:
	mr_seq_builder_free(b);
	return mr_set_error(err, MR_ECORRUPT, "A string, time, value, index or flag is out of range.");
}

/* ----------------------------------------------------------------------
 * text output
 * ---------------------------------------------------------------------- */

/* A string of the value as JSON: quote, backslash, controls and DEL escaped */
static void
append_seq_string(MrBuf *out, const char *s, size_t len)
{
	mr_buf_putc(out, '"');
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		switch (c)
		{
			case '"':
				mr_buf_puts(out, "\\\"");
				break;
			case '\\':
				mr_buf_puts(out, "\\\\");
				break;
			case '\b':
				mr_buf_puts(out, "\\b");
				break;
			case '\f':
				mr_buf_puts(out, "\\f");
				break;
			case '\n':
				mr_buf_puts(out, "\\n");
				break;
			case '\r':
				mr_buf_puts(out, "\\r");
				break;
			case '\t':
				mr_buf_puts(out, "\\t");
				break;
			default:
				if (c < 0x20 || c == 0x7f)
					mr_buf_printf(out, "\\u%04x", c);
				else
					mr_buf_putc(out, (char) c);
		}
	}
	mr_buf_putc(out, '"');
}

/* The text form of a value; see mr_seq.h */
void
mr_seq_print(const MrSeqView *v, MrFormatDouble fmt, MrBuf *out)
{
	if (v->n_dropped > 0)
		mr_buf_printf(out, "{\"kind\": \"%s\", \"time_type\": \"%s\", \"dropped\": %d, \"events\": ",
					  kind_names[v->kind], time_names[v->time_kind], v->n_dropped);
	mr_buf_putc(out, '[');
	for (int32_t i = 0; i < v->n; i++)
	{
		int32_t		k = v->str[i];

		if (i > 0)
			mr_buf_puts(out, ", ");
		if (v->kind >= MR_SEQ_TIMED)
		{
			mr_buf_putc(out, '[');
			mr_seq_append_time(out, v->time_kind, v->times[i], fmt);
			mr_buf_puts(out, ", ");
		}
		if (k < 0)
			mr_buf_puts(out, "null");
		else
		{
			size_t		len;
			const char *s = mr_seq_string(v, k, &len);

			append_seq_string(out, s, len);
		}
		if (v->kind == MR_SEQ_MEASURES)
		{
			mr_buf_puts(out, ", ");
			if (v->value_null[i])
				mr_buf_puts(out, "null");
			else
				mr_buf_json_number(out, v->values[i], fmt);
		}
		if (v->kind >= MR_SEQ_TIMED)
			mr_buf_putc(out, ']');
	}
	mr_buf_putc(out, ']');
	if (v->n_dropped > 0)
		mr_buf_putc(out, '}');
}

/* ----------------------------------------------------------------------
 * text input
 * ---------------------------------------------------------------------- */

typedef struct SeqParser
{
	const char *input;			/* the whole text, quoted in messages */
	size_t		len;
	const char *p;				/* next byte */
	const char *end;
	const MrSeqHooks *hooks;
	const MrTextEncoding *enc;
	int32_t		elem;			/* element being read, from 1; 0 outside */
	MrSeqBuilder b;				/* kind and time kind: the shape so far */
	MrBuf		str[3];			/* decoded strings of one element's items */
	MrBuf		num;			/* a number's text */
	MrError    *err;
} SeqParser;

typedef enum SeqItemType
{
	ITEM_NUMBER,
	ITEM_STRING,
	ITEM_NULL,
	ITEM_OTHER					/* true, false, an array or object */
} SeqItemType;

static MrStatus syntax_error(SeqParser *ps, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/* Invalid input, quoting its start, with a detail saying why */
static MrStatus
syntax_error(SeqParser *ps, const char *fmt,...)
{
	va_list		args;
	size_t		cut = ps->len > INPUT_QUOTE_MAX ?
		ps->enc->clip(ps->input, ps->len, INPUT_QUOTE_MAX, ps->enc->state) : ps->len;
	char		detail[512];

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	mr_error_message(ps->err, MR_ESYNTAX, "invalid input syntax for type rnnseq: \"%.*s%s\"",
					 (int) cut, ps->input, cut < ps->len ? "..." : "");
	mr_error_detail(ps->err, "%s", detail);
	return MR_ESYNTAX;
}

/* A malformed JSON token: "Element 3 has <what>." */
static MrStatus
lexical_error(SeqParser *ps, const char *what)
{
	if (ps->elem > 0)
		return syntax_error(ps, "Element %d has %s.", ps->elem, what);
	return syntax_error(ps, "The value has %s.", what);
}

/*
 * An element that does not have the shape of the sequence's kind
 * (in_array: the element is an array, so it cannot start a token sequence)
 */
static MrStatus
shape_error(SeqParser *ps, int in_array)
{
	switch (ps->b.kind)
	{
		case MR_SEQ_TOKENS:
			return syntax_error(ps, "Element %d must be a string or null.", ps->elem);
		case MR_SEQ_TIMED:
			return syntax_error(ps, "Element %d must be [time, token].", ps->elem);
		case MR_SEQ_MEASURES:
			return syntax_error(ps, "Element %d must be [time, variable, value].", ps->elem);
	}
	if (in_array)
		return syntax_error(ps, "Element %d must be [time, token] or [time, variable, value].", ps->elem);
	return syntax_error(ps, "Element %d must be a string, null, [time, token] or [time, variable, value].",
						ps->elem);
}

static void
skip_ws(SeqParser *ps)
{
	ps->p = mr_json_skip_space(ps->p, ps->end);
}

static int
at(const SeqParser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

/* Read a string at ps->p (its quote) into out, in the database's encoding */
static MrStatus
parse_string(SeqParser *ps, MrBuf *out)
{
	switch (mr_json_scan_string(&ps->p, ps->end, ps->enc, out))
	{
		case MR_JSON_OK:
			return MR_OK;
		case MR_JSON_UNTERMINATED:
			return lexical_error(ps, "an unterminated string");
		case MR_JSON_CONTROL:
			return lexical_error(ps, "an unescaped control character in a string");
		case MR_JSON_NUL:
			return lexical_error(ps, "\\u0000, which cannot be stored");
		case MR_JSON_UNENCODABLE:
			return lexical_error(ps, "a character the database encoding cannot hold");
		case MR_JSON_INVALID_TEXT:
			return lexical_error(ps, "a string that is not valid in the database encoding");
		case MR_JSON_NOMEM:
			return mr_set_error(ps->err, MR_ENOMEM, "Out of memory for a string.");
		default:
			return lexical_error(ps, "an invalid escape sequence in a string");
	}
}

/* Read a number at ps->p */
static MrStatus
parse_number(SeqParser *ps, double *val)
{
	switch (mr_json_scan_number(&ps->p, ps->end, &ps->num, val))
	{
		case MR_JSON_OK:
			return MR_OK;
		case MR_JSON_NUMBER_RANGE:
			{
				size_t		n = ps->num.len;

				mr_error_message(ps->err, MR_ERANGE, "number out of range for type rnnseq");
				if (ps->elem > 0)
					mr_error_detail(ps->err, "\"%.40s%s\" in element %d does not fit in double precision.",
									ps->num.data, n > 40 ? "..." : "", ps->elem);
				else
					mr_error_detail(ps->err, "\"%.40s%s\" does not fit in double precision.",
									ps->num.data, n > 40 ? "..." : "");
				return MR_ERANGE;
			}
		case MR_JSON_NOMEM:
			return mr_set_error(ps->err, MR_ENOMEM, "Out of memory for a number.");
		default:
			return lexical_error(ps, "an invalid number");
	}
}

/* Read one scalar: a string (into str), a number (into *num) or null */
static MrStatus
parse_item(SeqParser *ps, MrBuf *str, double *num, SeqItemType *type)
{
	char		c;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return syntax_error(ps, "Unexpected end of input.");
	c = *ps->p;
	if (c == '"')
	{
		*type = ITEM_STRING;
		return parse_string(ps, str);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
	{
		*type = ITEM_NUMBER;
		return parse_number(ps, num);
	}
	if (c == 'n' && mr_json_match_literal(&ps->p, ps->end, "null"))
	{
		*type = ITEM_NULL;
		return MR_OK;
	}
	if (c == '[' || c == '{' ||
		(c == 't' && mr_json_match_literal(&ps->p, ps->end, "true")) ||
		(c == 'f' && mr_json_match_literal(&ps->p, ps->end, "false")))
	{
		*type = ITEM_OTHER;
		return MR_OK;
	}
	return lexical_error(ps, "a value that is not valid JSON");
}

/* The time of the current element from its first item */
static MrStatus
element_time(SeqParser *ps, SeqItemType type, double num, double *t)
{
	int			time_kind;

	if (type == ITEM_NULL)
		return syntax_error(ps, "Element %d has a null time.", ps->elem);
	if (type == ITEM_NUMBER)
	{
		time_kind = MR_SEQ_TIME_NUMBER;
		*t = num;
	}
	else
	{
		int64_t		us = 0;

		switch (parse_timestamp(ps->str[0].data, ps->str[0].len, &us))
		{
			case TS_OK:
				break;
			case TS_SYNTAX:
				return syntax_error(ps, "Element %d has an invalid timestamp; the format is YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or an offset +hh:mm.",
									ps->elem);
			case TS_FIELD:
				return syntax_error(ps, "Element %d has a timestamp with a field out of range.", ps->elem);
			case TS_RANGE:
				mr_error_message(ps->err, MR_ETIME, "timestamp out of range for type rnnseq");
				mr_error_detail(ps->err, "Element %d is not between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.",
								ps->elem);
				return MR_ETIME;
		}
		time_kind = MR_SEQ_TIME_TIMESTAMP;
		*t = usecs_to_seconds(us);
	}
	if (ps->b.time_kind == MR_SEQ_TIME_NONE)
		ps->b.time_kind = time_kind;
	else if (ps->b.time_kind != time_kind)
		return syntax_error(ps, "Times must be all numbers or all timestamps; element %d differs.", ps->elem);
	return MR_OK;
}

/* Intern one of the element's strings */
static MrStatus
intern(SeqParser *ps, const MrBuf *s, int32_t *sid)
{
	return mr_seq_builder_intern(&ps->b, s->data ? s->data : "", s->len, ps->enc, sid, ps->err);
}

#define TRY(expr) do { MrStatus _st = (expr); if (_st != MR_OK) return _st; } while (0)

/* Read one element of the event array and add its event */
static MrStatus
parse_element(SeqParser *ps)
{
	SeqItemType type[3];
	double		num[3] = {0, 0, 0};
	int			k = 0;
	double		t = 0;
	int32_t		sid;

	skip_ws(ps);
	if (!at(ps, '['))
	{
		/* a bare token */
		if (ps->b.kind >= MR_SEQ_TIMED)
			return shape_error(ps, 0);
		TRY(parse_item(ps, &ps->str[0], &num[0], &type[0]));
		if (type[0] != ITEM_STRING && type[0] != ITEM_NULL)
			return shape_error(ps, 0);
		ps->b.kind = MR_SEQ_TOKENS;
		sid = -1;
		if (type[0] == ITEM_STRING)
			TRY(intern(ps, &ps->str[0], &sid));
		return mr_seq_builder_add(&ps->b, 0.0, sid, 0, 0.0, ps->err);
	}
	if (ps->b.kind == MR_SEQ_TOKENS)
		return shape_error(ps, 0);
	ps->p++;
	skip_ws(ps);
	if (!at(ps, ']'))
	{
		for (;;)
		{
			if (k == 3)
				return shape_error(ps, 1);
			TRY(parse_item(ps, &ps->str[k], &num[k], &type[k]));
			if (type[k] == ITEM_OTHER)
				return shape_error(ps, 1);
			k++;
			skip_ws(ps);
			if (at(ps, ','))
			{
				ps->p++;
				continue;
			}
			if (at(ps, ']'))
				break;
			if (ps->p >= ps->end)
				return syntax_error(ps, "Unexpected end of input.");
			return syntax_error(ps, "Expected \",\" or \"]\" in element %d.", ps->elem);
		}
	}
	ps->p++;

	/* the first element decides the kind (no event was added yet: no arrays to redo) */
	if (ps->b.kind == MR_SEQ_EMPTY && (k == 2 || k == 3))
		ps->b.kind = k == 2 ? MR_SEQ_TIMED : MR_SEQ_MEASURES;
	else if (k != (ps->b.kind == MR_SEQ_TIMED ? 2 : 3))
		return shape_error(ps, 1);

	TRY(element_time(ps, type[0], num[0], &t));
	if (ps->b.kind == MR_SEQ_TIMED)
	{
		if (type[1] == ITEM_NUMBER)
			return syntax_error(ps, "Element %d must have a string or null as its token.", ps->elem);
		sid = -1;
		if (type[1] == ITEM_STRING)
			TRY(intern(ps, &ps->str[1], &sid));
		return mr_seq_builder_add(&ps->b, t, sid, 0, 0.0, ps->err);
	}
	if (type[1] == ITEM_NULL)
		return syntax_error(ps, "Element %d has a null variable.", ps->elem);
	if (type[1] != ITEM_STRING)
		return syntax_error(ps, "Element %d must have a string as its variable.", ps->elem);
	if (type[2] == ITEM_STRING)
		return syntax_error(ps, "Element %d must have a number or null as its value.", ps->elem);
	TRY(intern(ps, &ps->str[1], &sid));
	return mr_seq_builder_add(&ps->b, t, sid, type[2] == ITEM_NULL, num[2], ps->err);
}

/* Read the event array at ps->p (a '[') */
static MrStatus
parse_events(SeqParser *ps)
{
	ps->p++;
	skip_ws(ps);
	if (at(ps, ']'))
	{
		ps->p++;
		return MR_OK;
	}
	for (;;)
	{
		if ((ps->elem & 1023) == 0 && ps->hooks && ps->hooks->should_stop &&
			ps->hooks->should_stop(ps->hooks->state))
			return mr_set_error(ps->err, MR_ECANCELED, "Reading a sequence was canceled.");
		ps->elem++;
		TRY(parse_element(ps));
		skip_ws(ps);
		if (at(ps, ','))
		{
			ps->p++;
			continue;
		}
		if (at(ps, ']'))
		{
			ps->p++;
			break;
		}
		if (ps->p >= ps->end)
			return syntax_error(ps, "Unexpected end of input.");
		return syntax_error(ps, "Expected \",\" or \"]\" after element %d.", ps->elem);
	}
	ps->elem = 0;
	return MR_OK;
}

/* Read "key": with the expected key, or fail */
static MrStatus
expect_key(SeqParser *ps, const char *key, int first)
{
	skip_ws(ps);
	if (!first)
	{
		if (!at(ps, ','))
			return syntax_error(ps, "Expected \",\" before the key \"%s\".", key);
		ps->p++;
		skip_ws(ps);
	}
	if (!at(ps, '"'))
		return syntax_error(ps, "Expected the key \"%s\"; the keys are \"kind\", \"time_type\", \"dropped\" and \"events\", in this order.",
							key);
	TRY(parse_string(ps, &ps->str[0]));
	if (strcmp(ps->str[0].data ? ps->str[0].data : "", key) != 0)
		return syntax_error(ps, "Expected the key \"%s\"; the keys are \"kind\", \"time_type\", \"dropped\" and \"events\", in this order.",
							key);
	skip_ws(ps);
	if (!at(ps, ':'))
		return syntax_error(ps, "Expected \":\" after the key \"%s\".", key);
	ps->p++;
	return MR_OK;
}

/* The string item just read, if it was one */
static const char *
item_text(SeqParser *ps, SeqItemType type)
{
	return type == ITEM_STRING && ps->str[0].data ? ps->str[0].data : "";
}

/* Read the object form of a sequence with skipped rows, at ps->p (a '{') */
static MrStatus
parse_object(SeqParser *ps)
{
	double		num = 0;
	SeqItemType type;
	int			kind,
				time_kind;

	ps->p++;
	TRY(expect_key(ps, "kind", 1));
	TRY(parse_item(ps, &ps->str[0], &num, &type));
	if (strcmp(item_text(ps, type), "timed_tokens") != 0 && strcmp(item_text(ps, type), "measurements") != 0)
		return syntax_error(ps, "\"kind\" must be \"timed_tokens\" or \"measurements\".");
	kind = ps->str[0].data[0] == 't' ? MR_SEQ_TIMED : MR_SEQ_MEASURES;

	TRY(expect_key(ps, "time_type", 0));
	TRY(parse_item(ps, &ps->str[0], &num, &type));
	if (strcmp(item_text(ps, type), "number") != 0 && strcmp(item_text(ps, type), "timestamp") != 0)
		return syntax_error(ps, "\"time_type\" must be \"number\" or \"timestamp\".");
	time_kind = ps->str[0].data[0] == 'n' ? MR_SEQ_TIME_NUMBER : MR_SEQ_TIME_TIMESTAMP;
	ps->b.kind = kind;
	ps->b.time_kind = time_kind;

	TRY(expect_key(ps, "dropped", 0));
	TRY(parse_item(ps, &ps->str[0], &num, &type));
	if (type != ITEM_NUMBER || num != floor(num) || num < 1 || num > INT32_MAX)
		return syntax_error(ps, "\"dropped\" must be a whole number from 1 to %d.", INT32_MAX);
	ps->b.n_dropped = (int64_t) num;

	TRY(expect_key(ps, "events", 0));
	skip_ws(ps);
	if (!at(ps, '['))
		return syntax_error(ps, "\"events\" must be an array.");
	TRY(parse_events(ps));
	skip_ws(ps);
	if (!at(ps, '}'))
		return syntax_error(ps, "Expected \"}\" after the events.");
	ps->p++;
	return MR_OK;
}

/* Parse the text form; see mr_seq.h */
MrStatus
mr_seq_parse_text(const char *text, size_t len, const MrSeqHooks *hooks,
				  const MrAllocator *a, uint8_t **value, size_t *size, MrError *err)
{
	SeqParser	ps;
	MrStatus	st;

	*value = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.input = text;
	ps.len = len;
	ps.p = text;
	ps.end = text + len;
	ps.hooks = hooks;
	ps.enc = hooks && hooks->enc ? hooks->enc : &mr_utf8_encoding;
	ps.err = err;
	for (int i = 0; i < 3; i++)
		mr_buf_init(&ps.str[i], a);
	mr_buf_init(&ps.num, a);
	if (mr_seq_builder_init(&ps.b, a, MR_SEQ_EMPTY, MR_SEQ_TIME_NONE) != MR_OK)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence.");

	skip_ws(&ps);
	if (at(&ps, '['))
		st = parse_events(&ps);
	else if (at(&ps, '{'))
		st = parse_object(&ps);
	else
		st = syntax_error(&ps, "A sequence must start with \"[\".");
	if (st == MR_OK)
	{
		skip_ws(&ps);
		if (ps.p != ps.end)
			st = syntax_error(&ps, "Unexpected text after the end of the sequence.");
	}
	if (st == MR_OK)
		st = mr_seq_build(&ps.b, a, value, size, err);
	mr_seq_builder_free(&ps.b);
	for (int i = 0; i < 3; i++)
		mr_buf_free(&ps.str[i]);
	mr_buf_free(&ps.num);
	return st;
}

/* ----------------------------------------------------------------------
 * binary input and output
 * ---------------------------------------------------------------------- */

static MrStatus bad_binary(MrError *err, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/* Malformed binary input */
static MrStatus
bad_binary(MrError *err, const char *fmt,...)
{
	va_list		args;
	char		detail[512];

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	mr_error_message(err, MR_ECORRUPT, "invalid binary representation of type rnnseq");
	mr_error_detail(err, "%s", detail);
	return MR_ECORRUPT;
}

/* Read the binary form; see mr_seq.h */
MrStatus
mr_seq_recv(const uint8_t *buf, size_t len, const MrSeqHooks *hooks,
			const MrAllocator *a, uint8_t **value, size_t *size, MrError *err)
{
	Wire		w = {buf, buf + len};
	const MrTextEncoding *enc = hooks && hooks->enc ? hooks->enc : &mr_utf8_encoding;
	MrSeqBuilder b;
	MrBuf		conv;
	int			version,
				kind,
				time_kind;
	int32_t		n,
				n_strings,
				n_dropped;
	int64_t		min_bytes;
	uint8_t    *used = NULL;
	MrStatus	st;

	*value = NULL;
	if (!wire_left(&w, 15))
		return bad_binary(err, "The value ends inside the header.");
	version = *w.p++;
	kind = *w.p++;
	time_kind = *w.p++;
	n = (int32_t) wire_u32(&w);
	n_strings = (int32_t) wire_u32(&w);
	n_dropped = (int32_t) wire_u32(&w);
	if (version != MR_SEQ_VERSION)
		return bad_binary(err, "Format version %d is not supported; the version is %d.", version, MR_SEQ_VERSION);
	if (kind > MR_SEQ_MEASURES)
		return bad_binary(err, "Unrecognized kind %d.", kind);
	if (kind < MR_SEQ_TIMED ? time_kind != MR_SEQ_TIME_NONE :
		time_kind != MR_SEQ_TIME_NUMBER && time_kind != MR_SEQ_TIME_TIMESTAMP)
		return bad_binary(err, "Time kind %d does not go with kind %d.", time_kind, kind);
	if (n < 0 || n_strings < 0 || n_dropped < 0)
		return bad_binary(err, "Negative count: %d events, %d strings, %d skipped rows.", n, n_strings, n_dropped);
	if (n > MR_SEQ_MAX_EVENTS)
		return too_many_events(err);
	if (n_strings > n)
		return bad_binary(err, "%d strings for %d events; every string must be used by an event.", n_strings, n);
	if (kind == MR_SEQ_EMPTY && (n != 0 || n_dropped != 0))
		return bad_binary(err, "An empty sequence of kind 0 cannot have events or skipped rows.");
	if (kind == MR_SEQ_TOKENS && (n == 0 || n_dropped != 0))
		return bad_binary(err, "A token sequence must have events and no skipped rows.");
	if (kind >= MR_SEQ_TIMED && n == 0 && n_dropped == 0)
		return bad_binary(err, "A timed sequence without events must have skipped rows.");

	/* the least the strings and events take, before allocating for them */
	min_bytes = (int64_t) n_strings * 4 +
		(int64_t) n * (4 + (kind >= MR_SEQ_TIMED ? 8 : 0) + (kind == MR_SEQ_MEASURES ? 1 : 0));
	if (min_bytes > w.end - w.p)
		return bad_binary(err, "%d strings and %d events need at least %lld bytes, but %zu remain.",
						  n_strings, n, (long long) min_bytes, (size_t) (w.end - w.p));

	if (mr_seq_builder_init(&b, a, kind, time_kind) != MR_OK)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence.");
	mr_buf_init(&conv, a);
	for (int32_t k = 0; k < n_strings; k++)
	{
		uint32_t	slen;
		int32_t		id;
		const char *s;
		size_t		sn;

		if (!wire_left(&w, 4))
		{
			st = bad_binary(err, "The value ends inside a string length.");
			goto done;
		}
		slen = wire_u32(&w);
		if (slen > (size_t) (w.end - w.p))
		{
			st = bad_binary(err, "String %d has length %d, but %zu bytes remain.", k + 1, (int32_t) slen,
							(size_t) (w.end - w.p));
			goto done;
		}
		/* the client's encoding to the database's, checking the bytes */
		if (hooks && hooks->from_client)
		{
			if (!hooks->from_client((const char *) w.p, slen, &conv, hooks->state))
			{
				st = bad_binary(err, "String %d is not valid in the client encoding.", k + 1);
				goto done;
			}
			s = conv.data ? conv.data : "";
			sn = conv.len;
		}
		else
		{
			if (!enc->valid((const char *) w.p, slen, enc->state))
			{
				st = bad_binary(err, "String %d is not valid text.", k + 1);
				goto done;
			}
			s = (const char *) w.p;
			sn = slen;
		}
		w.p += slen;
		if (memchr(s, '\0', sn) != NULL)
		{
			st = bad_binary(err, "String %d contains a zero byte.", k + 1);
			goto done;
		}
		if ((st = mr_seq_builder_intern(&b, s, sn, enc, &id, err)) != MR_OK)
			goto done;
		if (id != k)
		{
			st = bad_binary(err, "String %d repeats an earlier string.", k + 1);
			goto done;
		}
	}

	if (!(used = mr_alloc0(a, (size_t) n_strings + 1)) ||
		(st = mr_seq_builder_reserve(&b, n, err)) != MR_OK)
	{
		st = used ? st : mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence.");
		goto done;
	}
	for (int32_t i = 0; i < n; i++)
	{
		double		t = 0.0,
					value_ = 0.0;
		int32_t		sid;
		int			vnull = 0;
		int64_t		us;

		if ((i & 0xFFFF) == 0 && hooks && hooks->should_stop && hooks->should_stop(hooks->state))
		{
			st = mr_set_error(err, MR_ECANCELED, "Reading a sequence was canceled.");
			goto done;
		}
		if (kind >= MR_SEQ_TIMED)
		{
			if (!wire_left(&w, 8))
			{
				st = bad_binary(err, "The value ends inside an event's time.");
				goto done;
			}
			t = wire_f64(&w);
			if (!isfinite(t))
			{
				st = bad_binary(err, "Event %d has a time that is not finite.", i + 1);
				goto done;
			}
			if (time_kind == MR_SEQ_TIME_TIMESTAMP && !seconds_to_usecs(t, &us))
			{
				st = bad_binary(err, "Event %d has a timestamp that is not a whole microsecond from 0001-01-01 to 9999-12-31 UTC.",
								i + 1);
				goto done;
			}
		}
		if (!wire_left(&w, 4))
		{
			st = bad_binary(err, "The value ends inside an event's string index.");
			goto done;
		}
		sid = (int32_t) wire_u32(&w);
		if (sid < -1 || sid >= n_strings)
		{
			st = bad_binary(err, "Event %d has string index %d, but there are %d strings.", i + 1, sid, n_strings);
			goto done;
		}
		if (kind == MR_SEQ_MEASURES && sid < 0)
		{
			st = bad_binary(err, "Event %d has a null variable.", i + 1);
			goto done;
		}
		if (sid >= 0)
			used[sid] = 1;
		if (kind == MR_SEQ_MEASURES)
		{
			if (!wire_left(&w, 1))
			{
				st = bad_binary(err, "The value ends inside an event's null flag.");
				goto done;
			}
			vnull = *w.p++;
			if (vnull > 1)
			{
				st = bad_binary(err, "Event %d has null flag %d; it must be 0 or 1.", i + 1, vnull);
				goto done;
			}
			if (vnull == 0)
			{
				if (!wire_left(&w, 8))
				{
					st = bad_binary(err, "The value ends inside an event's value.");
					goto done;
				}
				value_ = wire_f64(&w);
				if (!isfinite(value_))
				{
					st = bad_binary(err, "Event %d has a value that is not finite.", i + 1);
					goto done;
				}
			}
		}
		if ((st = mr_seq_builder_add(&b, t, sid, vnull == 1, value_, err)) != MR_OK)
			goto done;
	}
	for (int32_t k = 0; k < n_strings; k++)
		if (!used[k])
		{
			st = bad_binary(err, "String %d is not used by any event.", k + 1);
			goto done;
		}
	if (w.p != w.end)
	{
		st = bad_binary(err, "Unexpected data after the last event (%zu bytes).", (size_t) (w.end - w.p));
		goto done;
	}
	b.n_dropped = n_dropped;
	st = mr_seq_build(&b, a, value, size, err);

done:
	mr_free(a, used);
	mr_buf_free(&conv);
	mr_seq_builder_free(&b);
	return st;
}

/* Write the binary form; see mr_seq.h */
void
mr_seq_send(const MrSeqView *v,
			void (*to_client) (const char *s, size_t len, MrBuf *out, void *state),
			void *state, MrBuf *out)
{
	mr_buf_putc(out, MR_SEQ_VERSION);
	mr_buf_putc(out, (char) v->kind);
	mr_buf_putc(out, (char) v->time_kind);
	put_u32(out, (uint32_t) v->n);
	put_u32(out, (uint32_t) v->n_strings);
	put_u32(out, (uint32_t) v->n_dropped);
	for (int32_t k = 0; k < v->n_strings; k++)
	{
		size_t		len;
		const char *s = mr_seq_string(v, k, &len);

		if (to_client)
			to_client(s, len, out, state);
		else
		{
			put_u32(out, (uint32_t) len);
			mr_buf_append(out, s, len);
		}
	}
	for (int32_t i = 0; i < v->n; i++)
	{
		if (v->kind >= MR_SEQ_TIMED)
			put_f64(out, v->times[i]);
		put_u32(out, (uint32_t) v->str[i]);
		if (v->kind == MR_SEQ_MEASURES)
		{
			mr_buf_putc(out, (char) v->value_null[i]);
			if (!v->value_null[i])
				put_f64(out, v->values[i]);
		}
	}
}
