/*
 * test_seq.c
 *	  The rnnseq value in the core: canonical text, round trips through the
 *	  binary form and an aggregate's state, and refusals with their
 *	  statuses.  (The SQL tests pin every message; test/fuzz/fuzz_seq.c
 *	  throws arbitrary bytes at the same parsers.)
 */
#include <string.h>

#include "mr_seq.h"
#include "mr_test.h"

static MrArena arena;

/* Parse text and print it back: the canonical text, or the status */
static MrStatus
canonical(const char *text, MrBuf *out, MrError *err)
{
	uint8_t    *value;
	size_t		size;
	MrSeqView	v;
	MrStatus	st = mr_seq_parse_text(text, strlen(text), NULL, &arena.allocator, &value, &size, err);

	if (st != MR_OK)
		return st;
	if ((st = mr_seq_view(value, size, &v, err)) != MR_OK)
		return st;
	mr_buf_reset(out);
	mr_seq_print(&v, NULL, out);
	return MR_OK;
}

static void
expect_text(const char *in, const char *want)
{
	MrBuf		b;
	MrError		err = {0};
	MrStatus	st;

	/* the status first: the message's arguments may be read before the condition */
	mr_buf_init(&b, &arena.allocator);
	st = canonical(in, &b, &err);
	MR_CHECK(st == MR_OK && strcmp(b.data, want) == 0,
			 "%s -> %s", in, st == MR_OK ? b.data : err.detail);
}

static void
expect_refused(const char *in, MrStatus want, const char *detail)
{
	MrBuf		b;
	MrError		err = {0};
	MrStatus	st;

	mr_buf_init(&b, &arena.allocator);
	st = canonical(in, &b, &err);
	MR_CHECK(st == want && (detail == NULL || strcmp(err.detail, detail) == 0),
			 "%s refused: %s / %s", in, err.message, err.detail);
}

void
test_seq(void)
{
	MrError		err;

	mr_arena_init(&arena, &mr_malloc_allocator);
	expect_text("  [ ]  ", "[]");
	expect_text("[\"b\", \"a\", null, \"b\"]", "[\"b\", \"a\", null, \"b\"]");
	expect_text("[[2, \"b\"], [1, \"z\"], [1, null], [1, \"a\"], [0, \"c\"]]",
				"[[0, \"c\"], [1, \"a\"], [1, \"z\"], [1, null], [2, \"b\"]]");
	expect_text("[[0, \"HR\", 90], [0, \"HR\", null], [0, \"HR\", 80], [0, \"BP\", 120]]",
				"[[0, \"BP\", 120], [0, \"HR\", 80], [0, \"HR\", 90], [0, \"HR\", null]]");
	expect_text("[[\"2024-01-01T10:00:00+01:00\", \"a\"], [\"2024-02-29T23:59:59.5Z\", \"b\"]]",
				"[[\"2024-01-01T09:00:00Z\", \"a\"], [\"2024-02-29T23:59:59.5Z\", \"b\"]]");
	expect_text("[\"\\u00e9\\ud83d\\ude00\", \"\\u007f\\t\"]", "[\"\xc3\xa9\xf0\x9f\x98\x80\", \"\\u007f\\t\"]");
	expect_text("{\"kind\": \"timed_tokens\", \"time_type\": \"number\", \"dropped\": 2, \"events\": [[1, \"a\"]]}",
				"{\"kind\": \"timed_tokens\", \"time_type\": \"number\", \"dropped\": 2, \"events\": [[1, \"a\"]]}");

	expect_refused("[1, 2]", MR_ESYNTAX, "Element 1 must be a string, null, [time, token] or [time, variable, value].");
	expect_refused("[\"a\", [1, \"b\"]]", MR_ESYNTAX, "Element 2 must be a string or null.");
	expect_refused("[[0, \"a\"], [\"2024-01-01T00:00:00Z\", \"b\"]]", MR_ESYNTAX,
				   "Times must be all numbers or all timestamps; element 2 differs.");
	expect_refused("[[1e999, \"a\"]]", MR_ERANGE, "\"1e999\" in element 1 does not fit in double precision.");
	expect_refused("[[\"0000-12-31T00:00:00Z\", \"a\"]]", MR_ESYNTAX, NULL);
	expect_refused("[[\"0001-01-01T00:00:00+01:00\", \"a\"]]", MR_ETIME, NULL);
	expect_refused("[\"\\u0000\"]", MR_ESYNTAX, "Element 1 has \\u0000, which cannot be stored.");
	{
		char		big[400] = "[\"";

		memset(big + 2, 'x', 300);
		strcpy(big + 302, "\"]");
		expect_refused(big, MR_ETOOBIG, NULL);
	}

	/* binary and state round trips, and a payload fuzz_seq found */
	{
		const char *text = "[[30, \"HR\", null], [0, \"HR\", 80], [0, \"SpO2\", 97.5]]";
		uint8_t    *value,
				   *again;
		size_t		size,
					again_size;
		MrSeqView	v;
		MrBuf		bin;
		MrSeqBuilder b;
		static const uint8_t empty_with_events[] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};

		mr_buf_init(&bin, &arena.allocator);
		mr_seq_parse_text(text, strlen(text), NULL, &arena.allocator, &value, &size, &err);
		mr_seq_view(value, size, &v, &err);
		mr_seq_send(&v, NULL, NULL, &bin);
		MR_CHECK(mr_seq_recv((const uint8_t *) bin.data, bin.len, NULL, &arena.allocator, &again, &again_size, &err) == MR_OK &&
				 again_size == size && memcmp(again + 4, value + 4, size - 4) == 0,
				 "binary out and in gives the same bytes");
		mr_seq_builder_init(&b, &arena.allocator, MR_SEQ_MEASURES, MR_SEQ_TIME_NUMBER);
		for (int32_t i = 0; i < v.n; i++)
		{
			size_t		len;
			const char *s = mr_seq_string(&v, v.str[i], &len);
			int32_t		id;

			mr_seq_builder_intern(&b, s, len, NULL, &id, &err);
			mr_seq_builder_add(&b, v.times[i], id, v.value_null[i], v.values[i], &err);
		}
		mr_buf_reset(&bin);
		mr_seq_builder_serialize(&b, &bin);
		mr_seq_builder_free(&b);
		MR_CHECK(mr_seq_builder_deserialize((const uint8_t *) bin.data, bin.len, NULL, &arena.allocator, &b, &err) == MR_OK &&
				 mr_seq_build(&b, &arena.allocator, &again, &again_size, &err) == MR_OK &&
				 again_size == size && memcmp(again + 4, value + 4, size - 4) == 0,
				 "an aggregate's state out and in builds the same value");
		bin.data[bin.len - 1] = 2;
		MR_CHECK(mr_seq_builder_deserialize((const uint8_t *) bin.data, bin.len, NULL, &arena.allocator, &b, &err) == MR_ECORRUPT,
				 "a state with a null flag of 2 is refused");
		MR_CHECK(mr_seq_recv(empty_with_events, sizeof(empty_with_events), NULL, &arena.allocator, &again, &again_size, &err) == MR_ECORRUPT &&
				 strcmp(err.detail, "An empty sequence of kind 0 cannot have events or skipped rows.") == 0,
				 "a binary empty sequence with an event is refused (%s)", err.detail);
		value[5] = 4;
		MR_CHECK(mr_seq_view(value, size, &v, &err) == MR_ECORRUPT, "a stored value of kind 4 is refused (%s)", err.detail);
	}
	mr_arena_free(&arena);
}
