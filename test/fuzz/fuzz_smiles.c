/*
 * fuzz_smiles.c
 *	  libFuzzer harness: the SMILES reader and writer on arbitrary bytes.
 *
 * A model trained with SMILES variants rewrites every text rnn_predict
 * hands it, so the reader sees hostile input.  Whatever the bytes, reading
 * must end in MR_OK or MR_EINVAL without a sanitizer report; a string it
 * reads must give rewrites that stay inside mr_smiles_max_length (a canary
 * after the buffer), that the reader reads again, with the same atoms,
 * and that come out the same from the same seed.
 */
#include <stdlib.h>
#include <string.h>

#define FUZZ_HARNESS "fuzz_smiles"
#include "fuzz_common.h"
#include "mr_smiles.h"

#define CANARY 16

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MrSmiles   *s = NULL;
	MrStatus	st = mr_smiles_parse((const char *) data, size, &mr_malloc_allocator, &s);
	size_t		cap;
	char	   *a,
			   *b;

	if (st == MR_EINVAL)
	{
		if (s != NULL)
			fail("a refused string left a molecule", NULL);
		return 0;
	}
	if (st != MR_OK)
		fail("reading failed other than by refusing", mr_status_text(st));
	cap = mr_smiles_max_length(s);
	a = malloc(cap + CANARY);
	b = malloc(cap + CANARY);
	for (int round = 0; round < 3; round++)
	{
		MrRng		r1,
					r2;
		MrSmiles   *again = NULL;
		size_t		la,
					lb;

		mr_rng_seed(&r1, (uint64_t) round);
		mr_rng_seed(&r2, (uint64_t) round);
		memset(a, 0x5a, cap + CANARY);
		la = mr_smiles_write_random(s, &r1, a, NULL);
		lb = mr_smiles_write_random(s, &r2, b, NULL);
		for (size_t k = cap; k < cap + CANARY; k++)
			if ((unsigned char) a[k] != 0x5a)
				fail("a rewrite ran past mr_smiles_max_length", NULL);
		if (la != lb || memcmp(a, b, la) != 0)
			fail("the same seed gave two rewrites", NULL);
		if (la == 0)
			continue;			/* too many ring bonds open: the caller keeps the text */
		if (mr_smiles_parse(a, la, &mr_malloc_allocator, &again) != MR_OK)
			fail("a rewrite is not read back", NULL);
		if (mr_smiles_atom_count(again) != mr_smiles_atom_count(s))
			fail("a rewrite has another atom count", NULL);
		mr_smiles_free(again, &mr_malloc_allocator);
	}
	free(a);
	free(b);
	mr_smiles_free(s, &mr_malloc_allocator);
	return 0;
}
