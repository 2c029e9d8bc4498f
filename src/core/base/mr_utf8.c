/*
 * mr_utf8.c
 *	  Strict UTF-8 decoding and Python-compatible lowercasing.
 *
 * Decoding follows the well-formed byte sequences of Unicode 14 table 3-7:
 * the second byte's range depends on the lead byte, which is what rules out
 * overlong forms, surrogates and values above U+10FFFF without decoding
 * first and checking afterwards.
 */
#include "mr_utf8.h"

#include "mr_unicode_table.h"

/*
 * Length of a well-formed sequence at s[0..len), and its code point; 0 if
 * the bytes there are not a complete well-formed sequence.
 */
static inline int
utf8_decode_strict(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	uint32_t	v;
	int			n;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	if (c < 0xC2)				/* continuation byte, or overlong 2-byte lead */
		return 0;
	if (c < 0xE0)
	{
		n = 2;
		v = c & 0x1F;
	}
	else if (c < 0xF0)
	{
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;			/* below is overlong */
		else if (c == 0xED)
			hi = 0x9F;			/* above is a surrogate */
	}
	else if (c < 0xF5)
	{
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;			/* below is overlong */
		else if (c == 0xF4)
			hi = 0x8F;			/* above is past U+10FFFF */
	}
	else
		return 0;

	if (len < (size_t) n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	v = (v << 6) | (s[1] & 0x3F);
	for (int i = 2; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return n;
}

/* Decode one code point; an invalid byte becomes U+FFFD and consumes 1 */
int
mr_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	int			n;

	if (len == 0)
	{
		*cp = MR_UTF8_REPLACEMENT;
		return 0;
	}
	n = utf8_decode_strict(s, len, cp);
	if (n == 0)
	{
		*cp = MR_UTF8_REPLACEMENT;
		return 1;
	}
	return n;
}

/* Encode one code point; anything unencodable is written as U+FFFD */
int
mr_utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = MR_UTF8_REPLACEMENT;
	if (cp < 0x80)
	{
		out[0] = (unsigned char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (unsigned char) (0xC0 | (cp >> 6));
		out[1] = (unsigned char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (unsigned char) (0xE0 | (cp >> 12));
		out[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char) (0xF0 | (cp >> 18));
	out[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char) (0x80 | (cp & 0x3F));
	return 4;
}

/* Characters of well-formed UTF-8; see mr_utf8.h */
size_t
mr_utf8_count(const unsigned char *s, size_t len)
{
	size_t		chars = 0;

	for (size_t i = 0; i < len; i++)
		chars += (s[i] & 0xC0) != 0x80;
	return chars;
}

/* 1 if every byte of s[0..len) belongs to a well-formed sequence */
int
mr_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0;
	uint32_t	cp;

	while (i < len)
	{
		int			n;

		/* ASCII needs no decoding, and is most of any clinical text */
		if (s[i] < 0x80)
		{
			i++;
			continue;
		}
		n = utf8_decode_strict(s + i, len - i, &cp);
		if (n == 0)
			return 0;
		i += (size_t) n;
	}
	return 1;
}

/* The lowercase run holding cp, or NULL (binary search on first) */
static const MrLowerRun *
find_lower_run(uint32_t cp)
{
	size_t		lo = 0;
	size_t		hi = sizeof(mr_lower_runs) / sizeof(mr_lower_runs[0]);

	/* find the last run with first <= cp */
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (mr_lower_runs[mid].first <= cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || cp > mr_lower_runs[lo - 1].last)
		return NULL;
	return &mr_lower_runs[lo - 1];
}

/* Lowercase of cp when it is a single code point, else cp */
uint32_t
mr_unicode_lower(uint32_t cp)
{
	const MrLowerRun *r;

	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	r = find_lower_run(cp);
	/* a stride-2 run maps only every other code point of its span */
	if (r == NULL || (cp - r->first) % r->stride != 0)
		return cp;
	return (uint32_t) ((int32_t) cp + r->delta);
}

/* MR_CASE_* flags of cp (binary search on first) */
static uint32_t
case_flags(uint32_t cp)
{
	size_t		lo = 0;
	size_t		hi = sizeof(mr_case_runs) / sizeof(mr_case_runs[0]);

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (mr_case_runs[mid].first <= cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || cp > mr_case_runs[lo - 1].last)
		return 0;
	return mr_case_runs[lo - 1].flags;
}

/* 1 if cp has the Unicode Cased property */
int
mr_unicode_is_cased(uint32_t cp)
{
	return (case_flags(cp) & MR_CASE_CASED) != 0;
}

/* 1 if cp has the Unicode Case_Ignorable property */
int
mr_unicode_is_case_ignorable(uint32_t cp)
{
	return (case_flags(cp) & MR_CASE_IGNORABLE) != 0;
}

/* Cut to at most max bytes on a character boundary */
size_t
mr_utf8_prefix(const unsigned char *s, size_t len, size_t max)
{
	size_t		n = len < max ? len : max;

	/* back up over continuation bytes (10xxxxxx) of a character cut short */
	if (n < len)
		while (n > 0 && (s[n] & 0xC0) == 0x80)
			n--;
	return n;
}

static int
utf8_from_unicode(uint32_t cp, char *out, void *state)
{
	(void) state;
	return mr_utf8_encode(cp, (unsigned char *) out);
}

static int
utf8_valid(const char *s, size_t len, void *state)
{
	(void) state;
	return mr_utf8_valid((const unsigned char *) s, len);
}

static size_t
utf8_clip(const char *s, size_t len, size_t max, void *state)
{
	(void) state;
	return mr_utf8_prefix((const unsigned char *) s, len, max);
}

const MrTextEncoding mr_utf8_encoding = {utf8_from_unicode, utf8_valid, utf8_clip, NULL};
