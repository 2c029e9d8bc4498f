/*
 * mr_json.h
 *	  Reading JSON: the scanners for its strings, numbers and literals, and
 *	  a value tree built from them.
 *
 * Two parts of medrnn read JSON: rnn_train's options (in the server they
 * arrive as jsonb, which the glue turns into an MrJson tree; tools and
 * benchmarks parse the text here) and the text form of an rnnseq, whose
 * parser walks its own grammar but reads every scalar with the scanners
 * below.  Both take RFC 8259 strictly: no leading zeros, no trailing
 * commas, no NaN, only the standard escapes.
 */
#ifndef MR_JSON_H
#define MR_JSON_H

#include <stddef.h>

#include "mr_buf.h"
#include "mr_common.h"
#include "mr_utf8.h"

/* What a scanner found wrong, if anything */
typedef enum MrJsonScan
{
	MR_JSON_OK = 0,
	MR_JSON_UNTERMINATED,		/* a string without its closing quote */
	MR_JSON_CONTROL,			/* an unescaped control character in a string */
	MR_JSON_BAD_ESCAPE,			/* an escape JSON does not have, or a lone surrogate */
	MR_JSON_NUL,				/* \u0000, which text cannot hold */
	MR_JSON_UNENCODABLE,		/* a \u escape the text's encoding has no character for */
	MR_JSON_INVALID_TEXT,		/* bytes that are not valid in the text's encoding */
	MR_JSON_BAD_NUMBER,			/* not a JSON number, or one run into letters ("2x") */
	MR_JSON_NUMBER_RANGE,		/* a number beyond double precision, or one that underflows to 0 */
	MR_JSON_NOMEM
} MrJsonScan;

/*
 * Decode the string at *p (its opening quote) into out (reset first), in
 * the encoding enc (NULL: UTF-8): plain bytes are kept as they are, \u
 * escapes written in the encoding; then check out is valid in it.  On
 * success *p is past the closing quote.
 */
MrJsonScan	mr_json_scan_string(const char **p, const char *end, const MrTextEncoding *enc,
								MrBuf *out);

/*
 * Read the number at *p ('-' or a digit) into *v; on success *p is past
 * it.  Overflow, and underflow to zero, are MR_JSON_NUMBER_RANGE (as
 * float8 input has them).  scratch holds a copy of the number's text.
 */
MrJsonScan	mr_json_scan_number(const char **p, const char *end, MrBuf *scratch, double *v);

/* If the literal word (null, true, false) is at *p, not run into a letter, step over it */
int			mr_json_match_literal(const char **p, const char *end, const char *word);

/* Step over JSON white space */
const char *mr_json_skip_space(const char *p, const char *end);

/* A parsed value */
typedef enum MrJsonType
{
	MR_JSON_NULL,
	MR_JSON_BOOL,
	MR_JSON_NUMBER,
	MR_JSON_STRING,
	MR_JSON_ARRAY,
	MR_JSON_OBJECT
} MrJsonType;

typedef struct MrJson
{
	MrJsonType	type;
	int			boolean;		/* MR_JSON_BOOL */
	double		number;			/* MR_JSON_NUMBER */
	const char *text;			/* NUMBER: as written; STRING: UTF-8, NUL-terminated */
	size_t		len;			/* bytes of text */
	int			n;				/* ARRAY, OBJECT: elements */
	struct MrJson *items;		/* (n) elements, or members' values */
	const char **keys;			/* OBJECT: (n) member names, UTF-8, NUL-terminated */
	size_t	   *key_lens;		/* (n) */
} MrJson;

/* Deepest nesting mr_json_parse takes */
#define MR_JSON_MAX_DEPTH 64

/*
 * Parse text[0..len) (UTF-8) as one JSON value into a tree allocated from
 * a (free it with the allocator's context, or leave it to the process).
 * MR_EINVAL with a detail for text that is not JSON.  Members of an object
 * keep their order, duplicates included.
 */
MrStatus	mr_json_parse(const char *text, size_t len, const MrAllocator *a,
						  MrJson **out, MrError *err);

/* The member of an object named key (the last one if repeated), or NULL */
const MrJson *mr_json_member(const MrJson *obj, const char *key);

/* "a string", "a number"...: a value's type for messages */
const char *mr_json_type_name(const MrJson *v);

#endif							/* MR_JSON_H */
