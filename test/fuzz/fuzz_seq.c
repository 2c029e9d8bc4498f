/*
 * fuzz_seq.c
 *	  libFuzzer harness: every parser of an rnnseq on arbitrary bytes.
 *
 * The same bytes go to the text parser, the binary parser, the aggregate
 * state's deserializer and the stored value's checker.  Each must end in a
 * value or a refusal with one of the documented statuses, without a
 * sanitizer report; a value must pass the checker, and its canonical form
 * must survive the round trips every client can make: text out and in,
 * binary out and in, state out and in, byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#define FUZZ_HARNESS "fuzz_seq"
#include "fuzz_common.h"
#include "mr_buf.h"
#include "mr_seq.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal a parser may give */
static int
refusal(MrStatus st)
{
	return st == MR_ESYNTAX || st == MR_ERANGE || st == MR_ETIME || st == MR_ETOOBIG ||
		st == MR_ECORRUPT;
}

/* A value's view, which must pass */
static void
view(const uint8_t *value, size_t size, MrSeqView *v, const char *from)
{
	MrError		err;

	if (mr_seq_view(value, size, v, &err) != MR_OK)
		fail(from, err.detail);
}

/* The round trips of a value: text, binary, and the same bytes each time */
static void
round_trips(const uint8_t *value, size_t size, const MrAllocator *a)
{
	MrSeqView	v;
	MrBuf		text,
				bin;
	MrError		err;
	uint8_t    *again;
	size_t		again_size;

	view(value, size, &v, "a parsed value does not pass the checker");
	mr_buf_init(&text, a);
	mr_seq_print(&v, NULL, &text);
	if (text.failed)
		fail("printing failed", NULL);
	if (mr_seq_parse_text(text.data, text.len, NULL, a, &again, &again_size, &err) != MR_OK)
		fail("the text form does not parse back", err.message);
	if (again_size != size || memcmp(again + 4, value + 4, size - 4) != 0)
		fail("the text form parses back to other bytes", text.data);
	mr_buf_init(&bin, a);
	mr_seq_send(&v, NULL, NULL, &bin);
	if (mr_seq_recv((const uint8_t *) bin.data, bin.len, NULL, a, &again, &again_size, &err) != MR_OK)
		fail("the binary form does not read back", err.detail);
	if (again_size != size || memcmp(again + 4, value + 4, size - 4) != 0)
		fail("the binary form reads back to other bytes", NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MrArena		ar;
	const MrAllocator *a;
	MrError		err;
	MrStatus	st;
	uint8_t    *value;
	size_t		vsize;

	mr_arena_init(&ar, &mr_malloc_allocator);
	a = &ar.allocator;

	/* text */
	st = mr_seq_parse_text((const char *) data, size, NULL, a, &value, &vsize, &err);
	if (st == MR_OK)
		round_trips(value, vsize, a);
	else if (!refusal(st))
		fail("text input failed other than by refusing", mr_status_text(st));

	/* binary */
	st = mr_seq_recv(data, size, NULL, a, &value, &vsize, &err);
	if (st == MR_OK)
		round_trips(value, vsize, a);
	else if (!refusal(st))
		fail("binary input failed other than by refusing", mr_status_text(st));

	/* an aggregate's state from another process */
	{
		MrSeqBuilder b;

		st = mr_seq_builder_deserialize(data, size, NULL, a, &b, &err);
		if (st == MR_OK)
		{
			MrBuf		s;
			MrSeqBuilder b2;
			uint8_t    *v2;
			size_t		v2size;

			mr_buf_init(&s, a);
			mr_seq_builder_serialize(&b, &s);
			if (s.len != size || memcmp(s.data, data, size) != 0)
				fail("a state does not serialize to the bytes it came from", NULL);
			st = mr_seq_build(&b, a, &value, &vsize, &err);
			if (st == MR_OK)
			{
				round_trips(value, vsize, a);
				if (mr_seq_builder_deserialize((const uint8_t *) s.data, s.len, NULL, a, &b2, &err) != MR_OK ||
					mr_seq_build(&b2, a, &v2, &v2size, &err) != MR_OK ||
					v2size != vsize || memcmp(v2 + 4, value + 4, vsize - 4) != 0)
					fail("a state read twice builds two values", NULL);
			}
			else if (st != MR_ETOOBIG)
				fail("a state that was read does not build", mr_status_text(st));
		}
		else if (st != MR_ECORRUPT && st != MR_ETOOBIG)
			fail("a state failed other than by refusing", mr_status_text(st));
	}

	/* the bytes as a stored value, from an 8-byte aligned copy */
	{
		uint8_t    *copy = mr_alloc(a, size + 8);
		MrSeqView	v;

		if (size > 0)
			memcpy(copy, data, size);
		if (mr_seq_view(copy, size, &v, &err) == MR_OK)
		{
			MrBuf		text;

			/* a stored value that passes prints, whatever its times are */
			mr_buf_init(&text, a);
			mr_seq_print(&v, NULL, &text);
		}
	}
	mr_arena_free(&ar);
	return 0;
}
