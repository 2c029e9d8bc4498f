/*
 * mr_tokenize.h
 *	  Text to tokens, with Keras Tokenizer semantics.
 *
 * Word mode (clinical notes, abstracts) follows
 * keras.preprocessing.text.text_to_word_sequence: lowercase, map every
 * character of the filter set !"#$%&()*+,-./:;<=>?@[\]^_`{|}~ and tab and
 * newline to a space, split on spaces, drop empty pieces.  medrnn also
 * treats \r, \v and \f as filters, so CRLF notes do not produce "word\r"
 * tokens; other Unicode spaces are kept inside words, as Keras does.
 *
 * Char mode makes every code point a token, spaces included, with no
 * filters and case kept unless lowercase is set (Keras char_level with
 * lower=False).
 *
 * SMILES mode reads chemical structures in their lexical units: a bracket
 * atom ("[C@@H]", "[nH]") is one token, so are "Br", "Cl" and a "%nn"
 * ring-bond label, and every other code point is one token, as in char
 * mode.  It keeps case; lowercase does not apply.
 *
 * Input is UTF-8; an invalid byte becomes U+FFFD, so every token is valid
 * UTF-8.  A word longer than MR_MAX_TOKEN_BYTES is cut to that many bytes on
 * a code point boundary.
 */
#ifndef MR_TOKENIZE_H
#define MR_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"

typedef enum MrTokenizerKind
{
	MR_TOKENIZER_WORD = 1,
	MR_TOKENIZER_CHAR = 2,
	MR_TOKENIZER_SMILES = 3
} MrTokenizerKind;

typedef struct MrTokenizer
{
	MrTokenizerKind kind;
	int			lowercase;		/* 1: Python str.lower() semantics */
} MrTokenizer;

/*
 * Called once per token, in text order.  tok is NOT NUL-terminated and is
 * only valid during the call.  Return 0 to go on, nonzero to stop.
 */
typedef int (*MrTokenFn) (const char *tok, size_t len, void *state);

/*
 * Tokenize text[0..len) (no NUL needed; NUL bytes are ordinary characters).
 * Returns the number of tokens emitted, or -1 if fn asked to stop.
 * Allocates nothing.  fn may be NULL to only count the tokens; a NULL tk,
 * an unknown kind, or a NULL text with len > 0 also return -1.
 */
int64_t		mr_tokenize(const MrTokenizer *tk, const char *text, size_t len,
						MrTokenFn fn, void *state);

/* The option value that names a tokenizer kind ("word", ...), or NULL */
const char *mr_tokenizer_name(MrTokenizerKind kind);

#endif							/* MR_TOKENIZE_H */
