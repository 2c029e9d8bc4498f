/*
 * seq_agg.c
 *	  The rnn_seq aggregates: rows of tokens, timed tokens or measurements
 *	  into one rnnseq per group.
 *
 * The transition state is an RnnSeqBuilder in the aggregate context:
 * events appended in arrival order to flat arrays that double as they
 * grow, strings deduplicated through a small hash table.  The final
 * function sorts timed events into the canonical order, so the timed forms
 * do not depend on row order and run in parallel (combine, serialize,
 * deserialize); the untimed form keeps the rows' order (ORDER BY inside
 * the call) and has no combine function.
 *
 * NULLs: a NULL token or value is kept as missing; a NULL time, or a NULL
 * variable in the measurement form, skips the row and counts it.  No rows
 * give NULL; rows that were all skipped give an empty sequence that keeps
 * their count.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "seq_type.h"

/* The group's state, created in the aggregate context at its first row */
static RnnSeqBuilder *
get_state(FunctionCallInfo fcinfo, int kind, int time_kind, const char *caller)
{
	MemoryContext aggcontext;
	RnnSeqBuilder *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "%s called in non-aggregate context", caller);
	if (PG_ARGISNULL(0))
	{
		b = MemoryContextAlloc(aggcontext, sizeof(RnnSeqBuilder));
		RnnSeqBuilderInit(b, aggcontext, kind, time_kind);
		return b;
	}
	b = (RnnSeqBuilder *) PG_GETARG_POINTER(0);
	if (b->kind != kind || b->time_kind != time_kind)
		elog(ERROR, "%s: rnn_seq state of kind %d/%d, expected %d/%d",
			 caller, b->kind, b->time_kind, kind, time_kind);
	return b;
}

/* The dictionary id of a text argument, -1 if it is NULL */
static int32
token_arg(RnnSeqBuilder *b, FunctionCallInfo fcinfo, int argno)
{
	text	   *t;

	if (PG_ARGISNULL(argno))
		return -1;
	t = PG_GETARG_TEXT_PP(argno);
	return RnnSeqBuilderIntern(b, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* Name a non-finite float8 for a message */
static const char *
nonfinite_name(float8 x)
{
	return isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}

/* The time argument (not NULL) in the stored form */
static float8
time_arg(FunctionCallInfo fcinfo, int argno, int time_kind)
{
	float8		t;

	if (time_kind == RNNSEQ_TIME_TIMESTAMP)
		return RnnSeqTimestampToSeconds(PG_GETARG_TIMESTAMPTZ(argno));
	t = PG_GETARG_FLOAT8(argno);
	if (!isfinite(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("rnnseq time must be finite, not %s", nonfinite_name(t)),
				 errhint("Use NULL for an unknown time: such rows are skipped and counted.")));
	return t;
}

/* rnn_seq(at, token): a NULL time skips the row, a NULL token is kept */
static Datum
timed_transfn(FunctionCallInfo fcinfo, int time_kind, const char *caller)
{
	RnnSeqBuilder *b = get_state(fcinfo, RNNSEQ_TIMED, time_kind, caller);
	float8		t;

	if (PG_ARGISNULL(1))
	{
		b->n_dropped++;
		PG_RETURN_POINTER(b);
	}
	t = time_arg(fcinfo, 1, time_kind);
	RnnSeqBuilderAdd(b, t, token_arg(b, fcinfo, 2), false, 0.0);
	PG_RETURN_POINTER(b);
}

/*
 * rnn_seq(at, variable, value): a NULL time or variable skips the row, a
 * NULL value is kept as missing
 */
static Datum
measure_transfn(FunctionCallInfo fcinfo, int time_kind, const char *caller)
{
	RnnSeqBuilder *b = get_state(fcinfo, RNNSEQ_MEASURES, time_kind, caller);
	float8		t,
				value = 0.0;
	bool		value_null = PG_ARGISNULL(3);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		b->n_dropped++;
		PG_RETURN_POINTER(b);
	}
	t = time_arg(fcinfo, 1, time_kind);
	if (!value_null)
	{
		value = PG_GETARG_FLOAT8(3);
		if (!isfinite(value))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("rnnseq value must be finite, not %s", nonfinite_name(value)),
					 errdetail("The variable is \"%s\".", text_to_cstring(PG_GETARG_TEXT_PP(2))),
					 errhint("Use NULL for a missing value.")));
	}
	RnnSeqBuilderAdd(b, t, token_arg(b, fcinfo, 2), value_null, value);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(rnn_seq_tokens_transfn);

/* Transition function of rnn_seq(text): tokens in the aggregate's input order */
Datum
rnn_seq_tokens_transfn(PG_FUNCTION_ARGS)
{
	RnnSeqBuilder *b = get_state(fcinfo, RNNSEQ_TOKENS, RNNSEQ_TIME_NONE, "rnn_seq_tokens_transfn");

	RnnSeqBuilderAdd(b, 0.0, token_arg(b, fcinfo, 1), false, 0.0);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(rnn_seq_timed_transfn);

/* Transition function of rnn_seq(float8, text) */
Datum
rnn_seq_timed_transfn(PG_FUNCTION_ARGS)
{
	return timed_transfn(fcinfo, RNNSEQ_TIME_NUMBER, "rnn_seq_timed_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_timed_tz_transfn);

/* Transition function of rnn_seq(timestamptz, text) */
Datum
rnn_seq_timed_tz_transfn(PG_FUNCTION_ARGS)
{
	return timed_transfn(fcinfo, RNNSEQ_TIME_TIMESTAMP, "rnn_seq_timed_tz_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_measure_transfn);

/* Transition function of rnn_seq(float8, text, float8) */
Datum
rnn_seq_measure_transfn(PG_FUNCTION_ARGS)
{
	return measure_transfn(fcinfo, RNNSEQ_TIME_NUMBER, "rnn_seq_measure_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_measure_tz_transfn);

/* Transition function of rnn_seq(timestamptz, text, float8) */
Datum
rnn_seq_measure_tz_transfn(PG_FUNCTION_ARGS)
{
	return measure_transfn(fcinfo, RNNSEQ_TIME_TIMESTAMP, "rnn_seq_measure_tz_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_combine);

/* Combine two partial states of a timed form into the first */
Datum
rnn_seq_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	RnnSeqBuilder *s1,
			   *s2;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "rnn_seq_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (RnnSeqBuilder *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (RnnSeqBuilder *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s2->kind < RNNSEQ_TIMED)
		elog(ERROR, "rnn_seq_combine called for an untimed state");
	if (s1 == NULL)
	{
		/* s2 may live in a shorter-lived context: copy it into ours */
		s1 = MemoryContextAlloc(aggcontext, sizeof(RnnSeqBuilder));
		RnnSeqBuilderInit(s1, aggcontext, s2->kind, s2->time_kind);
	}
	RnnSeqBuilderAppend(s1, s2);
	PG_RETURN_POINTER(s1);
}

PG_FUNCTION_INFO_V1(rnn_seq_serialize);

/*
 * Serialize a state for another process: kind, time kind, counts, the
 * strings (length and bytes), then the event arrays column by column
 */
Datum
rnn_seq_serialize(PG_FUNCTION_ARGS)
{
	RnnSeqBuilder *b;
	StringInfoData buf;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rnn_seq_serialize called in non-aggregate context");
	b = (RnnSeqBuilder *) PG_GETARG_POINTER(0);

	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, 18 + b->n_strings * 4 + (b->n_strings > 0 ? b->str_off[b->n_strings] : 0) +
					  b->n * 21);
	pq_sendint8(&buf, (uint8) b->kind);
	pq_sendint8(&buf, (uint8) b->time_kind);
	pq_sendint32(&buf, b->n);
	pq_sendint32(&buf, b->n_strings);
	pq_sendint64(&buf, b->n_dropped);
	for (int32 k = 0; k < b->n_strings; k++)
	{
		int32		len = b->str_off[k + 1] - b->str_off[k];

		pq_sendint32(&buf, len);
		pq_sendbytes(&buf, b->strbytes + b->str_off[k], len);
	}
	if (b->kind >= RNNSEQ_TIMED)
		for (int32 i = 0; i < b->n; i++)
			pq_sendfloat8(&buf, b->times[i]);
	if (b->kind == RNNSEQ_MEASURES)
		for (int32 i = 0; i < b->n; i++)
			pq_sendfloat8(&buf, b->values[i]);
	for (int32 i = 0; i < b->n; i++)
		pq_sendint32(&buf, b->str[i]);
	if (b->kind == RNNSEQ_MEASURES && b->n > 0)
		pq_sendbytes(&buf, (const char *) b->value_null, b->n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(rnn_seq_deserialize);

/*
 * Rebuild a serialized state in the current memory context.  We wrote it,
 * so a malformed one is an internal error; it is still checked before any
 * count sizes an allocation or any index is trusted.
 */
Datum
rnn_seq_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *sstate;
	StringInfoData buf;
	RnnSeqBuilder *b;
	int			kind,
				time_kind;
	int32		n,
				n_strings;
	int64		n_dropped,
				need;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rnn_seq_deserialize called in non-aggregate context");
	sstate = PG_GETARG_BYTEA_PP(0);

	/* read the bytea in place: the pq_getmsg functions only read */
	buf.data = VARDATA_ANY(sstate);
	buf.len = VARSIZE_ANY_EXHDR(sstate);
	buf.maxlen = buf.len;
	buf.cursor = 0;

	kind = pq_getmsgbyte(&buf);
	time_kind = pq_getmsgbyte(&buf);
	n = (int32) pq_getmsgint(&buf, 4);
	n_strings = (int32) pq_getmsgint(&buf, 4);
	n_dropped = pq_getmsgint64(&buf);
	if (kind < RNNSEQ_TIMED || kind > RNNSEQ_MEASURES ||
		(time_kind != RNNSEQ_TIME_NUMBER && time_kind != RNNSEQ_TIME_TIMESTAMP) ||
		n < 0 || n > RNNSEQ_MAX_EVENTS || n_strings < 0 || n_strings > n || n_dropped < 0)
		elog(ERROR, "invalid rnn_seq state: kind %d, time kind %d, %d events, %d strings, " INT64_FORMAT " skipped",
			 kind, time_kind, n, n_strings, n_dropped);
	need = (int64) n_strings * 4 + (int64) n * (12 + (kind == RNNSEQ_MEASURES ? 9 : 0));
	if (need > buf.len - buf.cursor)
		elog(ERROR, "invalid rnn_seq state: " INT64_FORMAT " bytes needed, %d left",
			 need, buf.len - buf.cursor);

	b = palloc(sizeof(RnnSeqBuilder));
	RnnSeqBuilderInit(b, CurrentMemoryContext, kind, time_kind);
	b->n_dropped = n_dropped;
	for (int32 k = 0; k < n_strings; k++)
	{
		int32		len = (int32) pq_getmsgint(&buf, 4);

		if (len < 0 || len > buf.len - buf.cursor)
			elog(ERROR, "invalid rnn_seq state: string of %d bytes, %d left", len, buf.len - buf.cursor);
		if (RnnSeqBuilderIntern(b, pq_getmsgbytes(&buf, len), len) != k)
			elog(ERROR, "invalid rnn_seq state: string %d repeats an earlier one", k + 1);
	}
	RnnSeqBuilderReserve(b, n);
	if (kind >= RNNSEQ_TIMED)
		for (int32 i = 0; i < n; i++)
		{
			b->times[i] = pq_getmsgfloat8(&buf);
			if (!isfinite(b->times[i]))
				elog(ERROR, "invalid rnn_seq state: time %g", b->times[i]);
		}
	if (kind == RNNSEQ_MEASURES)
		for (int32 i = 0; i < n; i++)
		{
			b->values[i] = pq_getmsgfloat8(&buf);
			if (!isfinite(b->values[i]))
				elog(ERROR, "invalid rnn_seq state: value %g", b->values[i]);
		}
	for (int32 i = 0; i < n; i++)
	{
		b->str[i] = (int32) pq_getmsgint(&buf, 4);
		if (b->str[i] < (kind == RNNSEQ_MEASURES ? 0 : -1) || b->str[i] >= n_strings)
			elog(ERROR, "invalid rnn_seq state: string index %d of %d", b->str[i], n_strings);
	}
	if (kind == RNNSEQ_MEASURES && n > 0)
	{
		pq_copymsgbytes(&buf, (char *) b->value_null, n);
		for (int32 i = 0; i < n; i++)
			if (b->value_null[i] > 1)
				elog(ERROR, "invalid rnn_seq state: null flag %d", b->value_null[i]);
	}
	b->n = n;
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(rnn_seq_finalfn);

/* The group's sequence: NULL for no rows, else canonical (sorted if timed) */
Datum
rnn_seq_finalfn(PG_FUNCTION_ARGS)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rnn_seq_finalfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* RnnSeqBuild only reads the state: a final function may run again */
	PG_RETURN_RNNSEQ_P(RnnSeqBuild((RnnSeqBuilder *) PG_GETARG_POINTER(0)));
}
