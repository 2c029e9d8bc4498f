/*
 * fuzz_options.c
 *	  libFuzzer harness: the JSON reader and rnn_train's options table on
 *	  arbitrary bytes.
 *
 * Whatever the bytes, reading them as JSON must end in a tree or a
 * refusal (MR_EINVAL), and reading a tree as options must end in options
 * or a refusal with a message naming what is wrong.  Options it accepts
 * must lie in the ranges the table declares, and their recorded JSON must
 * read back as the same options, byte for byte: a model's options are part
 * of its fingerprint.
 */
#include <string.h>

#define FUZZ_HARNESS "fuzz_options"
#include "fuzz_common.h"
#include "mr_buf.h"
#include "mr_json.h"
#include "mr_options.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MrArena		ar;
	MrJson	   *json = NULL;
	MrOptions	o,
				again;
	MrError		err;
	MrStatus	st;

	mr_arena_init(&ar, &mr_malloc_allocator);
	st = mr_json_parse((const char *) data, size, &ar.allocator, &json, &err);
	if (st != MR_OK && st != MR_EINVAL)
		fail("reading JSON failed other than by refusing", mr_status_text(st));
	if (st == MR_OK)
	{
		st = mr_options_parse(&o, json, NULL, &ar.allocator, &err);
		if (st == MR_EINVAL && err.message[0] == '\0')
			fail("an option was refused without a message", NULL);
		if (st != MR_OK && st != MR_EINVAL)
			fail("reading options failed other than by refusing", mr_status_text(st));
		if (st == MR_OK)
		{
			MrBuf		j1,
						j2;
			MrJson	   *back;

			if (o.maxlen < 1 || o.maxlen > MR_MAX_MAXLEN || o.n_layers < 1 || o.n_layers > MR_MAX_LAYERS ||
				o.epochs < 1 || o.batch_size < 1 || !(o.learning_rate > 0) || o.smiles_variants < 1 ||
				o.seed < 0 || o.patience < 0 || !(o.dropout >= 0 && o.dropout < 1))
				fail("accepted options out of their ranges", NULL);
			mr_buf_init(&j1, &ar.allocator);
			mr_buf_init(&j2, &ar.allocator);
			mr_options_to_json(&o, NULL, &j1);
			if (mr_json_parse(j1.data, j1.len, &ar.allocator, &back, &err) != MR_OK)
				fail("recorded options are not JSON", j1.data);
			/* intervals need the server: the recorded step is in seconds */
			if (mr_options_parse(&again, back, NULL, &ar.allocator, &err) != MR_OK)
				fail("recorded options are refused", err.message);
			mr_options_to_json(&again, NULL, &j2);
			if (j1.len != j2.len || memcmp(j1.data, j2.data, j1.len) != 0)
				fail("recorded options read back as other options", j1.data);
		}
	}
	mr_arena_free(&ar);
	return 0;
}
