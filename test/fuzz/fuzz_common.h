/*
 * fuzz_common.h
 *	  What several libFuzzer harnesses share: reporting a broken invariant,
 *	  and the round trip of a hand-built model through the encoder and the
 *	  decoder.
 *
 * Each harness is its own program built from one .c file (test/fuzz/Makefile),
 * so these are static functions in a header rather than a library.  Define
 * FUZZ_HARNESS, the harness's name for its messages, before including it.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mr_model.h"

#ifndef FUZZ_HARNESS
#error "define FUZZ_HARNESS before including fuzz_common.h"
#endif

static void fail(const char *what, const char *detail) __attribute__((noreturn, unused));

/* Report a broken invariant and abort, so libFuzzer saves the input */
static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, FUZZ_HARNESS ": %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/*
 * Fill the parts of a model that are not the network, the vocabulary or
 * the labels (options, history) with valid values, and encode then decode
 * it: the model a harness checks is then one the decoder accepted, as
 * every model rnn_predict uses is.
 */
static __attribute__((unused)) MrStatus
encode_decode(MrModel *m, MrModel **out, MrError *err)
{
	static MrEpochLog epoch = {1, 0.5, 0.5, NAN, NAN, 0.1, 1};
	uint8_t    *img = NULL;
	size_t		len = 0;
	MrStatus	st;

	m->options_json = "{}";
	m->options_len = 2;
	m->rows_used = 1;
	m->train_rows = 1;
	m->val_rows = 0;
	m->n_epochs = 1;
	m->best_epoch = 1;
	m->epochs = &epoch;
	m->train_seconds = 0.1;
	m->created_at = 1.7e9;
	st = mr_model_encode(m, &mr_malloc_allocator, &img, &len, err);
	if (st != MR_OK)
		return st;
	st = mr_model_decode(img, len, &mr_malloc_allocator, out, err);
	mr_free(&mr_malloc_allocator, img);
	return st;
}

#endif							/* FUZZ_COMMON_H */
