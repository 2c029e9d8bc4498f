/*
 * seq_type.c
 *	  The rnnseq type: input and output functions, text and binary, and
 *	  rnn_seq_info, as wrappers around the core (src/core/data/mr_seq.c,
 *	  where the layout, the parsers and the canonical form live and the
 *	  fuzzers reach them).
 *
 * What stays here: the server's encoding (strings are stored in it; \u
 * escapes become it; binary strings convert from and to the client's),
 * memory from the current context, the interrupt check, and the SQLSTATE
 * of each failure.  Output depends on no setting, so rnnseq_out is
 * IMMUTABLE and input of output gives back the same bytes.
 */
#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "medrnn.h"
#include "seq_type.h"

/* PostgreSQL's epoch (2000-01-01) in Unix microseconds */
#define PG_EPOCH_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

/* ----------------------------------------------------------------
 * What the core needs of the server
 * ---------------------------------------------------------------- */

static int
server_from_unicode(uint32_t cp, char *out, void *state)
{
	/* reports a character the encoding cannot hold itself */
	pg_unicode_to_server((pg_wchar) cp, (unsigned char *) out);
	return (int) strlen(out);
}

static int
server_valid(const char *s, size_t len, void *state)
{
	/* reports an invalid byte sequence itself */
	return pg_verifymbstr(s, (int) len, false);
}

static size_t
server_clip(const char *s, size_t len, size_t max, void *state)
{
	return (size_t) pg_mbcliplen(s, (int) len, (int) max);
}

static const MrTextEncoding server_encoding = {server_from_unicode, server_valid, server_clip, NULL};

/* The database's encoding; see seq_type.h */
const MrTextEncoding *
RnnSeqServerEncoding(void)
{
	return &server_encoding;
}

static int
seq_should_stop(void *state)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* Binary input's strings: the client's encoding to the database's */
static int
from_client(const char *s, size_t len, MrBuf *out, void *state)
{
	char	   *p = pg_client_to_server(s, (int) len);

	mr_buf_reset(out);
	mr_buf_append(out, p, p == s ? len : strlen(p));
	return 1;
}

/* Binary output's strings: counted, in the client's encoding */
static void
to_client(const char *s, size_t len, MrBuf *out, void *state)
{
	char	   *p = pg_server_to_client(s, (int) len);
	size_t		n = p == s ? len : strlen(p);
	char		count[4] = {(char) (n >> 24), (char) (n >> 16), (char) (n >> 8), (char) n};

	mr_buf_append(out, count, 4);
	mr_buf_append(out, p, n);
}

/* The core's hooks for this backend */
static MrSeqHooks
seq_hooks(void)
{
	MrSeqHooks	h = {&server_encoding, from_client, seq_should_stop, NULL};

	return h;
}

/* Report a failure; see seq_type.h */
void
RnnSeqReportError(const MrError *err, const char *context)
{
	int			code;
	const char *message = err->message;

	switch (err->status)
	{
		case MR_ESYNTAX:
			code = ERRCODE_INVALID_TEXT_REPRESENTATION;
			break;
		case MR_ERANGE:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
		case MR_ETIME:
			code = ERRCODE_DATETIME_VALUE_OUT_OF_RANGE;
			break;
		case MR_ETOOBIG:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case MR_ENOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			message = "out of memory";
			break;
		case MR_ECORRUPT:
			if (message[0])
			{
				code = ERRCODE_INVALID_BINARY_REPRESENTATION;	/* binary input */
				break;
			}
			/* a stored value */
			code = ERRCODE_DATA_CORRUPTED;
			message = "invalid rnnseq value";
			break;
		default:
			elog(ERROR, "%s: %s (%s)", context, mr_status_text(err->status), err->detail);
	}
	/* the core's rnnseq messages are in the database's encoding already */
	ereport(ERROR,
			(errcode(code),
			 errmsg_internal("%s", message),
			 err->detail[0] ? errdetail_internal("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
	pg_unreachable();
}

/* The core's value as a varlena; see seq_type.h */
struct varlena *
RnnSeqValue(uint8_t *value, size_t size)
{
	SET_VARSIZE(value, size);
	return (struct varlena *) value;
}

/* Check a value and point a view into it; see seq_type.h */
void
RnnSeqGetView(const struct varlena *detoasted, MrSeqView *v)
{
	MrError		err;

	Assert(!VARATT_IS_EXTENDED(detoasted));
	if (mr_seq_view(detoasted, VARSIZE(detoasted), v, &err) != MR_OK)
		RnnSeqReportError(&err, "rnnseq value");
}

/* A timestamptz as the stored seconds; see seq_type.h */
float8
RnnSeqTimestampToSeconds(int64 pg_timestamp)
{
	int64		us;
	double		seconds = 0;
	MrError		err;

	if (TIMESTAMP_NOT_FINITE(pg_timestamp) ||
		pg_add_s64_overflow(pg_timestamp, PG_EPOCH_USECS, &us))
		us = PG_INT64_MAX;		/* out of range either way */
	if (mr_seq_usecs_to_seconds(us, &seconds, &err) != MR_OK)
		RnnSeqReportError(&err, "rnnseq timestamp");
	return seconds;
}

/* ----------------------------------------------------------------
 * Input and output
 * ---------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rnnseq_in);

/* Text input: JSON syntax (mr_seq.h) */
Datum
rnnseq_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrSeqHooks	hooks = seq_hooks();
	MrError		err;
	uint8_t    *value;
	size_t		size;

	if (mr_seq_parse_text(input, strlen(input), &hooks, &a, &value, &size, &err) != MR_OK)
		RnnSeqReportError(&err, "rnnseq_in");
	PG_RETURN_POINTER(RnnSeqValue(value, size));
}

PG_FUNCTION_INFO_V1(rnnseq_out);

/* Text output: canonical, independent of every setting */
Datum
rnnseq_out(PG_FUNCTION_ARGS)
{
	MrSeqView	v;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrBuf		out;

	RnnSeqGetView(PG_GETARG_RNNSEQ_P(0), &v);
	mr_buf_init(&out, &a);
	mr_seq_print(&v, MedrnnFormatDouble, &out);
	PG_RETURN_CSTRING(out.data);
}

PG_FUNCTION_INFO_V1(rnnseq_recv);

/* Binary input: untrusted, checked as strictly as text input */
Datum
rnnseq_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrSeqHooks	hooks = seq_hooks();
	MrError		err;
	uint8_t    *value;
	size_t		size;

	if (mr_seq_recv((const uint8_t *) buf->data + buf->cursor, (size_t) (buf->len - buf->cursor),
					&hooks, &a, &value, &size, &err) != MR_OK)
		RnnSeqReportError(&err, "rnnseq_recv");
	/* every byte was read */
	buf->cursor = buf->len;
	PG_RETURN_POINTER(RnnSeqValue(value, size));
}

PG_FUNCTION_INFO_V1(rnnseq_send);

/* Binary output (mr_seq.h) */
Datum
rnnseq_send(PG_FUNCTION_ARGS)
{
	MrSeqView	v;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrBuf		out;
	bytea	   *result;

	RnnSeqGetView(PG_GETARG_RNNSEQ_P(0), &v);
	mr_buf_init(&out, &a);
	mr_seq_send(&v, to_client, NULL, &out);
	result = palloc(VARHDRSZ + out.len);
	SET_VARSIZE(result, VARHDRSZ + out.len);
	memcpy(VARDATA(result), out.data, out.len);
	PG_RETURN_BYTEA_P(result);
}

/* ----------------------------------------------------------------
 * Inspection
 * ---------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rnn_seq_info);

/* Summarize a sequence as jsonb */
Datum
rnn_seq_info(PG_FUNCTION_ARGS)
{
	MrSeqView	v;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrBuf		j;
	int32		nulls = 0;

	RnnSeqGetView(PG_GETARG_RNNSEQ_P(0), &v);
	for (int32 i = 0; i < v.n; i++)
		nulls += v.kind == MR_SEQ_MEASURES ? v.value_null[i] : (v.str[i] < 0);

	mr_buf_init(&j, &a);
	mr_buf_printf(&j, "{\"kind\": \"%s\", \"time_type\": ", mr_seq_kind_name(v.kind));
	if (v.time_kind == MR_SEQ_TIME_NONE)
		mr_buf_puts(&j, "null");
	else
		mr_buf_printf(&j, "\"%s\"", mr_seq_time_name(v.time_kind));
	mr_buf_printf(&j, ", \"events\": %d, \"distinct\": %d, \"nulls\": %d, \"first_time\": ",
				  v.n, v.n_strings, nulls);
	if (v.times && v.n > 0)
		mr_seq_append_time(&j, v.time_kind, v.times[0], MedrnnFormatDouble);
	else
		mr_buf_puts(&j, "null");
	mr_buf_puts(&j, ", \"last_time\": ");
	if (v.times && v.n > 0)
		mr_seq_append_time(&j, v.time_kind, v.times[v.n - 1], MedrnnFormatDouble);
	else
		mr_buf_puts(&j, "null");
	mr_buf_printf(&j, ", \"dropped\": %d}", v.n_dropped);

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(j.data)));
}
