/*
 * seq_type.c
 *	  The rnnseq type: text and binary input and output, the builder that
 *	  makes canonical values (shared with the aggregates), the trainer's
 *	  accessor and rnn_seq_info.
 *
 * Text form (JSON syntax), one of
 *
 *	[]										empty
 *	["J18.9", "R05", null]					tokens, in input order
 *	[[0, "J18.9"], [1.5, null]]				timed tokens
 *	[[0, "HR", 80], [30, "HR", null]]		measurements
 *
 * where a time is a JSON number, or an RFC 3339 timestamp string
 * ("2024-01-01T10:00:00Z"; input also takes an offset "+01:00" and
 * converts to UTC).  A value built by an aggregate that skipped rows (NULL
 * time or variable) prints as an object that keeps their count, with the
 * keys in this order:
 *
 *	{"kind": "measurements", "time_type": "number", "dropped": 2,
 *	 "events": [[0, "HR", 80]]}
 *
 * Output is canonical (timed events sorted, numbers in shortest round-trip
 * form, timestamps in UTC) and depends on no setting, so rnnseq_out is
 * IMMUTABLE and input of output gives back the same bytes.
 *
 * Binary form, network byte order, as rnnseq_send writes it:
 *
 *	uint8 version (1), uint8 kind, uint8 time_kind,
 *	int32 n (events), int32 n_strings, int32 n_dropped,
 *	n_strings times: int32 byte count, the bytes (client encoding, no NUL),
 *	n times: float8 time (kinds 2 and 3), int32 string index (-1 = NULL),
 *			 and for kind 3 uint8 value_null (0 or 1), then float8 value
 *			 only when value_null is 0.
 *
 * rnnseq_recv treats its input as untrusted: it checks every count against
 * the bytes that remain before allocating, every index, number, flag and
 * string, takes strings and timed events in any order and stores the
 * canonical form.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "datatype/timestamp.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "mr_sort.h"
#include "seq_type.h"

/* PostgreSQL's epoch (2000-01-01) in Unix microseconds */
#define PG_EPOCH_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in Unix microseconds */
#define RNNSEQ_MIN_USECS	INT64CONST(-62135596800000000)
#define RNNSEQ_MAX_USECS	INT64CONST(253402300799999999)

/* Bytes of the input quoted in a syntax error */
#define INPUT_QUOTE_MAX		60

static const char *const kind_names[] = {"empty", "tokens", "timed_tokens", "measurements"};
static const char *const time_names[] = {NULL, "number", "timestamp"};

/* ----------------------------------------------------------------
 * Layout and the trainer's view
 * ---------------------------------------------------------------- */

/* Byte offsets of a value's arrays */
typedef struct SeqLayout
{
	Size		times;
	Size		values;
	Size		str;
	Size		value_null;
	Size		str_off;
	Size		strbytes;
	Size		total;			/* VARSIZE of the value */
} SeqLayout;

/* Compute the layout of a value with these counts, overflow-checked */
static void
seq_layout(int kind, int32 n, int32 n_strings, int32 strings_bytes, SeqLayout *l)
{
	Size		off = sizeof(RnnSeq);

	l->times = off;
	if (kind >= RNNSEQ_TIMED)
		off = add_size(off, mul_size((Size) n, sizeof(float8)));
	l->values = off;
	if (kind == RNNSEQ_MEASURES)
		off = add_size(off, mul_size((Size) n, sizeof(float8)));
	l->str = off;
	off = add_size(off, mul_size((Size) n, sizeof(int32)));
	l->value_null = off;
	if (kind == RNNSEQ_MEASURES)
		off = add_size(off, (Size) n);
	off = INTALIGN(off);
	l->str_off = off;
	off = add_size(off, mul_size((Size) n_strings + 1, sizeof(int32)));
	l->strbytes = off;
	l->total = add_size(off, (Size) strings_bytes);
}

static void corrupt_value(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/* Report a stored value that breaks the format's invariants */
static void
corrupt_value(const char *fmt,...)
{
	va_list		args;
	char		detail[256];

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid rnnseq value"),
			 errdetail("%s", detail)));
}

/* Check a detoasted value and point a view into it */
void
RnnSeqGetView(const struct varlena *detoasted, RnnSeqView *v)
{
	const RnnSeq *s = (const RnnSeq *) detoasted;
	const char *base = (const char *) detoasted;
	Size		size = VARSIZE(detoasted);
	SeqLayout	l;

	Assert(!VARATT_IS_EXTENDED(detoasted));
	if (size < sizeof(RnnSeq))
		corrupt_value("The value has %zu bytes, fewer than its header.", size);
	if (s->version != RNNSEQ_VERSION)
		corrupt_value("Format version %d is not %d.", s->version, RNNSEQ_VERSION);
	if (s->kind > RNNSEQ_MEASURES || s->flags != 0 ||
		(s->kind < RNNSEQ_TIMED ? s->time_kind != RNNSEQ_TIME_NONE :
		 s->time_kind != RNNSEQ_TIME_NUMBER && s->time_kind != RNNSEQ_TIME_TIMESTAMP))
		corrupt_value("Kind %d, time kind %d and flags %d do not go together.",
					  s->kind, s->time_kind, s->flags);
	if (s->n < 0 || s->n > RNNSEQ_MAX_EVENTS || s->n_strings < 0 || s->n_strings > s->n ||
		s->n_dropped < 0 || s->strings_bytes < 0)
		corrupt_value("Counts out of range: %d events, %d strings, %d skipped rows, %d string bytes.",
					  s->n, s->n_strings, s->n_dropped, s->strings_bytes);
	if ((s->kind == RNNSEQ_EMPTY && (s->n != 0 || s->n_dropped != 0)) ||
		(s->kind == RNNSEQ_TOKENS && (s->n == 0 || s->n_dropped != 0)) ||
		(s->kind >= RNNSEQ_TIMED && s->n == 0 && s->n_dropped == 0))
		corrupt_value("Kind %d with %d events and %d skipped rows.", s->kind, s->n, s->n_dropped);
	seq_layout(s->kind, s->n, s->n_strings, s->strings_bytes, &l);
	if (l.total != size)
		corrupt_value("The value has %zu bytes, its header says %zu.", size, l.total);

	v->kind = s->kind;
	v->time_kind = s->time_kind;
	v->n = s->n;
	v->n_strings = s->n_strings;
	v->n_dropped = s->n_dropped;
	v->times = s->kind >= RNNSEQ_TIMED ? (const float8 *) (base + l.times) : NULL;
	v->values = s->kind == RNNSEQ_MEASURES ? (const float8 *) (base + l.values) : NULL;
	v->str = (const int32 *) (base + l.str);
	v->value_null = s->kind == RNNSEQ_MEASURES ? (const uint8 *) (base + l.value_null) : NULL;
	v->str_off = (const int32 *) (base + l.str_off);
	v->strbytes = base + l.strbytes;

	if (v->str_off[0] != 0 || v->str_off[v->n_strings] != s->strings_bytes)
		corrupt_value("String offsets do not cover the %d string bytes.", s->strings_bytes);
	for (int32 k = 0; k < v->n_strings; k++)
	{
		int32		len = v->str_off[k + 1] - v->str_off[k];

		if (len < 0 || len > RNNSEQ_MAX_STRING)
			corrupt_value("String %d has %d bytes.", k + 1, len);
	}
	for (int32 i = 0; i < v->n; i++)
	{
		if (v->str[i] < (v->kind == RNNSEQ_MEASURES ? 0 : -1) || v->str[i] >= v->n_strings)
			corrupt_value("Event %d has string index %d of %d.", i + 1, v->str[i], v->n_strings);
		if (v->times &&
			(!isfinite(v->times[i]) || (i > 0 && v->times[i] < v->times[i - 1])))
			corrupt_value("Event %d has a time that is not finite or out of order.", i + 1);
		if (v->values && (v->value_null[i] > 1 || !isfinite(v->values[i])))
			corrupt_value("Event %d has a bad value.", i + 1);
	}
}

/* ----------------------------------------------------------------
 * Errors shared with the aggregates
 * ---------------------------------------------------------------- */

/* Reject a token or variable name longer than the limit */
void
RnnSeqCheckString(const char *s, int len)
{
	if (len > RNNSEQ_MAX_STRING)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("string too long for type rnnseq"),
				 errdetail("A token or variable name of %d bytes starts with \"%.*s\"; the limit is %d bytes.",
						   len, pg_mbcliplen(s, len, 20), s, RNNSEQ_MAX_STRING)));
}

/* Report a sequence that would go over the event limit */
void
RnnSeqTooManyEvents(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("rnnseq cannot have more than %d events", RNNSEQ_MAX_EVENTS),
			 errhint("Split long sequences, for example into time windows.")));
}

/* ----------------------------------------------------------------
 * Times
 * ---------------------------------------------------------------- */

/* Unix microseconds to the stored seconds */
static float8
usecs_to_seconds(int64 us)
{
	return (float8) us / 1000000.0;
}

/*
 * The microseconds whose seconds are exactly t (sign of zero included), or
 * false if there are none in years 0001 to 9999.  Near t * 10^6 first;
 * the search only matters for years after about 2250, where neighbouring
 * microseconds share a float8.
 */
static bool
seconds_to_usecs(float8 t, int64 *us)
{
	float8		secs;
	int64		base;

	if (!(t >= -62135596801.0 && t <= 253402300801.0))
		return false;
	secs = floor(t);
	base = (int64) secs * USECS_PER_SEC + (int64) rint((t - secs) * 1000000.0);
	for (int k = 0; k <= 128; k++)
	{
		int64		c = base + ((k & 1) ? (k + 1) / 2 : -(k / 2));

		if (c >= RNNSEQ_MIN_USECS && c <= RNNSEQ_MAX_USECS &&
			usecs_to_seconds(c) == t && (signbit(usecs_to_seconds(c)) != 0) == (signbit(t) != 0))
		{
			*us = c;
			return true;
		}
	}
	return false;
}

/* Convert a timestamptz to the stored seconds; ERROR outside 0001-9999 */
float8
RnnSeqTimestampToSeconds(int64 pg_timestamp)
{
	int64		us;

	if (TIMESTAMP_NOT_FINITE(pg_timestamp) ||
		pg_add_s64_overflow(pg_timestamp, PG_EPOCH_USECS, &us) ||
		us < RNNSEQ_MIN_USECS || us > RNNSEQ_MAX_USECS)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for type rnnseq"),
				 errdetail("rnnseq holds timestamps from 0001-01-01 to 9999-12-31 UTC.")));
	return usecs_to_seconds(us);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64
days_from_civil(int64 y, int m, int d)
{
	int64		era,
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
civil_from_days(int64 z, int *y, int *m, int *d)
{
	int64		era,
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
 * (no leap second), into Unix microseconds.  s is NUL-terminated.
 */
static TsResult
parse_timestamp(const char *s, int len, int64 *us)
{
	int			year,
				mon,
				mday,
				hour,
				min,
				sec,
				pos = 19,
				frac = 0,
				ndigits = 0;
	int64		offset = 0,
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
	if (total < RNNSEQ_MIN_USECS || total > RNNSEQ_MAX_USECS)
		return TS_RANGE;
	*us = total;
	return TS_OK;
}

/* Append a JSON number in shortest round-trip form (no extra_float_digits) */
static void
append_number(StringInfo buf, float8 x)
{
	char		s[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, s);
	appendStringInfoString(buf, s);
}

/* Append a stored timestamp as a quoted RFC 3339 UTC string */
static void
append_timestamp(StringInfo buf, float8 t)
{
	int64		us,
				days,
				rem;
	int			y,
				m,
				d,
				frac;

	if (!seconds_to_usecs(t, &us))
		elog(ERROR, "rnnseq time %g is not a timestamp", t);
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
	appendStringInfo(buf, "\"%04d-%02d-%02dT%02d:%02d:%02d",
					 y, m, d, (int) (rem / 3600), (int) (rem / 60 % 60), (int) (rem % 60));
	if (frac != 0)
	{
		char		f[8];
		int			n = 6;

		snprintf(f, sizeof(f), "%06d", frac);
		while (f[n - 1] == '0')
			n--;
		appendStringInfo(buf, ".%.*s", n, f);
	}
	appendStringInfoString(buf, "Z\"");
}

/* Append a time of the given time kind */
static void
append_time(StringInfo buf, int time_kind, float8 t)
{
	if (time_kind == RNNSEQ_TIME_TIMESTAMP)
		append_timestamp(buf, t);
	else
		append_number(buf, t);
}

/* Append bytes as a JSON string: escape quote, backslash, controls and DEL */
static void
append_json_string(StringInfo buf, const char *s, int len)
{
	appendStringInfoCharMacro(buf, '"');
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		switch (c)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			default:
				if (c < 0x20 || c == 0x7f)
					appendStringInfo(buf, "\\u%04x", c);
				else
					appendStringInfoCharMacro(buf, (char) c);
		}
	}
	appendStringInfoCharMacro(buf, '"');
}

/* ----------------------------------------------------------------
 * The builder
 * ---------------------------------------------------------------- */

/* Start an empty builder whose arrays will live in cxt */
void
RnnSeqBuilderInit(RnnSeqBuilder *b, MemoryContext cxt, int kind, int time_kind)
{
	memset(b, 0, sizeof(*b));
	b->cxt = cxt;
	b->kind = kind;
	b->time_kind = time_kind;
}

/* Allocate or enlarge an array in cxt */
static void *
grow_array(MemoryContext cxt, void *p, Size size)
{
	if (p == NULL)
		return MemoryContextAlloc(cxt, size);
	return repalloc(p, size);
}

/* Make room for need events (ERROR past the event limit) */
void
RnnSeqBuilderReserve(RnnSeqBuilder *b, int32 need)
{
	int32		cap;

	if (need <= b->cap)
		return;
	if (need > RNNSEQ_MAX_EVENTS)
		RnnSeqTooManyEvents();
	cap = Max(b->cap, 8);
	while (cap < need)
		cap = (int32) Min((int64) cap * 2, RNNSEQ_MAX_EVENTS);
	if (b->kind >= RNNSEQ_TIMED)
		b->times = grow_array(b->cxt, b->times, cap * sizeof(float8));
	if (b->kind == RNNSEQ_MEASURES)
	{
		b->values = grow_array(b->cxt, b->values, cap * sizeof(float8));
		b->value_null = grow_array(b->cxt, b->value_null, cap * sizeof(uint8));
	}
	b->str = grow_array(b->cxt, b->str, cap * sizeof(int32));
	b->cap = cap;
}

/* Append one event (t and the value are ignored where the kind has none) */
void
RnnSeqBuilderAdd(RnnSeqBuilder *b, float8 t, int32 sid, bool value_null, float8 value)
{
	int32		i = b->n;

	if (i == b->cap)
		RnnSeqBuilderReserve(b, i + 1);
	if (b->kind >= RNNSEQ_TIMED)
		b->times[i] = t;
	if (b->kind == RNNSEQ_MEASURES)
	{
		b->values[i] = value_null ? 0.0 : value;
		b->value_null[i] = value_null ? 1 : 0;
	}
	b->str[i] = sid;
	b->n = i + 1;
}

/* Insert string id into the hash table (it is not there yet) */
static void
hash_insert(RnnSeqBuilder *b, int32 id)
{
	uint32		mask = (uint32) b->n_slots - 1;
	uint32		i;

	for (i = b->str_hash[id] & mask; b->slots[i] != 0; i = (i + 1) & mask)
		;
	b->slots[i] = id + 1;
}

/* (Re)build the hash table for at least twice the strings there are */
static void
hash_rebuild(RnnSeqBuilder *b)
{
	int32		n_slots = 16;

	while (n_slots < 2 * (b->n_strings + 1))
		n_slots *= 2;
	if (b->str_hash == NULL)
	{
		/* a deserialized state: hash its strings now */
		b->str_hash = MemoryContextAlloc(b->cxt, Max(b->strings_cap, 1) * sizeof(uint32));
		for (int32 k = 0; k < b->n_strings; k++)
			b->str_hash[k] = hash_bytes((const unsigned char *) b->strbytes + b->str_off[k],
										b->str_off[k + 1] - b->str_off[k]);
	}
	if (b->slots)
		pfree(b->slots);
	b->slots = MemoryContextAllocZero(b->cxt, n_slots * sizeof(int32));
	b->n_slots = n_slots;
	for (int32 k = 0; k < b->n_strings; k++)
		hash_insert(b, k);
}

/* The id of a string, added to the dictionary if new (ERROR if too long) */
int32
RnnSeqBuilderIntern(RnnSeqBuilder *b, const char *s, int len)
{
	uint32		h,
				mask,
				i;
	int32		id,
				off;

	RnnSeqCheckString(s, len);
	h = hash_bytes((const unsigned char *) s, len);
	if (b->slots == NULL)
		hash_rebuild(b);
	mask = (uint32) b->n_slots - 1;
	for (i = h & mask; b->slots[i] != 0; i = (i + 1) & mask)
	{
		id = b->slots[i] - 1;
		if (b->str_hash[id] == h && b->str_off[id + 1] - b->str_off[id] == len &&
			memcmp(b->strbytes + b->str_off[id], s, len) == 0)
			return id;
	}

	/* a new string; strings never outnumber events much, so int32 is plenty */
	id = b->n_strings;
	if (id == b->strings_cap)
	{
		int32		cap = Max(8, b->strings_cap * 2);

		b->str_off = grow_array(b->cxt, b->str_off, (cap + 1) * sizeof(int32));
		b->str_hash = grow_array(b->cxt, b->str_hash, cap * sizeof(uint32));
		if (b->strings_cap == 0)
			b->str_off[0] = 0;
		b->strings_cap = cap;
	}
	off = b->str_off[id];
	if ((int64) off + len > b->bytes_cap)
	{
		int64		cap = Max(64, (int64) b->bytes_cap * 2);

		while (cap < (int64) off + len)
			cap *= 2;
		if (cap > (int64) MaxAllocSize)
			RnnSeqTooManyEvents();
		b->strbytes = grow_array(b->cxt, b->strbytes, (Size) cap);
		b->bytes_cap = (int32) cap;
	}
	memcpy(b->strbytes + off, s, len);
	b->str_off[id + 1] = off + len;
	b->str_hash[id] = h;
	b->n_strings = id + 1;
	b->slots[i] = id + 1;
	if (2 * b->n_strings >= b->n_slots)
		hash_rebuild(b);
	return id;
}

/* Append src's events and skipped-row count to dst (in dst's context) */
void
RnnSeqBuilderAppend(RnnSeqBuilder *dst, const RnnSeqBuilder *src)
{
	int32	   *map;
	int32		base = dst->n;

	if (dst->kind != src->kind || dst->time_kind != src->time_kind)
		elog(ERROR, "cannot combine rnn_seq states of kind %d/%d and %d/%d",
			 dst->kind, dst->time_kind, src->kind, src->time_kind);
	if ((int64) dst->n + src->n > RNNSEQ_MAX_EVENTS)
		RnnSeqTooManyEvents();
	map = palloc(Max(src->n_strings, 1) * sizeof(int32));
	for (int32 k = 0; k < src->n_strings; k++)
		map[k] = RnnSeqBuilderIntern(dst, src->strbytes + src->str_off[k],
									 src->str_off[k + 1] - src->str_off[k]);
	RnnSeqBuilderReserve(dst, base + src->n);
	for (int32 i = 0; i < src->n; i++)
		dst->str[base + i] = src->str[i] < 0 ? -1 : map[src->str[i]];
	if (src->kind >= RNNSEQ_TIMED && src->n > 0)
		memcpy(dst->times + base, src->times, src->n * sizeof(float8));
	if (src->kind == RNNSEQ_MEASURES && src->n > 0)
	{
		memcpy(dst->values + base, src->values, src->n * sizeof(float8));
		memcpy(dst->value_null + base, src->value_null, src->n * sizeof(uint8));
	}
	dst->n = base + src->n;
	dst->n_dropped += src->n_dropped;
	pfree(map);
}

/* One event while sorting: s is the string's rank, INT32_MAX for NULL */
typedef struct SeqItem
{
	float8		t;
	float8		v;
	int32		s;
	int32		vnull;
} SeqItem;

/* Order two numbers, -0 before +0 (no NaN here) */
static inline int
cmp_float8(float8 a, float8 b)
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
	int			c = cmp_float8(a->t, b->t);

	if (c != 0)
		return c;
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	if (a->vnull != b->vnull)
		return a->vnull - b->vnull;
	return cmp_float8(a->v, b->v);
}

/* String ids by their bytes, shorter first on a tie */
static int
cmp_string_ids(const void *pa, const void *pb, void *arg)
{
	const RnnSeqBuilder *b = (const RnnSeqBuilder *) arg;
	int32		a = *(const int32 *) pa,
				c = *(const int32 *) pb;
	int32		la = b->str_off[a + 1] - b->str_off[a],
				lc = b->str_off[c + 1] - b->str_off[c];
	int			r = memcmp(b->strbytes + b->str_off[a], b->strbytes + b->str_off[c], Min(la, lc));

	if (r != 0)
		return r;
	return (la > lc) - (la < lc);
}

/* mr_sort with scratch from the current memory context */
static void
sort_palloc(void *base, int32 n, Size elem, MrCompareFn cmp, void *arg)
{
	void	   *tmp = palloc(mul_size((Size) Max(n, 1), elem));

	mr_sort_with(base, tmp, (size_t) n, elem, cmp, arg);
	pfree(tmp);
}

/*
 * The canonical value of a builder, in the current memory context.  Reads
 * b only: an aggregate's final function may run more than once.
 */
RnnSeq *
RnnSeqBuild(const RnnSeqBuilder *b)
{
	int			kind = b->kind,
				time_kind = b->time_kind;
	int32		n = b->n,
				n_used = 0,
				bytes = 0;
	int32	   *rank,
			   *order;
	SeqLayout	l;
	RnnSeq	   *s;
	char	   *base;
	float8	   *times;
	float8	   *values;
	int32	   *str;
	uint8	   *value_null;
	int32	   *str_off;

	if (b->n_dropped > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rnnseq cannot count more than %d skipped rows", PG_INT32_MAX)));
	if (n == 0 && b->n_dropped == 0)
	{
		kind = RNNSEQ_EMPTY;
		time_kind = RNNSEQ_TIME_NONE;
	}

	/* the dictionary: used strings only, sorted by their bytes */
	rank = palloc(Max(b->n_strings, 1) * sizeof(int32));
	order = palloc(Max(b->n_strings, 1) * sizeof(int32));
	for (int32 k = 0; k < b->n_strings; k++)
		rank[k] = -1;
	for (int32 i = 0; i < n; i++)
		if (b->str[i] >= 0 && rank[b->str[i]] < 0)
		{
			rank[b->str[i]] = 0;
			order[n_used++] = b->str[i];
		}
	sort_palloc(order, n_used, sizeof(int32), cmp_string_ids, (void *) b);
	for (int32 r = 0; r < n_used; r++)
	{
		rank[order[r]] = r;
		bytes += b->str_off[order[r] + 1] - b->str_off[order[r]];
	}

	seq_layout(kind, n, n_used, bytes, &l);
	s = palloc0(l.total);
	SET_VARSIZE(s, l.total);
	s->version = RNNSEQ_VERSION;
	s->kind = (uint8) kind;
	s->time_kind = (uint8) time_kind;
	s->flags = 0;
	s->n = n;
	s->n_strings = n_used;
	s->n_dropped = (int32) b->n_dropped;
	s->strings_bytes = bytes;
	base = (char *) s;
	times = (float8 *) (base + l.times);
	values = (float8 *) (base + l.values);
	str = (int32 *) (base + l.str);
	value_null = (uint8 *) (base + l.value_null);
	str_off = (int32 *) (base + l.str_off);

	str_off[0] = 0;
	for (int32 r = 0; r < n_used; r++)
	{
		int32		k = order[r],
					len = b->str_off[k + 1] - b->str_off[k];

		memcpy(base + l.strbytes + str_off[r], b->strbytes + b->str_off[k], len);
		str_off[r + 1] = str_off[r] + len;
	}

	if (kind == RNNSEQ_TOKENS)
	{
		/* input order */
		for (int32 i = 0; i < n; i++)
			str[i] = b->str[i] < 0 ? -1 : rank[b->str[i]];
	}
	else if (kind >= RNNSEQ_TIMED && n > 0)
	{
		SeqItem    *items = palloc(mul_size((Size) n, sizeof(SeqItem)));

		for (int32 i = 0; i < n; i++)
		{
			items[i].t = b->times[i];
			items[i].s = b->str[i] < 0 ? PG_INT32_MAX : rank[b->str[i]];
			items[i].vnull = kind == RNNSEQ_MEASURES ? b->value_null[i] : 0;
			items[i].v = kind == RNNSEQ_MEASURES ? b->values[i] : 0.0;
		}
		sort_palloc(items, n, sizeof(SeqItem), cmp_item, NULL);
		for (int32 i = 0; i < n; i++)
		{
			times[i] = items[i].t;
			str[i] = items[i].s == PG_INT32_MAX ? -1 : items[i].s;
			if (kind == RNNSEQ_MEASURES)
			{
				values[i] = items[i].v;
				value_null[i] = (uint8) items[i].vnull;
			}
		}
		pfree(items);
	}
	pfree(rank);
	pfree(order);
	return s;
}

/* ----------------------------------------------------------------
 * Text input
 * ---------------------------------------------------------------- */

typedef struct SeqParser
{
	const char *input;			/* the whole text, quoted in messages */
	const char *p;				/* next byte */
	int32		elem;			/* element being read, from 1; 0 outside */
	RnnSeqBuilder b;			/* kind and time kind: the shape so far */
	StringInfoData str[3];		/* decoded strings of one element's items */
} SeqParser;

typedef enum SeqItemType
{
	ITEM_NUMBER,
	ITEM_STRING,
	ITEM_NULL,
	ITEM_OTHER					/* true, false, an array or object */
} SeqItemType;

static void syntax_error(SeqParser *ps, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();
static void lexical_error(SeqParser *ps, const char *what) pg_attribute_noreturn();
static void shape_error(SeqParser *ps, bool in_array) pg_attribute_noreturn();

/* Report invalid input, quoting its start, with a detail saying why */
static void
syntax_error(SeqParser *ps, const char *fmt,...)
{
	va_list		args;
	char		detail[256];
	int			len = strlen(ps->input);
	int			cut = len > INPUT_QUOTE_MAX ? pg_mbcliplen(ps->input, len, INPUT_QUOTE_MAX) : len;

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%.*s%s\"", "rnnseq",
					cut, ps->input, cut < len ? "..." : ""),
			 errdetail("%s", detail)));
}

/* Report a malformed JSON token: "Element 3 has <what>." */
static void
lexical_error(SeqParser *ps, const char *what)
{
	if (ps->elem > 0)
		syntax_error(ps, "Element %d has %s.", ps->elem, what);
	syntax_error(ps, "The value has %s.", what);
}

/*
 * Report an element that does not have the shape of the sequence's kind
 * (in_array: the element is an array, so it cannot start a token sequence)
 */
static void
shape_error(SeqParser *ps, bool in_array)
{
	switch (ps->b.kind)
	{
		case RNNSEQ_TOKENS:
			syntax_error(ps, "Element %d must be a string or null.", ps->elem);
		case RNNSEQ_TIMED:
			syntax_error(ps, "Element %d must be [time, token].", ps->elem);
		case RNNSEQ_MEASURES:
			syntax_error(ps, "Element %d must be [time, variable, value].", ps->elem);
	}
	if (in_array)
		syntax_error(ps, "Element %d must be [time, token] or [time, variable, value].", ps->elem);
	syntax_error(ps, "Element %d must be a string, null, [time, token] or [time, variable, value].",
				 ps->elem);
}

/* Skip JSON white space */
static void
skip_ws(SeqParser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

/* Read four hex digits of a \u escape */
static pg_wchar
read_hex4(SeqParser *ps)
{
	pg_wchar	c = 0;

	for (int i = 0; i < 4; i++)
	{
		char		h = *ps->p++;

		if (h >= '0' && h <= '9')
			c = c * 16 + (h - '0');
		else if (h >= 'a' && h <= 'f')
			c = c * 16 + (h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			c = c * 16 + (h - 'A' + 10);
		else
			lexical_error(ps, "an invalid escape sequence in a string");
	}
	return c;
}

/* Decode a JSON string at ps->p (a '"') into out, in the server encoding */
static void
parse_string(SeqParser *ps, StringInfo out)
{
	resetStringInfo(out);
	ps->p++;
	for (;;)
	{
		unsigned char c = (unsigned char) *ps->p;

		if (c == '"')
			break;
		if (c == '\0')
			lexical_error(ps, "an unterminated string");
		if (c < 0x20)
			lexical_error(ps, "an unescaped control character in a string");
		if (c != '\\')
		{
			appendStringInfoCharMacro(out, (char) c);
			ps->p++;
			continue;
		}
		ps->p++;
		c = (unsigned char) *ps->p++;
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoCharMacro(out, (char) c);
				break;
			case 'b':
				appendStringInfoCharMacro(out, '\b');
				break;
			case 'f':
				appendStringInfoCharMacro(out, '\f');
				break;
			case 'n':
				appendStringInfoCharMacro(out, '\n');
				break;
			case 'r':
				appendStringInfoCharMacro(out, '\r');
				break;
			case 't':
				appendStringInfoCharMacro(out, '\t');
				break;
			case 'u':
				{
					pg_wchar	cp = read_hex4(ps);

					if (is_utf16_surrogate_first(cp))
					{
						pg_wchar	lo;

						if (ps->p[0] != '\\' || ps->p[1] != 'u')
							lexical_error(ps, "an invalid escape sequence in a string");
						ps->p += 2;
						lo = read_hex4(ps);
						if (!is_utf16_surrogate_second(lo))
							lexical_error(ps, "an invalid escape sequence in a string");
						cp = surrogate_pair_to_codepoint(cp, lo);
					}
					else if (is_utf16_surrogate_second(cp))
						lexical_error(ps, "an invalid escape sequence in a string");
					if (cp == 0)
						lexical_error(ps, "\\u0000, which cannot be stored");
					if (cp < 0x80)
						appendStringInfoCharMacro(out, (char) cp);
					else
					{
						unsigned char cbuf[MAX_UNICODE_EQUIVALENT_STRING + 1];

						pg_unicode_to_server(cp, cbuf);
						appendStringInfoString(out, (char *) cbuf);
					}
					break;
				}
			default:
				ps->p--;
				lexical_error(ps, "an invalid escape sequence in a string");
		}
	}
	ps->p++;
	pg_verifymbstr(out->data, out->len, false);
}

/* Parse a JSON number at ps->p into a float8 */
static float8
parse_number(SeqParser *ps)
{
	const char *q = ps->p;
	char	   *copy;
	float8		val;

	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (*q >= '0' && *q <= '9')
			q++;
	else
		lexical_error(ps, "an invalid number");
	if (*q == '.')
	{
		q++;
		if (!(*q >= '0' && *q <= '9'))
			lexical_error(ps, "an invalid number");
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E')
	{
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!(*q >= '0' && *q <= '9'))
			lexical_error(ps, "an invalid number");
		while (*q >= '0' && *q <= '9')
			q++;
	}
	/* "01", "1.5.2", "2x" */
	if ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		*q == '.' || *q == '_' || *q == '+' || *q == '-')
		lexical_error(ps, "an invalid number");

	copy = pnstrdup(ps->p, q - ps->p);
	errno = 0;
	val = strtod(copy, NULL);
	/* like float8in: overflow, and underflow to zero, are out of range */
	if (errno == ERANGE && (val == 0.0 || val >= HUGE_VAL || val <= -HUGE_VAL))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("number out of range for type rnnseq"),
				 ps->elem > 0 ?
				 errdetail("\"%.40s%s\" in element %d does not fit in double precision.",
						   copy, strlen(copy) > 40 ? "..." : "", ps->elem) :
				 errdetail("\"%.40s%s\" does not fit in double precision.",
						   copy, strlen(copy) > 40 ? "..." : "")));
	pfree(copy);
	ps->p = q;
	return val;
}

/* Match a JSON literal (null, true, false) at ps->p */
static bool
match_literal(SeqParser *ps, const char *word)
{
	int			len = strlen(word);
	char		next;

	if (strncmp(ps->p, word, len) != 0)
		return false;
	next = ps->p[len];
	if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
		(next >= '0' && next <= '9') || next == '_')
		return false;
	ps->p += len;
	return true;
}

/* Read one scalar: a string (into str), a number (into *num) or null */
static SeqItemType
parse_item(SeqParser *ps, StringInfo str, float8 *num)
{
	char		c;

	skip_ws(ps);
	c = *ps->p;
	if (c == '"')
	{
		parse_string(ps, str);
		return ITEM_STRING;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
	{
		*num = parse_number(ps);
		return ITEM_NUMBER;
	}
	if (c == 'n' && match_literal(ps, "null"))
		return ITEM_NULL;
	if (c == '[' || c == '{' ||
		(c == 't' && match_literal(ps, "true")) || (c == 'f' && match_literal(ps, "false")))
		return ITEM_OTHER;
	if (c == '\0')
		syntax_error(ps, "Unexpected end of input.");
	lexical_error(ps, "a value that is not valid JSON");
}

/* The time of the current element from its first item */
static float8
element_time(SeqParser *ps, SeqItemType type, float8 num)
{
	int			time_kind;
	float8		t;

	if (type == ITEM_NULL)
		syntax_error(ps, "Element %d has a null time.", ps->elem);
	if (type == ITEM_NUMBER)
	{
		time_kind = RNNSEQ_TIME_NUMBER;
		t = num;
	}
	else
	{
		int64		us = 0;

		switch (parse_timestamp(ps->str[0].data, ps->str[0].len, &us))
		{
			case TS_OK:
				break;
			case TS_SYNTAX:
				syntax_error(ps, "Element %d has an invalid timestamp; the format is YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or an offset +hh:mm.",
							 ps->elem);
			case TS_FIELD:
				syntax_error(ps, "Element %d has a timestamp with a field out of range.", ps->elem);
			case TS_RANGE:
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("timestamp out of range for type rnnseq"),
						 errdetail("Element %d is not between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.",
								   ps->elem)));
		}
		time_kind = RNNSEQ_TIME_TIMESTAMP;
		t = usecs_to_seconds(us);
	}
	if (ps->b.time_kind == RNNSEQ_TIME_NONE)
		ps->b.time_kind = time_kind;
	else if (ps->b.time_kind != time_kind)
		syntax_error(ps, "Times must be all numbers or all timestamps; element %d differs.", ps->elem);
	return t;
}

/* Read one element of the event array and add its event */
static void
parse_element(SeqParser *ps)
{
	SeqItemType type[3];
	float8		num[3];
	int			k = 0;
	float8		t;
	int32		sid;

	skip_ws(ps);
	if (*ps->p != '[')
	{
		/* a bare token */
		if (ps->b.kind >= RNNSEQ_TIMED)
			shape_error(ps, false);
		type[0] = parse_item(ps, &ps->str[0], &num[0]);
		if (type[0] != ITEM_STRING && type[0] != ITEM_NULL)
			shape_error(ps, false);
		ps->b.kind = RNNSEQ_TOKENS;
		sid = type[0] == ITEM_NULL ? -1 :
			RnnSeqBuilderIntern(&ps->b, ps->str[0].data, ps->str[0].len);
		RnnSeqBuilderAdd(&ps->b, 0.0, sid, false, 0.0);
		return;
	}
	if (ps->b.kind == RNNSEQ_TOKENS)
		shape_error(ps, false);
	ps->p++;
	skip_ws(ps);
	if (*ps->p != ']')
	{
		for (;;)
		{
			if (k == 3)
				shape_error(ps, true);
			type[k] = parse_item(ps, &ps->str[k], &num[k]);
			if (type[k] == ITEM_OTHER)
				shape_error(ps, true);
			k++;
			skip_ws(ps);
			if (*ps->p == ',')
			{
				ps->p++;
				continue;
			}
			if (*ps->p == ']')
				break;
			if (*ps->p == '\0')
				syntax_error(ps, "Unexpected end of input.");
			syntax_error(ps, "Expected \",\" or \"]\" in element %d.", ps->elem);
		}
	}
	ps->p++;

	if (ps->b.kind == RNNSEQ_EMPTY && (k == 2 || k == 3))
		ps->b.kind = k == 2 ? RNNSEQ_TIMED : RNNSEQ_MEASURES;
	else if (k != (ps->b.kind == RNNSEQ_TIMED ? 2 : 3))
		shape_error(ps, true);

	t = element_time(ps, type[0], num[0]);
	if (ps->b.kind == RNNSEQ_TIMED)
	{
		if (type[1] == ITEM_NUMBER)
			syntax_error(ps, "Element %d must have a string or null as its token.", ps->elem);
		sid = type[1] == ITEM_NULL ? -1 :
			RnnSeqBuilderIntern(&ps->b, ps->str[1].data, ps->str[1].len);
		RnnSeqBuilderAdd(&ps->b, t, sid, false, 0.0);
		return;
	}
	if (type[1] == ITEM_NULL)
		syntax_error(ps, "Element %d has a null variable.", ps->elem);
	if (type[1] != ITEM_STRING)
		syntax_error(ps, "Element %d must have a string as its variable.", ps->elem);
	if (type[2] == ITEM_STRING)
		syntax_error(ps, "Element %d must have a number or null as its value.", ps->elem);
	sid = RnnSeqBuilderIntern(&ps->b, ps->str[1].data, ps->str[1].len);
	RnnSeqBuilderAdd(&ps->b, t, sid, type[2] == ITEM_NULL, num[2]);
}

/* Read the event array at ps->p (a '[') */
static void
parse_events(SeqParser *ps)
{
	ps->p++;
	skip_ws(ps);
	if (*ps->p == ']')
	{
		ps->p++;
		return;
	}
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		ps->elem++;
		parse_element(ps);
		skip_ws(ps);
		if (*ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (*ps->p == ']')
		{
			ps->p++;
			break;
		}
		if (*ps->p == '\0')
			syntax_error(ps, "Unexpected end of input.");
		syntax_error(ps, "Expected \",\" or \"]\" after element %d.", ps->elem);
	}
	ps->elem = 0;
}

/* Read "key": with the expected key, or fail */
static void
expect_key(SeqParser *ps, const char *key, bool first)
{
	skip_ws(ps);
	if (!first)
	{
		if (*ps->p != ',')
			syntax_error(ps, "Expected \",\" before the key \"%s\".", key);
		ps->p++;
		skip_ws(ps);
	}
	if (*ps->p != '"')
		syntax_error(ps, "Expected the key \"%s\"; the keys are \"kind\", \"time_type\", \"dropped\" and \"events\", in this order.",
					 key);
	parse_string(ps, &ps->str[0]);
	if (strcmp(ps->str[0].data, key) != 0)
		syntax_error(ps, "Expected the key \"%s\"; the keys are \"kind\", \"time_type\", \"dropped\" and \"events\", in this order.",
					 key);
	skip_ws(ps);
	if (*ps->p != ':')
		syntax_error(ps, "Expected \":\" after the key \"%s\".", key);
	ps->p++;
}

/* Read the object form of a sequence with skipped rows, at ps->p (a '{') */
static void
parse_object(SeqParser *ps)
{
	float8		num = 0;

	ps->p++;
	expect_key(ps, "kind", true);
	if (parse_item(ps, &ps->str[0], &num) != ITEM_STRING ||
		(strcmp(ps->str[0].data, "timed_tokens") != 0 && strcmp(ps->str[0].data, "measurements") != 0))
		syntax_error(ps, "\"kind\" must be \"timed_tokens\" or \"measurements\".");
	ps->b.kind = ps->str[0].data[0] == 't' ? RNNSEQ_TIMED : RNNSEQ_MEASURES;

	expect_key(ps, "time_type", false);
	if (parse_item(ps, &ps->str[0], &num) != ITEM_STRING ||
		(strcmp(ps->str[0].data, "number") != 0 && strcmp(ps->str[0].data, "timestamp") != 0))
		syntax_error(ps, "\"time_type\" must be \"number\" or \"timestamp\".");
	ps->b.time_kind = ps->str[0].data[0] == 'n' ? RNNSEQ_TIME_NUMBER : RNNSEQ_TIME_TIMESTAMP;

	expect_key(ps, "dropped", false);
	if (parse_item(ps, &ps->str[0], &num) != ITEM_NUMBER ||
		num != floor(num) || num < 1 || num > PG_INT32_MAX)
		syntax_error(ps, "\"dropped\" must be a whole number from 1 to %d.", PG_INT32_MAX);
	ps->b.n_dropped = (int64) num;

	expect_key(ps, "events", false);
	skip_ws(ps);
	if (*ps->p != '[')
		syntax_error(ps, "\"events\" must be an array.");
	parse_events(ps);
	skip_ws(ps);
	if (*ps->p != '}')
		syntax_error(ps, "Expected \"}\" after the events.");
	ps->p++;
}

PG_FUNCTION_INFO_V1(rnnseq_in);

/* Text input: JSON syntax as at the top of this file */
Datum
rnnseq_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	SeqParser	ps;

	memset(&ps, 0, sizeof(ps));
	ps.input = input;
	ps.p = input;
	for (int i = 0; i < 3; i++)
		initStringInfo(&ps.str[i]);
	RnnSeqBuilderInit(&ps.b, CurrentMemoryContext, RNNSEQ_EMPTY, RNNSEQ_TIME_NONE);

	skip_ws(&ps);
	if (*ps.p == '[')
		parse_events(&ps);
	else if (*ps.p == '{')
		parse_object(&ps);
	else
		syntax_error(&ps, "A sequence must start with \"[\".");
	skip_ws(&ps);
	if (*ps.p != '\0')
		syntax_error(&ps, "Unexpected text after the end of the sequence.");

	PG_RETURN_RNNSEQ_P(RnnSeqBuild(&ps.b));
}

/* ----------------------------------------------------------------
 * Text output
 * ---------------------------------------------------------------- */

/* Append the event array of a value */
static void
append_events(StringInfo buf, const RnnSeqView *v)
{
	appendStringInfoChar(buf, '[');
	for (int32 i = 0; i < v->n; i++)
	{
		int32		k = v->str[i];

		if (i > 0)
			appendStringInfoString(buf, ", ");
		if (v->kind >= RNNSEQ_TIMED)
		{
			appendStringInfoChar(buf, '[');
			append_time(buf, v->time_kind, v->times[i]);
			appendStringInfoString(buf, ", ");
		}
		if (k < 0)
			appendStringInfoString(buf, "null");
		else
			append_json_string(buf, v->strbytes + v->str_off[k], v->str_off[k + 1] - v->str_off[k]);
		if (v->kind == RNNSEQ_MEASURES)
		{
			appendStringInfoString(buf, ", ");
			if (v->value_null[i])
				appendStringInfoString(buf, "null");
			else
				append_number(buf, v->values[i]);
		}
		if (v->kind >= RNNSEQ_TIMED)
			appendStringInfoChar(buf, ']');
	}
	appendStringInfoChar(buf, ']');
}

PG_FUNCTION_INFO_V1(rnnseq_out);

/* Text output: canonical, independent of every setting */
Datum
rnnseq_out(PG_FUNCTION_ARGS)
{
	RnnSeq	   *s = PG_GETARG_RNNSEQ_P(0);
	RnnSeqView	v;
	StringInfoData buf;

	RnnSeqGetView((struct varlena *) s, &v);
	initStringInfo(&buf);
	if (v.n_dropped > 0)
		appendStringInfo(&buf, "{\"kind\": \"%s\", \"time_type\": \"%s\", \"dropped\": %d, \"events\": ",
						 kind_names[v.kind], time_names[v.time_kind], v.n_dropped);
	append_events(&buf, &v);
	if (v.n_dropped > 0)
		appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* ----------------------------------------------------------------
 * Binary input and output
 * ---------------------------------------------------------------- */

static void bad_binary(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/* Report malformed binary input */
static void
bad_binary(const char *fmt,...)
{
	va_list		args;
	char		detail[256];

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary representation of type rnnseq"),
			 errdetail("%s", detail)));
}

/* Fail unless bytes more bytes remain */
static void
recv_need(StringInfo buf, int64 bytes, const char *what)
{
	if (bytes > (int64) buf->len - buf->cursor)
		bad_binary("The value ends inside %s.", what);
}

PG_FUNCTION_INFO_V1(rnnseq_recv);

/* Binary input: untrusted, checked as strictly as text input */
Datum
rnnseq_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	RnnSeqBuilder b;
	int			version,
				kind,
				time_kind;
	int32		n,
				n_strings,
				n_dropped;
	int64		min_bytes;
	bool	   *used;

	recv_need(buf, 15, "the header");
	version = pq_getmsgbyte(buf);
	kind = pq_getmsgbyte(buf);
	time_kind = pq_getmsgbyte(buf);
	n = (int32) pq_getmsgint(buf, 4);
	n_strings = (int32) pq_getmsgint(buf, 4);
	n_dropped = (int32) pq_getmsgint(buf, 4);

	if (version != RNNSEQ_VERSION)
		bad_binary("Format version %d is not supported; the version is %d.", version, RNNSEQ_VERSION);
	if (kind > RNNSEQ_MEASURES)
		bad_binary("Unrecognized kind %d.", kind);
	if (kind < RNNSEQ_TIMED ? time_kind != RNNSEQ_TIME_NONE :
		time_kind != RNNSEQ_TIME_NUMBER && time_kind != RNNSEQ_TIME_TIMESTAMP)
		bad_binary("Time kind %d does not go with kind %d.", time_kind, kind);
	if (n < 0 || n_strings < 0 || n_dropped < 0)
		bad_binary("Negative count: %d events, %d strings, %d skipped rows.", n, n_strings, n_dropped);
	if (n > RNNSEQ_MAX_EVENTS)
		RnnSeqTooManyEvents();
	if (n_strings > n)
		bad_binary("%d strings for %d events; every string must be used by an event.", n_strings, n);
	if (kind == RNNSEQ_EMPTY && n_dropped != 0)
		bad_binary("An empty sequence of kind 0 cannot have skipped rows.");
	if (kind == RNNSEQ_TOKENS && (n == 0 || n_dropped != 0))
		bad_binary("A token sequence must have events and no skipped rows.");
	if (kind >= RNNSEQ_TIMED && n == 0 && n_dropped == 0)
		bad_binary("A timed sequence without events must have skipped rows.");

	/* the least the strings and events take, before allocating for them */
	min_bytes = (int64) n_strings * 4 +
		(int64) n * (4 + (kind >= RNNSEQ_TIMED ? 8 : 0) + (kind == RNNSEQ_MEASURES ? 1 : 0));
	if (min_bytes > (int64) buf->len - buf->cursor)
		bad_binary("%d strings and %d events need at least " INT64_FORMAT " bytes, but %d remain.",
				   n_strings, n, min_bytes, buf->len - buf->cursor);

	RnnSeqBuilderInit(&b, CurrentMemoryContext, kind, time_kind);
	for (int32 k = 0; k < n_strings; k++)
	{
		int32		len,
					nbytes;
		char	   *s;

		recv_need(buf, 4, "a string length");
		len = (int32) pq_getmsgint(buf, 4);
		if (len < 0 || len > buf->len - buf->cursor)
			bad_binary("String %d has length %d, but %d bytes remain.", k + 1, len,
					   buf->len - buf->cursor);
		/* converts from the client encoding, and checks the bytes */
		s = pq_getmsgtext(buf, len, &nbytes);
		if (memchr(s, '\0', nbytes) != NULL)
			bad_binary("String %d contains a zero byte.", k + 1);
		if (RnnSeqBuilderIntern(&b, s, nbytes) != k)
			bad_binary("String %d repeats an earlier string.", k + 1);
		pfree(s);
	}

	used = palloc0(Max(n_strings, 1) * sizeof(bool));
	RnnSeqBuilderReserve(&b, n);
	for (int32 i = 0; i < n; i++)
	{
		float8		t = 0.0,
					value = 0.0;
		int32		sid;
		int			vnull = 0;
		int64		us;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (kind >= RNNSEQ_TIMED)
		{
			recv_need(buf, 8, "an event's time");
			t = pq_getmsgfloat8(buf);
			if (!isfinite(t))
				bad_binary("Event %d has a time that is not finite.", i + 1);
			if (time_kind == RNNSEQ_TIME_TIMESTAMP && !seconds_to_usecs(t, &us))
				bad_binary("Event %d has a timestamp that is not a whole microsecond from 0001-01-01 to 9999-12-31 UTC.",
						   i + 1);
		}
		recv_need(buf, 4, "an event's string index");
		sid = (int32) pq_getmsgint(buf, 4);
		if (sid < -1 || sid >= n_strings)
			bad_binary("Event %d has string index %d, but there are %d strings.", i + 1, sid, n_strings);
		if (kind == RNNSEQ_MEASURES && sid < 0)
			bad_binary("Event %d has a null variable.", i + 1);
		if (sid >= 0)
			used[sid] = true;
		if (kind == RNNSEQ_MEASURES)
		{
			recv_need(buf, 1, "an event's null flag");
			vnull = pq_getmsgbyte(buf);
			if (vnull > 1)
				bad_binary("Event %d has null flag %d; it must be 0 or 1.", i + 1, vnull);
			if (vnull == 0)
			{
				recv_need(buf, 8, "an event's value");
				value = pq_getmsgfloat8(buf);
				if (!isfinite(value))
					bad_binary("Event %d has a value that is not finite.", i + 1);
			}
		}
		RnnSeqBuilderAdd(&b, t, sid, vnull == 1, value);
	}
	for (int32 k = 0; k < n_strings; k++)
		if (!used[k])
			bad_binary("String %d is not used by any event.", k + 1);
	if (buf->cursor != buf->len)
		bad_binary("Unexpected data after the last event (%d bytes).", buf->len - buf->cursor);
	pq_getmsgend(buf);

	b.n_dropped = n_dropped;
	PG_RETURN_RNNSEQ_P(RnnSeqBuild(&b));
}

PG_FUNCTION_INFO_V1(rnnseq_send);

/* Binary output: the format at the top of this file */
Datum
rnnseq_send(PG_FUNCTION_ARGS)
{
	RnnSeq	   *s = PG_GETARG_RNNSEQ_P(0);
	RnnSeqView	v;
	StringInfoData buf;

	RnnSeqGetView((struct varlena *) s, &v);
	pq_begintypsend(&buf);
	pq_sendint8(&buf, RNNSEQ_VERSION);
	pq_sendint8(&buf, (uint8) v.kind);
	pq_sendint8(&buf, (uint8) v.time_kind);
	pq_sendint32(&buf, v.n);
	pq_sendint32(&buf, v.n_strings);
	pq_sendint32(&buf, v.n_dropped);
	for (int32 k = 0; k < v.n_strings; k++)
		pq_sendcountedtext(&buf, v.strbytes + v.str_off[k], v.str_off[k + 1] - v.str_off[k], false);
	for (int32 i = 0; i < v.n; i++)
	{
		if (v.kind >= RNNSEQ_TIMED)
			pq_sendfloat8(&buf, v.times[i]);
		pq_sendint32(&buf, v.str[i]);
		if (v.kind == RNNSEQ_MEASURES)
		{
			pq_sendint8(&buf, v.value_null[i]);
			if (!v.value_null[i])
				pq_sendfloat8(&buf, v.values[i]);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 * Inspection
 * ---------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rnn_seq_info);

/* Summarize a sequence as jsonb */
Datum
rnn_seq_info(PG_FUNCTION_ARGS)
{
	RnnSeq	   *s = PG_GETARG_RNNSEQ_P(0);
	RnnSeqView	v;
	StringInfoData j;
	int32		nulls = 0;

	RnnSeqGetView((struct varlena *) s, &v);
	for (int32 i = 0; i < v.n; i++)
		nulls += v.kind == RNNSEQ_MEASURES ? v.value_null[i] : (v.str[i] < 0);

	initStringInfo(&j);
	appendStringInfo(&j, "{\"kind\": \"%s\", \"time_type\": ", kind_names[v.kind]);
	if (v.time_kind == RNNSEQ_TIME_NONE)
		appendStringInfoString(&j, "null");
	else
		appendStringInfo(&j, "\"%s\"", time_names[v.time_kind]);
	appendStringInfo(&j, ", \"events\": %d, \"distinct\": %d, \"nulls\": %d, \"first_time\": ",
					 v.n, v.n_strings, nulls);
	if (v.times && v.n > 0)
		append_time(&j, v.time_kind, v.times[0]);
	else
		appendStringInfoString(&j, "null");
	appendStringInfoString(&j, ", \"last_time\": ");
	if (v.times && v.n > 0)
		append_time(&j, v.time_kind, v.times[v.n - 1]);
	else
		appendStringInfoString(&j, "null");
	appendStringInfo(&j, ", \"dropped\": %d}", v.n_dropped);

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(j.data)));
}
