/*
 * mr_seq_wire.c
 *	  The rnnseq's binary forms: the wire format of send and receive, and
 *	  the parallel aggregate's serialized state (see mr_seq.h).  Both are
 *	  big-endian; what comes in is checked before anything is allocated
 *	  for it.
 */
#include "mr_seq.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mr_seq_time.h"

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
				(time_kind == MR_SEQ_TIME_TIMESTAMP && !mr_seq_seconds_to_usecs(b->times[i], &us)))
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
		return mr_seq_too_many_events(err);
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
			if (time_kind == MR_SEQ_TIME_TIMESTAMP && !mr_seq_seconds_to_usecs(t, &us))
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
