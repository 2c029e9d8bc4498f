/*
 * mr_seq.h
 *	  The rnnseq value: a sequence of clinical events (tokens, timed tokens
 *	  or timed measurements), its stored layout, the builder that makes
 *	  canonical values, its JSON text form and its binary wire form.
 *
 * The server type (src/pg/seq_type.c) and the rnn_seq aggregates
 * (src/pg/seq_agg.c) are thin wrappers around this file, so every parser
 * of an rnnseq is reachable by the fuzzers (test/fuzz/fuzz_seq.c).
 *
 * Stored layout: one varlena, 8-byte aligned, laid out as
 *
 *	header (24 bytes): u32 varlena header (the server's), u8 version (1),
 *		u8 kind, u8 time kind, u8 flags (0), i32 events n, i32 dictionary
 *		strings, i32 skipped rows, i32 string bytes; native byte order
 *	f64		times[n]				kinds 2 and 3
 *	f64		values[n]				kind 3
 *	i32		str[n]					index into the dictionary, -1 = NULL
 *	u8		value_null[n]			kind 3: 1 = NULL value
 *	(zero padding to a multiple of 4)
 *	i32		str_off[n_strings + 1]	string i is strbytes[str_off[i]
 *									.. str_off[i + 1]), no terminator
 *	char	strbytes[string bytes]
 *
 * Canonical form, which every way of making a value produces (text and
 * binary input, the aggregates), so equal sequences are equal bytes:
 *	- the dictionary holds each string once, sorted by its bytes (shorter
 *	  first on a common prefix), and every string is used by some event;
 *	- events of kinds 2 and 3 are sorted by (time, string with NULL last,
 *	  for kind 3 NULL value last, value); kind 1 keeps the input order;
 *	- -0 sorts before +0, and both are kept as given;
 *	- kind 0 (empty) has no events, strings, skipped rows or time kind;
 *	  kinds 2 and 3 may have no events when the aggregate skipped every row
 *	  (skipped rows > 0); kind 1 has events and no skipped rows.
 *
 * Times of time kind 1 are numbers as given; of time kind 2 they are
 * seconds since 1970-01-01 00:00:00 UTC, a whole number of microseconds in
 * years 0001 to 9999.  Times and values are finite.  Strings are in the
 * database's encoding (MrTextEncoding), hold no NUL and have at most
 * MR_SEQ_MAX_STRING bytes.  Messages quote the input in that encoding too.
 *
 * Text form (JSON syntax), one of
 *	[]										empty
 *	["J18.9", "R05", null]					tokens, in input order
 *	[[0, "J18.9"], [1.5, null]]				timed tokens
 *	[[0, "HR", 80], [30, "HR", null]]		measurements
 * where a time is a JSON number or an RFC 3339 timestamp string
 * ("2024-01-01T10:00:00Z"; input also takes an offset "+01:00").  A value
 * whose aggregate skipped rows prints as an object that keeps their count:
 *	{"kind": "measurements", "time_type": "number", "dropped": 2,
 *	 "events": [[0, "HR", 80]]}
 * Output is canonical and depends on no setting; input of output gives
 * back the same bytes.
 *
 * Binary form, network byte order: u8 version (1), u8 kind, u8 time kind,
 * i32 events, i32 strings, i32 skipped rows; each string as i32 byte count
 * and the bytes (in the client's encoding); each event as f64 time (kinds
 * 2 and 3), i32 string index (-1 = NULL), and for kind 3 u8 value_null
 * then the f64 value only when value_null is 0.  Input is untrusted: every
 * count is checked against the bytes that remain before allocating.
 *
 * Errors: MR_ESYNTAX (text input), MR_ERANGE (a number beyond double
 * precision), MR_ETIME (a timestamp outside 0001-9999), MR_ETOOBIG (over a
 * limit), MR_ECORRUPT (binary input, or a stored value that breaks the
 * layout), MR_ENOMEM, MR_ECANCELED (the stop hook).
 */
#ifndef MR_SEQ_H
#define MR_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "mr_buf.h"
#include "mr_common.h"
#include "mr_utf8.h"
#include "mr_vocab.h"

#define MR_SEQ_VERSION			1

/* kind */
#define MR_SEQ_EMPTY			0	/* no events */
#define MR_SEQ_TOKENS			1	/* tokens in input order, no times */
#define MR_SEQ_TIMED			2	/* (time, token), e.g. diagnosis codes */
#define MR_SEQ_MEASURES			3	/* (time, variable, value), long format */

/* time kind */
#define MR_SEQ_TIME_NONE		0	/* kinds 0 and 1 */
#define MR_SEQ_TIME_NUMBER		1	/* float8 as given (minutes, hours...) */
#define MR_SEQ_TIME_TIMESTAMP	2	/* seconds since 1970-01-01 UTC */

/* Limits of one value */
#define MR_SEQ_MAX_EVENTS		1000000
#define MR_SEQ_MAX_STRING		256 /* bytes of one token or variable name */
#define MR_SEQ_HEADER_BYTES		24

/* The fixed header, as stored (the first field is the server's) */
typedef struct MrSeqHeader
{
	uint32_t	varlena;		/* the server's length word: not ours */
	uint8_t		version;		/* MR_SEQ_VERSION */
	uint8_t		kind;
	uint8_t		time_kind;
	uint8_t		flags;			/* reserved, always zero */
	int32_t		n;				/* events */
	int32_t		n_strings;		/* dictionary size */
	int32_t		n_dropped;		/* rows the aggregate skipped */
	int32_t		strings_bytes;	/* size of strbytes */
} MrSeqHeader;

/*
 * A read-only view of a stored value: pointers into it.  Arrays the kind
 * does not have are NULL.
 */
typedef struct MrSeqView
{
	int			kind;
	int			time_kind;
	int32_t		n;
	int32_t		n_strings;
	int32_t		n_dropped;
	const double *times;		/* (n) kinds 2, 3, ascending */
	const double *values;		/* (n) kind 3; 0 where value_null */
	const int32_t *str;			/* (n) dictionary index or -1 */
	const uint8_t *value_null;	/* (n) kind 3 */
	const int32_t *str_off;		/* (n_strings + 1) */
	const char *strbytes;
} MrSeqView;

/*
 * Check a stored value (size bytes from its 8-byte aligned start, header
 * included) and point v into it: every count, index and offset stays
 * inside the value, times ascend and are finite.  O(n).  MR_ECORRUPT with
 * a detail otherwise.
 */
MrStatus	mr_seq_view(const void *value, size_t size, MrSeqView *v, MrError *err);

/* The bytes of dictionary string k of v */
static inline const char *
mr_seq_string(const MrSeqView *v, int32_t k, size_t *len)
{
	*len = (size_t) (v->str_off[k + 1] - v->str_off[k]);
	return v->strbytes + v->str_off[k];
}

/* "empty", "tokens", "timed_tokens", "measurements"; "number", "timestamp" */
const char *mr_seq_kind_name(int kind);
const char *mr_seq_time_name(int time_kind);

/* ----------------------------------------------------------------------
 * times
 * ---------------------------------------------------------------------- */

/* Unix microseconds of years 0001 to 9999 as the stored seconds */
MrStatus	mr_seq_usecs_to_seconds(int64_t unix_usecs, double *seconds, MrError *err);

/* Append a time of the given time kind to JSON (a timestamp as an RFC 3339 string) */
void		mr_seq_append_time(MrBuf *out, int time_kind, double t, MrFormatDouble fmt);

/* ----------------------------------------------------------------------
 * building
 * ---------------------------------------------------------------------- */

/*
 * A growing list of events and its string dictionary (interned in first-
 * seen order): what the text and binary input and the aggregates' state
 * build, and mr_seq_build turns into the canonical value.
 */
typedef struct MrSeqBuilder
{
	MrAllocator a;
	int			kind;
	int			time_kind;
	int32_t		n;
	int32_t		cap;
	double	   *times;			/* (cap) kinds 2, 3 */
	double	   *values;			/* (cap) kind 3 */
	int32_t    *str;			/* (cap) string id, -1 = NULL */
	uint8_t    *value_null;		/* (cap) kind 3 */
	int64_t		n_dropped;		/* rows skipped */
	MrVocab    *strings;		/* the dictionary, ids in first-seen order */
} MrSeqBuilder;

MrStatus	mr_seq_builder_init(MrSeqBuilder *b, const MrAllocator *a, int kind, int time_kind);
void		mr_seq_builder_free(MrSeqBuilder *b);
/* MR_ETOOBIG: a sequence would have more than MR_SEQ_MAX_EVENTS events */
MrStatus	mr_seq_too_many_events(MrError *err);
/* Make room for need events (MR_ETOOBIG past the limit) */
MrStatus	mr_seq_builder_reserve(MrSeqBuilder *b, int32_t need, MrError *err);
/* The id of a string, added if new; MR_ETOOBIG for one longer than the limit, quoted in enc */
MrStatus	mr_seq_builder_intern(MrSeqBuilder *b, const char *s, size_t len,
								  const MrTextEncoding *enc, int32_t *id, MrError *err);
/* Append one event (t and the value ignored where the kind has none) */
MrStatus	mr_seq_builder_add(MrSeqBuilder *b, double t, int32_t sid, int value_null, double value,
							   MrError *err);
/* Append src's events and skipped rows to dst */
MrStatus	mr_seq_builder_append(MrSeqBuilder *dst, const MrSeqBuilder *src, MrError *err);

/*
 * The canonical value of a builder (which is only read: an aggregate's
 * final function may run again), in a new buffer from a whose first 4
 * bytes are left for the server's length word
 */
MrStatus	mr_seq_build(const MrSeqBuilder *b, const MrAllocator *a, uint8_t **value, size_t *size,
						 MrError *err);

/*
 * An aggregate state for another process, and back (big-endian, every
 * count, index and string checked on the way in, strings in enc (NULL:
 * UTF-8): MR_ECORRUPT)
 */
void		mr_seq_builder_serialize(const MrSeqBuilder *b, MrBuf *out);
MrStatus	mr_seq_builder_deserialize(const uint8_t *buf, size_t len, const MrTextEncoding *enc,
									   const MrAllocator *a, MrSeqBuilder *b, MrError *err);

/* ----------------------------------------------------------------------
 * text and binary forms
 * ---------------------------------------------------------------------- */

/* What the parsers need of their host */
typedef struct MrSeqHooks
{
	const MrTextEncoding *enc;	/* the database's encoding; NULL: UTF-8 */
	/*
	 * Binary strings: the client's bytes to the database's encoding, into
	 * out (reset first); 0 if they are not valid.  NULL: taken as they are,
	 * checked with enc.
	 */
	int			(*from_client) (const char *s, size_t len, MrBuf *out, void *state);
	/* polled every so many events: nonzero stops with MR_ECANCELED */
	int			(*should_stop) (void *state);
	void	   *state;
} MrSeqHooks;

/* Parse the text form of text[0..len); the value as mr_seq_build makes it */
MrStatus	mr_seq_parse_text(const char *text, size_t len, const MrSeqHooks *hooks,
							  const MrAllocator *a, uint8_t **value, size_t *size, MrError *err);

/* The text form of a value */
void		mr_seq_print(const MrSeqView *v, MrFormatDouble fmt, MrBuf *out);

/* Read the binary form buf[0..len); the value as mr_seq_build makes it */
MrStatus	mr_seq_recv(const uint8_t *buf, size_t len, const MrSeqHooks *hooks,
						const MrAllocator *a, uint8_t **value, size_t *size, MrError *err);

/*
 * Write the binary form of a value; to_client (NULL: none) turns each
 * string into the client's encoding, appending to out
 */
void		mr_seq_send(const MrSeqView *v,
						void (*to_client) (const char *s, size_t len, MrBuf *out, void *state),
						void *state, MrBuf *out);

#endif							/* MR_SEQ_H */
