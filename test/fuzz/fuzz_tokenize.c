/*
 * fuzz_tokenize.c
 *	  libFuzzer harness: the tokenizer (word and char mode, lowercase on and
 *	  off, SMILES mode) and the UTF-8 decoder on arbitrary bytes.
 *
 * Every text rnn_train or rnn_predict reads goes through mr_tokenize.  For
 * each of the five settings every token must be non-empty, at most
 * MR_MAX_TOKEN_BYTES, valid UTF-8, and in word mode free of filter
 * characters; the count returned must equal the callbacks made.  For one
 * setting (chosen by the first byte) counting without a callback must give
 * the same count, and a callback that asks to stop must stop it.  Across settings:
 *	  - without lowercasing, both modes must equal a reference written from
 *		the documented semantics (decode to code points, invalid bytes to
 *		U+FFFD, split on filters, cut words on a code point boundary);
 *	  - lowercasing never changes the word count, and in char mode adds one
 *		token per U+0130 and maps every other code point as
 *		mr_unicode_lower does (capital sigma to one of the two sigmas);
 *	  - SMILES tokens are char-mode tokens, or bracket atoms, Br, Cl and
 *		%nn, and together give back the char-mode text (unless a bracket
 *		atom was cut at MR_MAX_TOKEN_BYTES).
 * The UTF-8 decoder must re-encode every sequence it accepts to the same
 * bytes, and mr_utf8_valid must agree with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_tokenize.h"
#include "mr_utf8.h"

/* Tokens of one run: concatenated bytes, with offsets */
typedef struct Toks
{
	int			word;			/* word mode: check for filters */
	int64_t		n;
	int64_t		stop_at;		/* ask to stop at this token (-1: never) */
	size_t		nbytes;
	size_t		cap_tok,
				cap_bytes;
	size_t	   *off;			/* (n + 1) start of token i in bytes */
	unsigned char *bytes;
} Toks;

static const char filters[] = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r\v\f ";
static unsigned char is_filter[256];	/* filled from filters on the first call */

static void fail(const char *what, const char *setting) __attribute__((noreturn));

/* Report a broken invariant and abort, so libFuzzer saves the input */
static void
fail(const char *what, const char *setting)
{
	fprintf(stderr, "fuzz_tokenize: %s (%s)\n", what, setting);
	abort();
}

/* Make room for one more token of len bytes */
static void
toks_reserve(Toks *t, size_t len)
{
	if (t->n + 2 > (int64_t) t->cap_tok)
	{
		t->cap_tok = t->cap_tok ? 2 * t->cap_tok : 256;
		t->off = realloc(t->off, sizeof(size_t) * t->cap_tok);
	}
	if (t->nbytes + len > t->cap_bytes || t->bytes == NULL)
	{
		do
			t->cap_bytes = t->cap_bytes ? 2 * t->cap_bytes : 4096;
		while (t->nbytes + len > t->cap_bytes);
		t->bytes = realloc(t->bytes, t->cap_bytes);
	}
	if (!t->off || !t->bytes)
		fail("out of memory", "-");
}

/* Append a token */
static void
toks_push(Toks *t, const void *tok, size_t len)
{
	toks_reserve(t, len);
	t->off[t->n] = t->nbytes;
	memcpy(t->bytes + t->nbytes, tok, len);
	t->nbytes += len;
	t->n++;
	t->off[t->n] = t->nbytes;
}

/* Token i and its length */
static const unsigned char *
toks_get(const Toks *t, int64_t i, size_t *len)
{
	*len = t->off[i + 1] - t->off[i];
	return t->bytes + t->off[i];
}

static void
toks_reset(Toks *t, int word, int64_t stop_at)
{
	t->word = word;
	t->n = 0;
	t->nbytes = 0;
	t->stop_at = stop_at;
	toks_reserve(t, 0);
	t->off[0] = 0;
}

/* The tokenizer's callback: check the token and keep it */
static int
on_token(const char *tok, size_t len, void *arg)
{
	Toks	   *t = arg;

	if (len == 0)
		fail("an empty token", t->word ? "word" : "char");
	if (len > MR_MAX_TOKEN_BYTES)
		fail("a token longer than MR_MAX_TOKEN_BYTES", t->word ? "word" : "char");
	if (!mr_utf8_valid((const unsigned char *) tok, len))
		fail("a token is not valid UTF-8", t->word ? "word" : "char");
	if (t->word)
		for (size_t i = 0; i < len; i++)
			if (is_filter[(unsigned char) tok[i]])
				fail("a word contains a filter character", "word");
	toks_push(t, tok, len);
	return t->n - 1 == t->stop_at;
}

/* Reference tokenizer without lowercasing, from the documented semantics */
static void
reference(const unsigned char *s, size_t size, int word, Toks *out)
{
	size_t		i = 0;
	unsigned char buf[MR_MAX_TOKEN_BYTES];
	size_t		len = 0;
	int			cut = 0;

	toks_reset(out, word, -1);
	while (i < size)
	{
		uint32_t	cp;
		int			n = mr_utf8_decode(s + i, size - i, &cp);
		unsigned char enc[4];
		int			k = mr_utf8_encode(cp, enc);

		i += (size_t) n;
		if (!word)
		{
			toks_push(out, enc, (size_t) k);
			continue;
		}
		if (cp < 0x80 && is_filter[cp])
		{
			if (len > 0)
				toks_push(out, buf, len);
			len = 0;
			cut = 0;
			continue;
		}
		if (cut || len + (size_t) k > MR_MAX_TOKEN_BYTES)
		{
			cut = 1;
			continue;
		}
		memcpy(buf + len, enc, (size_t) k);
		len += (size_t) k;
	}
	if (word && len > 0)
		toks_push(out, buf, len);
}

/* The UTF-8 decoder against the encoder and mr_utf8_valid */
static void
check_utf8(const unsigned char *s, size_t size)
{
	size_t		i = 0;
	int			all_valid = 1;

	while (i < size)
	{
		uint32_t	cp;
		int			n = mr_utf8_decode(s + i, size - i, &cp);
		unsigned char enc[4];

		if (n < 1 || n > 4 || (size_t) n > size - i)
			fail("mr_utf8_decode consumed a bad byte count", "utf8");
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			fail("mr_utf8_decode yielded a non-scalar value", "utf8");
		if (cp == MR_UTF8_REPLACEMENT && !(n == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0))
		{
			if (n != 1)
				fail("an invalid sequence consumed more than one byte", "utf8");
			all_valid = 0;
		}
		else if (mr_utf8_encode(cp, enc) != n || memcmp(enc, s + i, (size_t) n) != 0)
			fail("a decoded code point does not re-encode to its bytes", "utf8");
		i += (size_t) n;
	}
	if (mr_utf8_valid(s, size) != all_valid)
		fail("mr_utf8_valid disagrees with mr_utf8_decode", "utf8");
}

/* Code points of a UTF-8 token (valid, so no replacement is invented) */
static size_t
to_cps(const unsigned char *s, size_t len, uint32_t *cps)
{
	size_t		n = 0;

	for (size_t i = 0; i < len;)
	{
		int			k = mr_utf8_decode(s + i, len - i, &cps[n++]);

		i += (size_t) k;
	}
	return n;
}

/* Does lowered code point l match original code point o? */
static int
lower_matches(uint32_t o, uint32_t l)
{
	if (o == 0x03A3)
		return l == 0x03C2 || l == 0x03C3;
	return l == mr_unicode_lower(o);
}

/* A lowercased word against its original: same code points, lowered */
static void
check_lower_word(const unsigned char *o, size_t olen, const unsigned char *l, size_t llen)
{
	uint32_t	ocp[MR_MAX_TOKEN_BYTES],
				lcp[MR_MAX_TOKEN_BYTES],
				exp[2 * MR_MAX_TOKEN_BYTES];
	int			esigma[2 * MR_MAX_TOKEN_BYTES];
	size_t		no = to_cps(o, olen, ocp),
				nl = to_cps(l, llen, lcp),
				ne = 0,
				n;

	for (size_t i = 0; i < no; i++)
	{
		esigma[ne] = ocp[i] == 0x03A3;
		if (ocp[i] == 0x0130)
		{
			exp[ne++] = 'i';
			esigma[ne] = 0;
			exp[ne++] = 0x0307;
		}
		else
			exp[ne++] = ocp[i];
	}
	/* cuts may fall at different code points: compare the common prefix */
	n = ne < nl ? ne : nl;
	for (size_t i = 0; i < n; i++)
		if (esigma[i] ? !lower_matches(0x03A3, lcp[i]) : !lower_matches(exp[i], lcp[i]))
			fail("a lowercased word is not the lowercase of the word", "word, lowercase");
	/* with no cut on either side the lengths agree */
	if (olen + 4 <= MR_MAX_TOKEN_BYTES && llen + 4 <= MR_MAX_TOKEN_BYTES && ne != nl)
		fail("a lowercased word has a different length", "word, lowercase");
}

/* SMILES tokens against the char-mode tokens of the same text */
static void
check_smiles(const Toks *sm, const Toks *ch)
{
	int			cut = 0;

	if (sm->n > ch->n)
		fail("more SMILES tokens than code points", "smiles");
	for (int64_t i = 0; i < sm->n; i++)
	{
		size_t		len;
		const unsigned char *t = toks_get(sm, i, &len);
		int			one_cp = mr_utf8_decode(t, len, &(uint32_t) {0}) == (int) len;

		if (len >= MR_MAX_TOKEN_BYTES - 4)
			cut = 1;
		if (!one_cp && t[0] != '[' &&
			!(len == 2 && (memcmp(t, "Br", 2) == 0 || memcmp(t, "Cl", 2) == 0)) &&
			!(len == 3 && t[0] == '%' && (unsigned) (t[1] - '0') < 10 && (unsigned) (t[2] - '0') < 10))
			fail("a SMILES token of several code points is not [..], Br, Cl or %nn", "smiles");
		if (!one_cp && t[0] == '[' && t[len - 1] != ']' && len < MR_MAX_TOKEN_BYTES - 4)
			fail("a bracket token does not end with ]", "smiles");
	}
	if (!cut && (sm->nbytes != ch->nbytes || memcmp(sm->bytes, ch->bytes, sm->nbytes) != 0))
		fail("SMILES tokens do not give back the text", "smiles");
}

/* word, word lowercased, char, char lowercased, smiles */
#define N_RUNS 5

static Toks runs[N_RUNS];
static Toks ref;

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	static const char *const names[N_RUNS] = {
		"word", "word, lowercase", "char", "char, lowercase", "smiles"
	};
	static const MrTokenizerKind kinds[N_RUNS] = {
		MR_TOKENIZER_WORD, MR_TOKENIZER_WORD, MR_TOKENIZER_CHAR, MR_TOKENIZER_CHAR,
		MR_TOKENIZER_SMILES
	};
	int64_t		dotted_i = 0;

	if (!is_filter[' '])
		for (const char *f = filters; *f; f++)
			is_filter[(unsigned char) *f] = 1;
	check_utf8(data, size);
	for (int r = 0; r < N_RUNS; r++)
	{
		MrTokenizer tk = {kinds[r], r < 4 && (r & 1)};
		Toks	   *t = &runs[r];
		int64_t		n;

		toks_reset(t, r < 2, -1);
		n = mr_tokenize(&tk, text, size, on_token, t);
		if (n != t->n)
			fail("the count returned differs from the tokens emitted", names[r]);
		/* counting and stopping: one setting an input, chosen by its first byte */
		if (size == 0 || data[0] % N_RUNS != r)
			continue;
		if (mr_tokenize(&tk, text, size, NULL, NULL) != n)
			fail("counting without a callback gives another count", names[r]);
		/* stop at a token chosen by the input */
		if (n > 0)
		{
			int64_t		stop = (int64_t) (data[0] + 256 * data[size - 1]) % n;
			Toks		s;

			memset(&s, 0, sizeof(s));
			toks_reset(&s, r < 2, stop);
			if (mr_tokenize(&tk, text, size, on_token, &s) != -1 || s.n != stop + 1 ||
				memcmp(s.bytes, t->bytes, s.nbytes) != 0)
				fail("a callback's request to stop was not honoured", names[r]);
			free(s.off);
			free(s.bytes);
		}
	}

	/* without lowercasing: the reference */
	for (int r = 0; r < 4; r += 2)
	{
		reference(data, size, r < 2, &ref);
		if (ref.n != runs[r].n || ref.nbytes != runs[r].nbytes ||
			memcmp(ref.off, runs[r].off, sizeof(size_t) * (size_t) (ref.n + 1)) != 0 ||
			memcmp(ref.bytes, runs[r].bytes, ref.nbytes) != 0)
			fail("tokens differ from the reference", names[r]);
	}

	/*
	 * SMILES mode: each token is one char-mode token, or a bracket atom, Br,
	 * Cl or %nn, so the tokens give back the char-mode text unless a bracket
	 * atom was cut to MR_MAX_TOKEN_BYTES
	 */
	check_smiles(&runs[4], &runs[2]);

	/* lowercasing against no lowercasing */
	if (runs[0].n != runs[1].n)
		fail("lowercasing changed the word count", "word");
	for (int64_t i = 0; i < runs[0].n; i++)
	{
		size_t		olen,
					llen;
		const unsigned char *o = toks_get(&runs[0], i, &olen),
				   *l = toks_get(&runs[1], i, &llen);

		check_lower_word(o, olen, l, llen);
	}
	for (int64_t i = 0; i < runs[2].n; i++)
	{
		size_t		len;
		const unsigned char *o = toks_get(&runs[2], i, &len);
		uint32_t	cp;

		if (mr_utf8_decode(o, len, &cp) != (int) len)
			fail("a char token is not one code point", "char");
		dotted_i += cp == 0x0130;
	}
	if (runs[3].n != runs[2].n + dotted_i)
		fail("lowercasing changed the char count by other than the U+0130 count", "char, lowercase");
	for (int64_t i = 0, j = 0; i < runs[2].n; i++, j++)
	{
		size_t		olen,
					llen;
		const unsigned char *o = toks_get(&runs[2], i, &olen),
				   *l = toks_get(&runs[3], j, &llen);
		uint32_t	ocp,
					lcp;

		mr_utf8_decode(o, olen, &ocp);
		mr_utf8_decode(l, llen, &lcp);
		if (ocp == 0x0130)
		{
			size_t		l2len;
			const unsigned char *l2 = toks_get(&runs[3], ++j, &l2len);
			uint32_t	lcp2;

			mr_utf8_decode(l2, l2len, &lcp2);
			if (lcp != 'i' || lcp2 != 0x0307)
				fail("U+0130 did not lowercase to i and U+0307", "char, lowercase");
		}
		else if (!lower_matches(ocp, lcp))
			fail("a lowercased char is not the lowercase of the char", "char, lowercase");
	}
	return 0;
}
