/*
 * mr_utf8.h
 *	  UTF-8 decoding and Unicode lowercasing for the tokenizer.
 *
 * The lowercase table is built into the library (generated from Python's
 * unicodedata by tools/gen_unicode_lower.py) rather than taken from the C
 * library's locale, so a model tokenizes the same text the same way on
 * every machine and forever: rnn_predict is IMMUTABLE.
 */
#ifndef MR_UTF8_H
#define MR_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define MR_UTF8_REPLACEMENT 0xFFFDu

/*
 * Decode the code point at s[0..len), len >= 1.  Returns the bytes consumed
 * (1..4).  An invalid or truncated sequence (overlong form, surrogate, value
 * above U+10FFFF, bad continuation byte) consumes 1 byte and yields U+FFFD.
 * (len 0 reads nothing, yields U+FFFD and returns 0.)
 */
int			mr_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encode cp (<= U+10FFFF, not a surrogate) into out; returns 1..4 */
int			mr_utf8_encode(uint32_t cp, unsigned char out[4]);

/*
 * The length of the longest prefix of s[0..len) of at most max bytes that
 * does not end inside a multi-byte character (for the token limit).
 */
size_t		mr_utf8_prefix(const unsigned char *s, size_t len, size_t max);

/* 1 if s[0..len) is well-formed UTF-8 */
int			mr_utf8_valid(const unsigned char *s, size_t len);

/* Characters of well-formed UTF-8 s[0..len): the bytes that start one */
size_t		mr_utf8_count(const unsigned char *s, size_t len);

/*
 * Lowercase of cp as Python's str.lower() gives it, for the code points
 * whose lowercase is a single code point; others come back unchanged.
 * (U+0130 and final sigma are handled by the tokenizer.)
 */
uint32_t	mr_unicode_lower(uint32_t cp);

/* 1 if cp is a cased letter (has a lowercase or uppercase mapping, or is Ll/Lu/Lt) */
int			mr_unicode_is_cased(uint32_t cp);

/*
 * 1 if cp is Case_Ignorable (combining marks, modifier letters, format
 * characters, apostrophe, period, colon...).  Python's final-sigma rule
 * looks through these on both sides of a capital sigma; a code point can be
 * both cased and case-ignorable, and then it is looked through.
 */
int			mr_unicode_is_case_ignorable(uint32_t cp);

/*
 * How text in some encoding is written and checked.  The core's text is
 * UTF-8, but an rnnseq stores its strings in the database's encoding; its
 * parser is handed the server's encoding through this (NULL or
 * mr_utf8_encoding means UTF-8).
 */
#define MR_TEXT_MAX_CHAR 32		/* bytes of one character in any encoding, and more */

typedef struct MrTextEncoding
{
	/*
	 * Write code point cp (not a surrogate, not 0) into out
	 * (MR_TEXT_MAX_CHAR bytes of room); return the byte count, 0 if the
	 * encoding cannot hold it
	 */
	int			(*from_unicode) (uint32_t cp, char *out, void *state);
	/* 1 if s[0..len) is valid text in the encoding */
	int			(*valid) (const char *s, size_t len, void *state);
	/*
	 * The longest prefix of s[0..len) of at most max bytes that does not
	 * end inside a character
	 */
	size_t		(*clip) (const char *s, size_t len, size_t max, void *state);
	void	   *state;
} MrTextEncoding;

extern const MrTextEncoding mr_utf8_encoding;

#endif							/* MR_UTF8_H */
