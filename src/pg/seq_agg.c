/*
 * seq_agg.c
 *	  The rnn_seq aggregates: rows of tokens, timed tokens or measurements
 *	  into one rnnseq per group.
 *
 * The transition state is the core's MrSeqBuilder (src/core/data/mr_seq.h)
 * in the aggregate context: events appended in arrival order to flat
 * arrays that double as they grow, strings interned in its dictionary.  The final
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
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "medrnn.h"
#include "seq_type.h"

/* The group's state, created in the aggregate context at its first row */
static MrSeqBuilder *
get_state(FunctionCallInfo fcinfo, int kind, int time_kind, const char *caller)
{
	MemoryContext aggcontext;
	MrSeqBuilder *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "%s called in non-aggregate context", caller);
	if (PG_ARGISNULL(0))
	{
		MrAllocator a = MedrnnAllocator(aggcontext);

		b = MemoryContextAlloc(aggcontext, sizeof(MrSeqBuilder));
		if (mr_seq_builder_init(b, &a, kind, time_kind) != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		return b;
	}
	b = (MrSeqBuilder *) PG_GETARG_POINTER(0);
	if (b->kind != kind || b->time_kind != time_kind)
		elog(ERROR, "%s: rnn_seq state of kind %d/%d, expected %d/%d",
			 caller, b->kind, b->time_kind, kind, time_kind);
	return b;
}

/* The dictionary id of a text argument, -1 if it is NULL */
static int32
token_arg(MrSeqBuilder *b, FunctionCallInfo fcinfo, int argno)
{
	text	   *t;
	int32		id;
	MrError		err;

	if (PG_ARGISNULL(argno))
		return -1;
	t = PG_GETARG_TEXT_PP(argno);
	if (mr_seq_builder_intern(b, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), RnnSeqServerEncoding(),
							  &id, &err) != MR_OK)
		RnnSeqReportError(&err, "rnn_seq");
	return id;
}

/* Append one event to the state */
static void
add_event(MrSeqBuilder *b, float8 t, int32 sid, bool value_null, float8 value)
{
	MrError		err;

	if (mr_seq_builder_add(b, t, sid, value_null, value, &err) != MR_OK)
		RnnSeqReportError(&err, "rnn_seq");
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

	if (time_kind == MR_SEQ_TIME_TIMESTAMP)
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
	MrSeqBuilder *b = get_state(fcinfo, MR_SEQ_TIMED, time_kind, caller);
	float8		t;

	if (PG_ARGISNULL(1))
	{
		b->n_dropped++;
		PG_RETURN_POINTER(b);
	}
	t = time_arg(fcinfo, 1, time_kind);
	add_event(b, t, token_arg(b, fcinfo, 2), false, 0.0);
	PG_RETURN_POINTER(b);
}

/*
 * rnn_seq(at, variable, value): a NULL time or variable skips the row, a
 * NULL value is kept as missing
 */
static Datum
measure_transfn(FunctionCallInfo fcinfo, int time_kind, const char *caller)
{
	MrSeqBuilder *b = get_state(fcinfo, MR_SEQ_MEASURES, time_kind, caller);
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
	add_event(b, t, token_arg(b, fcinfo, 2), value_null, value);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(rnn_seq_tokens_transfn);

/* Transition function of rnn_seq(text): tokens in the aggregate's input order */
Datum
rnn_seq_tokens_transfn(PG_FUNCTION_ARGS)
{
	MrSeqBuilder *b = get_state(fcinfo, MR_SEQ_TOKENS, MR_SEQ_TIME_NONE, "rnn_seq_tokens_transfn");

	add_event(b, 0.0, token_arg(b, fcinfo, 1), false, 0.0);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(rnn_seq_timed_transfn);

/* Transition function of rnn_seq(float8, text) */
Datum
rnn_seq_timed_transfn(PG_FUNCTION_ARGS)
{
	return timed_transfn(fcinfo, MR_SEQ_TIME_NUMBER, "rnn_seq_timed_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_timed_tz_transfn);

/* Transition function of rnn_seq(timestamptz, text) */
Datum
rnn_seq_timed_tz_transfn(PG_FUNCTION_ARGS)
{
	return timed_transfn(fcinfo, MR_SEQ_TIME_TIMESTAMP, "rnn_seq_timed_tz_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_measure_transfn);

/* Transition function of rnn_seq(float8, text, float8) */
Datum
rnn_seq_measure_transfn(PG_FUNCTION_ARGS)
{
	return measure_transfn(fcinfo, MR_SEQ_TIME_NUMBER, "rnn_seq_measure_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_measure_tz_transfn);

/* Transition function of rnn_seq(timestamptz, text, float8) */
Datum
rnn_seq_measure_tz_transfn(PG_FUNCTION_ARGS)
{
	return measure_transfn(fcinfo, MR_SEQ_TIME_TIMESTAMP, "rnn_seq_measure_tz_transfn");
}

PG_FUNCTION_INFO_V1(rnn_seq_combine);

/* Combine two partial states of a timed form into the first */
Datum
rnn_seq_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MrSeqBuilder *s1,
			   *s2;
	MrError		err;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "rnn_seq_combine called in non-aggregate context");
	s1 = PG_ARGISNULL(0) ? NULL : (MrSeqBuilder *) PG_GETARG_POINTER(0);
	s2 = PG_ARGISNULL(1) ? NULL : (MrSeqBuilder *) PG_GETARG_POINTER(1);
	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s2->kind < MR_SEQ_TIMED)
		elog(ERROR, "rnn_seq_combine called for an untimed state");
	if (s1 == NULL)
	{
		/* s2 may live in a shorter-lived context: copy it into ours */
		MrAllocator a = MedrnnAllocator(aggcontext);

		s1 = MemoryContextAlloc(aggcontext, sizeof(MrSeqBuilder));
		if (mr_seq_builder_init(s1, &a, s2->kind, s2->time_kind) != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	if (mr_seq_builder_append(s1, s2, &err) != MR_OK)
		RnnSeqReportError(&err, "rnn_seq_combine");
	PG_RETURN_POINTER(s1);
}

PG_FUNCTION_INFO_V1(rnn_seq_serialize);

/* Serialize a state for another process (mr_seq_builder_serialize) */
Datum
rnn_seq_serialize(PG_FUNCTION_ARGS)
{
	MrSeqBuilder *b;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrBuf		out;
	bytea	   *result;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rnn_seq_serialize called in non-aggregate context");
	b = (MrSeqBuilder *) PG_GETARG_POINTER(0);
	mr_buf_init(&out, &a);
	mr_seq_builder_serialize(b, &out);
	result = palloc(VARHDRSZ + out.len);
	SET_VARSIZE(result, VARHDRSZ + out.len);
	memcpy(VARDATA(result), out.data, out.len);
	PG_RETURN_BYTEA_P(result);
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
	MrSeqBuilder *b;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrError		err;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rnn_seq_deserialize called in non-aggregate context");
	sstate = PG_GETARG_BYTEA_PP(0);
	b = palloc(sizeof(MrSeqBuilder));
	if (mr_seq_builder_deserialize((const uint8_t *) VARDATA_ANY(sstate), VARSIZE_ANY_EXHDR(sstate),
								   RnnSeqServerEncoding(), &a, b, &err) != MR_OK)
		elog(ERROR, "invalid rnn_seq state: %s", err.detail);
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(rnn_seq_finalfn);

/* The group's sequence: NULL for no rows, else canonical (sorted if timed) */
Datum
rnn_seq_finalfn(PG_FUNCTION_ARGS)
{
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrError		err;
	uint8_t    *value;
	size_t		size;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "rnn_seq_finalfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* mr_seq_build only reads the state: a final function may run again */
	if (mr_seq_build((MrSeqBuilder *) PG_GETARG_POINTER(0), &a, &value, &size, &err) != MR_OK)
		RnnSeqReportError(&err, "rnn_seq_finalfn");
	PG_RETURN_POINTER(RnnSeqValue(value, size));
}
