/*
 * mr_tokenize.c
 *	  Keras text_to_word_sequence and char-level splitting, in one pass.
 *
 * Python lowercases the whole text first, then maps filters to spaces, then
 * splits.  No lowercase mapping yields a filter or a space (checked by
 * tools/gen_unicode_lower.py), and filters are their own lowercase, so doing
 * all three per code point in a single left-to-right pass gives the same
 * tokens.  The one context-dependent mapping, capital sigma, is decided on
 * the original text exactly as CPython's handle_capital_sigma does, across
 * filters and spaces.
 *
 * Nothing is allocated: a word is built in a fixed buffer on the stack and
 * handed to the callback.  Every code point is read once by the main loop
 * and at most once more by a sigma look-ahead (see next_is_cased), so the
 * pass is linear in the input.
 */
#include "mr_tokenize.h"

#include "mr_utf8.h"

/* Bits of ascii_class[] */
#define AC_SEP			1		/* word mode: a filter or the space */
#define AC_CASED		2		/* A-Z, a-z */
#define AC_IGNORABLE	4		/* Case_Ignorable: ' . : ^ ` */

#define C_CASED_LETTER(c) ((unsigned char) (((c) | 0x20) - 'a') < 26)

/*
 * Keras' default filters !"#$%&()*+,-./:;<=>?@[\]^_`{|}~ plus \t and \n, the
 * space it splits on, and \r \v \f, which medrnn adds so CRLF notes split.
 * The Case_Ignorable bits come from mr_unicode_table.h (U+0027, U+002E,
 * U+003A, U+005E, U+0060); letters get AC_CASED in word_class().
 */
static const unsigned char ascii_class[128] = {
	['\t'] = AC_SEP,['\n'] = AC_SEP,['\v'] = AC_SEP,['\f'] = AC_SEP,
	['\r'] = AC_SEP,[' '] = AC_SEP,
	['!'] = AC_SEP,['"'] = AC_SEP,['#'] = AC_SEP,['$'] = AC_SEP,
	['%'] = AC_SEP,['&'] = AC_SEP,['\''] = AC_IGNORABLE,['('] = AC_SEP,
	[')'] = AC_SEP,['*'] = AC_SEP,['+'] = AC_SEP,[','] = AC_SEP,
	['-'] = AC_SEP,['.'] = AC_SEP | AC_IGNORABLE,['/'] = AC_SEP,
	[':'] = AC_SEP | AC_IGNORABLE,[';'] = AC_SEP,['<'] = AC_SEP,
	['='] = AC_SEP,['>'] = AC_SEP,['?'] = AC_SEP,['@'] = AC_SEP,
	['['] = AC_SEP,['\\'] = AC_SEP,[']'] = AC_SEP,
	['^'] = AC_SEP | AC_IGNORABLE,['_'] = AC_SEP,
	['`'] = AC_SEP | AC_IGNORABLE,['{'] = AC_SEP,['|'] = AC_SEP,
	['}'] = AC_SEP,['~'] = AC_SEP,
};

/* The word being built, and where it goes */
typedef struct TokState
{
	MrTokenFn	fn;				/* NULL: only count */
	void	   *fnstate;
	int64_t		ntok;			/* tokens emitted so far */
	size_t		len;			/* bytes in buf */
	int			cut;			/* 1 once a code point did not fit */
	/* a whole code point past the limit would still fit; never needed */
	unsigned char buf[MR_MAX_TOKEN_BYTES + 8];
} TokState;

/* Class bits of an ASCII byte */
static inline unsigned char
word_class(unsigned char c)
{
	return (unsigned char) (ascii_class[c] | (C_CASED_LETTER(c) ? AC_CASED : 0));
}

/* Hand the word in st->buf to the callback; 0 to go on, 1 to stop */
static int
emit(TokState *st)
{
	int			stop = 0;

	st->ntok++;
	if (st->fn)
		stop = st->fn((const char *) st->buf, st->len, st->fnstate) != 0;
	st->len = 0;
	st->cut = 0;
	return stop;
}

/* Append cp to the word, or cut the word if cp does not fit */
static inline void
append_cp(TokState *st, uint32_t cp)
{
	unsigned char enc[4];
	int			n;

	/* once cut, the rest of the word is dropped, so the cut is a prefix */
	if (st->cut)
		return;
	n = mr_utf8_encode(cp, enc);
	if (st->len + (size_t) n > MR_MAX_TOKEN_BYTES)
	{
		st->cut = 1;
		return;
	}
	for (int k = 0; k < n; k++)
		st->buf[st->len++] = enc[k];
}

/* Casedness of a code point as the final-sigma rule sees it */
static inline int
cp_case_bits(uint32_t cp)
{
	int			bits = 0;

	if (cp < 0x80)
		return word_class((unsigned char) cp) & (AC_CASED | AC_IGNORABLE);
	if (mr_unicode_is_case_ignorable(cp))
		bits |= AC_IGNORABLE;
	if (mr_unicode_is_cased(cp))
		bits |= AC_CASED;
	return bits;
}

/*
 * 1 if the first code point at or after s[i] that is not case-ignorable is
 * cased (CPython's look-ahead for a capital sigma).  The scan stops at the
 * first non-ignorable code point, and the next sigma is one, so the regions
 * scanned for successive sigmas never overlap: linear overall.
 */
static int
next_is_cased(const unsigned char *s, size_t len, size_t i)
{
	while (i < len)
	{
		uint32_t	cp;
		int			n = mr_utf8_decode(s + i, len - i, &cp);
		int			bits = cp_case_bits(cp);

		if (!(bits & AC_IGNORABLE))
			return (bits & AC_CASED) != 0;
		i += (size_t) n;
	}
	return 0;
}

/*
 * Lowercase cp into out[] (1 or 2 code points) with Python's full mapping:
 * U+0130 becomes i + combining dot above, and capital sigma becomes final
 * sigma after a cased letter when no cased letter follows.  prev_cased is
 * the casedness of the last non-ignorable code point before cp.
 */
static inline int
lower_full(uint32_t cp, int prev_cased, const unsigned char *s, size_t len,
		   size_t next, uint32_t out[2])
{
	if (cp == 0x0130)
	{
		out[0] = 'i';
		out[1] = 0x0307;
		return 2;
	}
	if (cp == 0x03A3)
	{
		out[0] = (prev_cased && !next_is_cased(s, len, next)) ? 0x03C2 : 0x03C3;
		return 1;
	}
	out[0] = mr_unicode_lower(cp);
	return 1;
}

/* Word mode: lowercase, filters to spaces, split on spaces, drop empties */
static int64_t
tokenize_words(const unsigned char *s, size_t len, int lowercase, TokState *st)
{
	size_t		i = 0;
	int			prev_cased = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		uint32_t	cp;
		uint32_t	out[2];
		int			n;
		int			nout;
		int			bits;

		if (c < 0x80)
		{
			unsigned char cls = word_class(c);

			if (cls & AC_SEP)
			{
				if (st->len > 0 && emit(st))
					return -1;
			}
			else if (!st->cut)
			{
				if (st->len < MR_MAX_TOKEN_BYTES)
					st->buf[st->len++] = (lowercase && c >= 'A' && c <= 'Z') ? c + 32 : c;
				else
					st->cut = 1;
			}
			if (!(cls & AC_IGNORABLE))
				prev_cased = (cls & AC_CASED) != 0;
			i++;
			continue;
		}

		/* beyond ASCII nothing is a filter or a split point */
		n = mr_utf8_decode(s + i, len - i, &cp);
		if (lowercase)
			nout = lower_full(cp, prev_cased, s, len, i + (size_t) n, out);
		else
		{
			out[0] = cp;
			nout = 1;
		}
		for (int k = 0; k < nout; k++)
			append_cp(st, out[k]);
		bits = cp_case_bits(cp);
		if (!(bits & AC_IGNORABLE))
			prev_cased = (bits & AC_CASED) != 0;
		i += (size_t) n;
	}
	if (st->len > 0 && emit(st))
		return -1;
	return st->ntok;
}

/* Char mode: each code point of the (lowercased) text is a token */
static int64_t
tokenize_chars(const unsigned char *s, size_t len, int lowercase, TokState *st)
{
	size_t		i = 0;
	int			prev_cased = 0;

	while (i < len)
	{
		uint32_t	cp;
		uint32_t	out[2];
		int			n = mr_utf8_decode(s + i, len - i, &cp);
		int			nout;
		int			bits;

		if (lowercase)
			nout = lower_full(cp, prev_cased, s, len, i + (size_t) n, out);
		else
		{
			out[0] = cp;
			nout = 1;
		}
		/* U+0130 lowercases to two code points, hence two tokens (as list()) */
		for (int k = 0; k < nout; k++)
		{
			append_cp(st, out[k]);
			if (emit(st))
				return -1;
		}
		bits = cp_case_bits(cp);
		if (!(bits & AC_IGNORABLE))
			prev_cased = (bits & AC_CASED) != 0;
		i += (size_t) n;
	}
	return st->ntok;
}

/* Emit the code points of s[i..end) as one token */
static int
emit_span(const unsigned char *s, size_t i, size_t end, TokState *st)
{
	while (i < end)
	{
		uint32_t	cp;
		int			n = mr_utf8_decode(s + i, end - i, &cp);

		append_cp(st, cp);
		i += (size_t) n;
	}
	return emit(st);
}

/*
 * SMILES mode: the lexical units of OpenSMILES, so the sequence model reads
 * atoms rather than their letters.  A bracket atom ("[C@@H]", "[nH]",
 * "[O-]") is one token, from "[" to the next "]"; "Br" and "Cl" are one
 * token each (the organic subset's two-letter elements); "%" and two digits
 * is one ring-bond label; every other code point is a token of its own, as
 * in char mode, so nothing is dropped.  A "[" with no "]" after it is a
 * token alone.  Case is kept (aromatic "c" is not aliphatic "C").
 */
static int64_t
tokenize_smiles(const unsigned char *s, size_t len, TokState *st)
{
	size_t		i = 0;
	size_t		close = 0;		/* next "]" at or after i, or len; never
								 * moves back, so finding them is linear */

	while (i < len)
	{
		size_t		end;
		unsigned char c = s[i];

		if (c == '[')
		{
			if (close <= i)
			{
				close = i + 1;
				while (close < len && s[close] != ']')
					close++;
			}
			end = close < len ? close + 1 : i + 1;
		}
		else if (i + 1 < len && ((c == 'B' && s[i + 1] == 'r') || (c == 'C' && s[i + 1] == 'l')))
			end = i + 2;
		else if (c == '%' && i + 2 < len && (unsigned) (s[i + 1] - '0') < 10 &&
				 (unsigned) (s[i + 2] - '0') < 10)
			end = i + 3;
		else
		{
			uint32_t	cp;

			end = i + (size_t) mr_utf8_decode(s + i, len - i, &cp);
		}
		if (emit_span(s, i, end, st))
			return -1;
		i = end;
	}
	return st->ntok;
}

/* The option value that names a tokenizer kind, or NULL */
const char *
mr_tokenizer_name(MrTokenizerKind kind)
{
	switch (kind)
	{
		case MR_TOKENIZER_WORD:
			return "word";
		case MR_TOKENIZER_CHAR:
			return "char";
		case MR_TOKENIZER_SMILES:
			return "smiles";
	}
	return NULL;
}

/* Tokenize text[0..len) and call fn for each token */
int64_t
mr_tokenize(const MrTokenizer *tk, const char *text, size_t len,
			MrTokenFn fn, void *state)
{
	TokState	st;

	if (tk == NULL || (text == NULL && len > 0) || mr_tokenizer_name(tk->kind) == NULL)
		return -1;
	st.fn = fn;
	st.fnstate = state;
	st.ntok = 0;
	st.len = 0;
	st.cut = 0;
	if (len == 0)
		return 0;
	switch (tk->kind)
	{
		case MR_TOKENIZER_WORD:
			return tokenize_words((const unsigned char *) text, len, tk->lowercase != 0, &st);
		case MR_TOKENIZER_CHAR:
			return tokenize_chars((const unsigned char *) text, len, tk->lowercase != 0, &st);
		case MR_TOKENIZER_SMILES:
			return tokenize_smiles((const unsigned char *) text, len, &st);
	}
	return -1;
}
