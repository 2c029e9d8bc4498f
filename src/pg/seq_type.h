/*
 * seq_type.h
 *	  The rnnseq type: a sequence of clinical events (tokens, timed tokens
 *	  or timed measurements) built by the rnn_seq aggregates and read by
 *	  the trainer.
 *
 * A value is one varlena, 8-byte aligned (ALIGNMENT = double), laid out as
 *
 *	RnnSeq header (24 bytes)
 *	float8	times[n]				kinds 2 and 3
 *	float8	values[n]				kind 3
 *	int32	str[n]					index into the dictionary, -1 = NULL
 *	uint8	value_null[n]			kind 3: 1 = NULL value
 *	(zero padding to a multiple of 4)
 *	int32	str_off[n_strings + 1]	string i is strbytes[str_off[i]
 *									.. str_off[i + 1]), no terminator
 *	char	strbytes[strings_bytes]
 *
 * Canonical form, which every way of making a value produces (text and
 * binary input, the aggregates), so equal sequences are equal bytes:
 *	- the dictionary holds each string once, sorted by its bytes (shorter
 *	  first on a common prefix), and every string is used by some event;
 *	- events of kinds 2 and 3 are sorted by (time, string with NULL last,
 *	  for kind 3 NULL value last, value); kind 1 keeps the input order;
 *	- -0 sorts before +0, and both are kept as given;
 *	- kind 0 (empty) has n = n_strings = n_dropped = 0 and no time kind;
 *	  kinds 2 and 3 may have n = 0 when the aggregate skipped every row
 *	  (n_dropped > 0); kind 1 has n >= 1 and n_dropped = 0.
 *
 * Times of time kind 1 are float8 as given; of time kind 2 they are seconds
 * since 1970-01-01 00:00:00 UTC, a whole number of microseconds in years
 * 0001 to 9999 (exact to the microsecond for years before about 2250).
 * Times and values are finite.  Strings are in the server encoding, hold
 * no NUL and have at most RNNSEQ_MAX_STRING bytes.
 */
#ifndef MEDRNN_SEQ_TYPE_H
#define MEDRNN_SEQ_TYPE_H

#include "postgres.h"

#include "fmgr.h"

#define RNNSEQ_VERSION			1

/* kind */
#define RNNSEQ_EMPTY			0	/* no events */
#define RNNSEQ_TOKENS			1	/* tokens in input order, no times */
#define RNNSEQ_TIMED			2	/* (time, token), e.g. diagnosis codes */
#define RNNSEQ_MEASURES			3	/* (time, variable, value), long format */

/* time_kind */
#define RNNSEQ_TIME_NONE		0	/* kinds 0 and 1 */
#define RNNSEQ_TIME_NUMBER		1	/* float8 as given (minutes, hours...) */
#define RNNSEQ_TIME_TIMESTAMP	2	/* seconds since 1970-01-01 UTC */

/* Limits of one value */
#define RNNSEQ_MAX_EVENTS		1000000
#define RNNSEQ_MAX_STRING		256 /* bytes of one token or variable name */

/* The fixed header; the arrays follow at offset sizeof(RnnSeq) */
typedef struct RnnSeq
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	uint8		version;		/* RNNSEQ_VERSION */
	uint8		kind;			/* RNNSEQ_EMPTY .. RNNSEQ_MEASURES */
	uint8		time_kind;		/* RNNSEQ_TIME_* */
	uint8		flags;			/* reserved for future use, always zero */
	int32		n;				/* events */
	int32		n_strings;		/* dictionary size */
	int32		n_dropped;		/* rows the aggregate skipped (NULL time or
								 * variable) */
	int32		strings_bytes;	/* size of strbytes */
} RnnSeq;

/*
 * Detoast and copy to 4-byte-header, aligned memory: never the _PACKED
 * variants, whose data would not be 8-byte aligned.
 */
#define DatumGetRnnSeqP(X)		((RnnSeq *) PG_DETOAST_DATUM(X))
#define PG_GETARG_RNNSEQ_P(n)	DatumGetRnnSeqP(PG_GETARG_DATUM(n))
#define PG_RETURN_RNNSEQ_P(x)	PG_RETURN_POINTER(x)

/*
 * A read-only view of a value: pointers into the detoasted varlena, which
 * must stay alive while the view is used.  Arrays that the kind does not
 * have are NULL.  str[i] indexes the dictionary (-1 for a NULL token);
 * string k is strbytes[str_off[k]] .. strbytes[str_off[k + 1] - 1].
 */
typedef struct RnnSeqView
{
	int			kind;			/* RNNSEQ_EMPTY .. RNNSEQ_MEASURES */
	int			time_kind;		/* RNNSEQ_TIME_* */
	int32		n;				/* events */
	int32		n_strings;		/* dictionary size */
	int32		n_dropped;		/* rows skipped by the aggregate */
	const float8 *times;		/* (n) kinds 2, 3, ascending */
	const float8 *values;		/* (n) kind 3; 0 where value_null */
	const int32 *str;			/* (n) dictionary index or -1 */
	const uint8 *value_null;	/* (n) kind 3: 1 = NULL value */
	const int32 *str_off;		/* (n_strings + 1) */
	const char *strbytes;		/* (str_off[n_strings]) */
} RnnSeqView;

/*
 * Fill v from a detoasted value (DatumGetRnnSeqP).  Checks the header and
 * that every index and offset stays inside the value, so a damaged value
 * is an ERROR ("invalid rnnseq value"), never a wild read; values made by
 * the type's input functions and the aggregates always pass.  O(n).
 */
void		RnnSeqGetView(const struct varlena *detoasted, RnnSeqView *v);

/*
 * Building a value: a growable list of events plus a deduplicating string
 * dictionary.  The text and binary input functions and the aggregates'
 * transition state all use it; RnnSeqBuild turns it into the canonical
 * varlena.  Strings get local ids in first-seen order.
 */
typedef struct RnnSeqBuilder
{
	MemoryContext cxt;			/* owns every array below */
	int			kind;			/* RNNSEQ_* */
	int			time_kind;		/* RNNSEQ_TIME_* */
	int32		n;				/* events */
	int32		cap;			/* allocated events */
	float8	   *times;			/* (cap) kinds 2, 3 */
	float8	   *values;			/* (cap) kind 3 */
	int32	   *str;			/* (cap) local string id, -1 = NULL */
	uint8	   *value_null;		/* (cap) kind 3 */
	int64		n_dropped;		/* rows skipped */
	int32		n_strings;		/* distinct strings */
	int32		strings_cap;	/* allocated strings */
	int32	   *str_off;		/* (strings_cap + 1) offsets into strbytes */
	uint32	   *str_hash;		/* (strings_cap) hash of each string */
	char	   *strbytes;		/* (bytes_cap) */
	int32		bytes_cap;
	int32	   *slots;			/* (n_slots) open addressing: id + 1, 0 =
								 * empty; NULL until the first lookup */
	int32		n_slots;		/* a power of 2 */
} RnnSeqBuilder;

void		RnnSeqBuilderInit(RnnSeqBuilder *b, MemoryContext cxt, int kind, int time_kind);
void		RnnSeqBuilderReserve(RnnSeqBuilder *b, int32 need);
int32		RnnSeqBuilderIntern(RnnSeqBuilder *b, const char *s, int len);
void		RnnSeqBuilderAdd(RnnSeqBuilder *b, float8 t, int32 sid, bool value_null, float8 value);
void		RnnSeqBuilderAppend(RnnSeqBuilder *dst, const RnnSeqBuilder *src);
RnnSeq	   *RnnSeqBuild(const RnnSeqBuilder *b);

/* Errors shared by input and the aggregates */
void		RnnSeqCheckString(const char *s, int len);
void		RnnSeqTooManyEvents(void) pg_attribute_noreturn();

/* Time stamps: timestamptz to rnnseq seconds (ERROR outside 0001-9999) */
float8		RnnSeqTimestampToSeconds(int64 pg_timestamp);

#endif							/* MEDRNN_SEQ_TYPE_H */
