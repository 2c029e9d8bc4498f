/*
 * test_utf8.c
 *	  Strict UTF-8 decoding and the generated lowercase tables.
 */
#include "mr_test.h"

#include <string.h>

#include "mr_unicode_table.h"
#include "mr_utf8.h"

/* Decode bytes and check both the length consumed and the code point */
static void
check_decode(const char *bytes, size_t len, int want_n, uint32_t want_cp, const char *what)
{
	uint32_t	cp = 0;
	int			n = mr_utf8_decode((const unsigned char *) bytes, len, &cp);

	MR_CHECK(n == want_n && cp == want_cp, "decode %s: %d bytes, U+%04X (got %d, U+%04X)",
			 what, want_n, (unsigned) want_cp, n, (unsigned) cp);
}

/*
 * Reference decoder for 1..4 bytes, written the slow way (decode, then
 * reject overlong, surrogate and out-of-range values) to check the
 * table-driven one.  Returns the length or 0 if invalid.
 */
static int
naive_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	int			n;
	uint32_t	v;
	static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};

	if (s[0] < 0x80)
		n = 1, v = s[0];
	else if ((s[0] & 0xE0) == 0xC0)
		n = 2, v = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, v = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4, v = s[0] & 0x07;
	else
		return 0;
	if ((size_t) n > len)
		return 0;
	for (int i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min_for_len[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Compare mr_utf8_decode with naive_decode on one byte sequence */
static int
agrees(const unsigned char *s, size_t len)
{
	uint32_t	a = 0;
	uint32_t	b = 0;
	int			na = mr_utf8_decode(s, len, &a);
	int			nb = naive_decode(s, len, &b);

	if (nb == 0)
		return na == 1 && a == MR_UTF8_REPLACEMENT;
	return na == nb && a == b;
}

/* Decoding: valid forms at every boundary, and every kind of invalid one */
static void
test_decode(void)
{
	unsigned char s[4];
	long		bad;

	check_decode("A", 1, 1, 'A', "ASCII");
	check_decode("\0", 1, 1, 0, "NUL");
	check_decode("\x7F", 1, 1, 0x7F, "U+007F");
	check_decode("\xC2\x80", 2, 2, 0x80, "U+0080");
	check_decode("\xC3\xA9", 2, 2, 0xE9, "e acute");
	check_decode("\xDF\xBF", 2, 2, 0x7FF, "U+07FF");
	check_decode("\xE0\xA0\x80", 3, 3, 0x800, "U+0800");
	check_decode("\xE4\xB8\xAD", 3, 3, 0x4E2D, "CJK");
	check_decode("\xED\x9F\xBF", 3, 3, 0xD7FF, "U+D7FF, last before the surrogates");
	check_decode("\xEE\x80\x80", 3, 3, 0xE000, "U+E000, first after the surrogates");
	check_decode("\xEF\xBF\xBD", 3, 3, 0xFFFD, "U+FFFD itself");
	check_decode("\xEF\xBF\xBF", 3, 3, 0xFFFF, "U+FFFF");
	check_decode("\xF0\x90\x80\x80", 4, 4, 0x10000, "U+10000");
	check_decode("\xF0\x9F\x98\x80", 4, 4, 0x1F600, "emoji");
	check_decode("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF, "U+10FFFF");
	check_decode("\xC3\xA9xyz", 5, 2, 0xE9, "stops after its own bytes");

	check_decode("\x80", 1, 1, 0xFFFD, "lone continuation 80");
	check_decode("\xBF", 1, 1, 0xFFFD, "lone continuation BF");
	check_decode("\xC0\x80", 2, 1, 0xFFFD, "overlong NUL C0 80");
	check_decode("\xC0\xAF", 2, 1, 0xFFFD, "overlong slash C0 AF");
	check_decode("\xC1\xBF", 2, 1, 0xFFFD, "overlong C1 BF");
	check_decode("\xE0\x80\xAF", 3, 1, 0xFFFD, "overlong 3-byte slash");
	check_decode("\xE0\x9F\xBF", 3, 1, 0xFFFD, "overlong U+07FF in 3 bytes");
	check_decode("\xF0\x80\x80\xAF", 4, 1, 0xFFFD, "overlong 4-byte slash");
	check_decode("\xF0\x8F\xBF\xBF", 4, 1, 0xFFFD, "overlong U+FFFF in 4 bytes");
	check_decode("\xED\xA0\x80", 3, 1, 0xFFFD, "surrogate D800");
	check_decode("\xED\xBF\xBF", 3, 1, 0xFFFD, "surrogate DFFF");
	check_decode("\xED\xA0\xBD\xED\xB8\x80", 6, 1, 0xFFFD, "CESU-8 surrogate pair");
	check_decode("\xF4\x90\x80\x80", 4, 1, 0xFFFD, "U+110000");
	check_decode("\xF5\x80\x80\x80", 4, 1, 0xFFFD, "lead F5");
	check_decode("\xF8\x88\x80\x80\x80", 5, 1, 0xFFFD, "5-byte form");
	check_decode("\xFE", 1, 1, 0xFFFD, "byte FE");
	check_decode("\xFF", 1, 1, 0xFFFD, "byte FF");
	check_decode("\xC3\x41", 2, 1, 0xFFFD, "2-byte, bad continuation");
	check_decode("\xE4\xB8\x41", 3, 1, 0xFFFD, "3-byte, bad third byte");
	check_decode("\xE4\xC0\xAD", 3, 1, 0xFFFD, "3-byte, bad second byte");
	check_decode("\xF0\x9F\x98\x41", 4, 1, 0xFFFD, "4-byte, bad fourth byte");
	check_decode("\xC3", 1, 1, 0xFFFD, "2-byte truncated at end");
	check_decode("\xE4\xB8", 2, 1, 0xFFFD, "3-byte truncated at end");
	check_decode("\xF0\x9F\x98", 3, 1, 0xFFFD, "4-byte truncated at end");
	/* a truncated sequence must not read the bytes beyond len */
	check_decode("\xE4\xB8\xAD", 2, 1, 0xFFFD, "3-byte cut by len");

	{
		uint32_t	cp = 0;

		MR_CHECK(mr_utf8_decode((const unsigned char *) "", 0, &cp) == 0 && cp == 0xFFFD,
				 "decode of 0 bytes consumes nothing");
	}

	/* every 1-, 2- and 3-byte sequence against the naive decoder */
	bad = 0;
	for (unsigned a = 0; a < 256; a++)
	{
		s[0] = (unsigned char) a;
		bad += !agrees(s, 1);
		for (unsigned b = 0; b < 256; b++)
		{
			s[1] = (unsigned char) b;
			bad += !agrees(s, 2);
			if (a < 0xE0 || a > 0xEF)
				continue;
			for (unsigned c = 0; c < 256; c++)
			{
				s[2] = (unsigned char) c;
				bad += !agrees(s, 3);
			}
		}
	}
	MR_CHECK(bad == 0, "all 1-3 byte sequences agree with the naive decoder (%ld differ)", bad);

	/* 4-byte leads with every second byte and boundary continuation bytes */
	bad = 0;
	for (unsigned a = 0xF0; a < 0x100; a++)
		for (unsigned b = 0; b < 256; b++)
		{
			static const unsigned char edge[] = {0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};

			for (size_t c = 0; c < sizeof(edge); c++)
				for (size_t d = 0; d < sizeof(edge); d++)
				{
					s[0] = (unsigned char) a;
					s[1] = (unsigned char) b;
					s[2] = edge[c];
					s[3] = edge[d];
					bad += !agrees(s, 4);
					bad += !agrees(s, 3);
				}
		}
	MR_CHECK(bad == 0, "4-byte sequences agree with the naive decoder (%ld differ)", bad);
}

/* Encoding: round trip of every scalar value, U+FFFD for the rest */
static void
test_encode(void)
{
	unsigned char buf[4];
	long		bad = 0;

	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++)
	{
		int			n;
		int			want;
		uint32_t	back = 0;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = mr_utf8_encode(cp, buf);
		want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (n != want || mr_utf8_decode(buf, (size_t) n, &back) != n || back != cp ||
			!mr_utf8_valid(buf, (size_t) n))
			bad++;
	}
	MR_CHECK(bad == 0, "encode/decode round trip of all scalar values (%ld differ)", bad);
	MR_CHECK(mr_utf8_encode(0xD800, buf) == 3 && memcmp(buf, "\xEF\xBF\xBD", 3) == 0,
			 "a surrogate encodes as U+FFFD");
	MR_CHECK(mr_utf8_encode(0x110000, buf) == 3 && memcmp(buf, "\xEF\xBF\xBD", 3) == 0,
			 "a value above U+10FFFF encodes as U+FFFD");
}

/* mr_utf8_valid on whole strings */
static void
test_valid(void)
{
	static const char good[] = "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 \xCE\xA3";

	MR_CHECK(mr_utf8_valid((const unsigned char *) "", 0), "empty string is valid");
	MR_CHECK(mr_utf8_valid((const unsigned char *) good, sizeof(good) - 1), "mixed text is valid");
	MR_CHECK(mr_utf8_valid((const unsigned char *) "a\0b", 3), "NUL bytes are valid");
	MR_CHECK(!mr_utf8_valid((const unsigned char *) good, sizeof(good) - 2),
			 "text cut inside its last character is invalid");
	MR_CHECK(!mr_utf8_valid((const unsigned char *) "ab\x80", 3), "lone continuation is invalid");
	MR_CHECK(!mr_utf8_valid((const unsigned char *) "\xC0\xAF", 2), "overlong is invalid");
	MR_CHECK(!mr_utf8_valid((const unsigned char *) "x\xED\xA0\x80y", 5), "surrogate is invalid");
	MR_CHECK(!mr_utf8_valid((const unsigned char *) "\xF4\x90\x80\x80", 4), "U+110000 is invalid");
}

/* Fold one 32-bit value into a 64-bit FNV-1a hash, little-endian bytes */
static uint64_t
fnv1a_u32(uint64_t h, uint32_t v)
{
	for (int k = 0; k < 4; k++)
	{
		h ^= (v >> (8 * k)) & 0xFF;
		h *= UINT64_C(0x100000001B3);
	}
	return h;
}

/* Lowercasing and case properties, spot checks and all code points */
static void
test_lower(void)
{
	static const struct
	{
		uint32_t	cp;
		uint32_t	lower;
		const char *what;
	}			pairs[] = {
		{'A', 'a', "A"}, {'Z', 'z', "Z"}, {'a', 'a', "a"}, {'@', '@', "@"},
		{'[', '[', "["}, {0xC9, 0xE9, "E acute"}, {0xE9, 0xE9, "e acute"},
		{0xDC, 0xFC, "U umlaut"}, {0xD7, 0xD7, "multiplication sign"},
		{0x100, 0x101, "A macron (stride 2)"}, {0x101, 0x101, "a macron"},
		{0x12E, 0x12F, "I ogonek (end of a stride-2 run)"},
		{0x130, 0x130, "I with dot above (two code points: tokenizer's job)"},
		{0x178, 0xFF, "Y diaeresis"}, {0x1C4, 0x1C6, "DZ caron"},
		{0x1C5, 0x1C6, "Dz caron (titlecase)"}, {0x391, 0x3B1, "Alpha"},
		{0x3A3, 0x3C3, "capital sigma (non-final)"}, {0x3C2, 0x3C2, "final sigma"},
		{0x410, 0x430, "Cyrillic A"}, {0x401, 0x451, "Cyrillic Yo"},
		{0x1E9E, 0xDF, "capital sharp s"}, {0x212A, 'k', "Kelvin sign"},
		{0x2126, 0x3C9, "Ohm sign"}, {0x2160, 0x2170, "Roman numeral one"},
		{0x24B6, 0x24D0, "circled A"}, {0xFF21, 0xFF41, "fullwidth A"},
		{0x4E2D, 0x4E2D, "CJK"}, {0x10400, 0x10428, "Deseret"},
		{0x1E900, 0x1E922, "Adlam"}, {0x1F600, 0x1F600, "emoji"},
		{0x10FFFF, 0x10FFFF, "U+10FFFF"},
	};
	uint64_t	hl = UINT64_C(0xCBF29CE484222325);
	uint64_t	hf = UINT64_C(0xCBF29CE484222325);

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		MR_CHECK(mr_unicode_lower(pairs[i].cp) == pairs[i].lower, "lower(%s) = U+%04X",
				 pairs[i].what, (unsigned) pairs[i].lower);

	MR_CHECK(mr_unicode_is_cased('A') && mr_unicode_is_cased('z') &&
			 mr_unicode_is_cased(0xE9) && mr_unicode_is_cased(0x3A3) &&
			 mr_unicode_is_cased(0x1C5) && mr_unicode_is_cased(0x24D0),
			 "letters with case are cased");
	MR_CHECK(!mr_unicode_is_cased('1') && !mr_unicode_is_cased(' ') &&
			 !mr_unicode_is_cased('\'') && !mr_unicode_is_cased(0x4E2D) &&
			 !mr_unicode_is_cased(0x301) && !mr_unicode_is_cased(0x1F600),
			 "digits, spaces, CJK, marks and emoji are not cased");
	MR_CHECK(mr_unicode_is_case_ignorable('\'') && mr_unicode_is_case_ignorable('.') &&
			 mr_unicode_is_case_ignorable(':') && mr_unicode_is_case_ignorable(0x301) &&
			 mr_unicode_is_case_ignorable(0xAD) && mr_unicode_is_case_ignorable(0x2019),
			 "apostrophes, period, colon, combining marks, soft hyphen are case-ignorable");
	MR_CHECK(!mr_unicode_is_case_ignorable('a') && !mr_unicode_is_case_ignorable(' ') &&
			 !mr_unicode_is_case_ignorable(',') && !mr_unicode_is_case_ignorable('-'),
			 "letters, space, comma, hyphen are not case-ignorable");
	MR_CHECK(mr_unicode_is_cased(0x2B0) && mr_unicode_is_case_ignorable(0x2B0),
			 "modifier letter small h is both cased and case-ignorable");

	/* the whole tables, against checksums computed by the generator */
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++)
	{
		uint32_t	flags = 0;

		if (cp >= 0xD800 && cp <= 0xDFFF)
		{
			hl = fnv1a_u32(hl, cp);
			hf = fnv1a_u32(hf, 0);
			continue;
		}
		if (mr_unicode_is_cased(cp))
			flags |= MR_CASE_CASED;
		if (mr_unicode_is_case_ignorable(cp))
			flags |= MR_CASE_IGNORABLE;
		hl = fnv1a_u32(hl, mr_unicode_lower(cp));
		hf = fnv1a_u32(hf, flags);
	}
	MR_CHECK(hl == MR_UNICODE_LOWER_CHECKSUM,
			 "lower() of all code points matches Python %s (Unicode %s)",
			 MR_UNICODE_PYTHON_VERSION, MR_UNICODE_VERSION);
	MR_CHECK(hf == MR_UNICODE_FLAGS_CHECKSUM,
			 "Cased and Case_Ignorable of all code points match Python %s",
			 MR_UNICODE_PYTHON_VERSION);
}

/* Suite entry point */
/* mr_utf8_count: one per character, whatever its byte length */
static void
test_count(void)
{
	static const char s[] = "a\xc3\xaf\xe2\x82\xac\xf0\x9f\x98\x80z";	/* a ï € 😀 z */

	MR_CHECK(mr_utf8_count((const unsigned char *) s, sizeof(s) - 1) == 5 &&
			 mr_utf8_count((const unsigned char *) s, 0) == 0,
			 "characters of 1 to 4 bytes count one each");
}

void
test_utf8(void)
{
	test_decode();
	test_encode();
	test_valid();
	test_count();
	test_lower();
}
