/*
 * smiles_rewrite.c
 *	  Print random rewrites of SMILES strings, one per line, for checking
 *	  mr_smiles against a chemistry toolkit (tools/check_smiles_rdkit.py).
 *
 * Reads one SMILES per line on stdin and prints, per line, N lines
 * "original<TAB>rewrite", or one line "original<TAB>" when the reader
 * refuses the string.  The rewrites are seeded, so a run is reproducible.
 *
 * Build and run (from the repository):
 *	cc -O2 -Isrc/core/base -Isrc/core/data -o /tmp/smiles_rewrite tools/smiles_rewrite.c \
 *		src/core/data/mr_smiles.c src/core/base/mr_rng.c src/core/base/mr_common.c -lm
 *	tail -n +2 data/clintox/train.csv | cut -d, -f1 | /tmp/smiles_rewrite 5
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_smiles.h"

int
main(int argc, char **argv)
{
	int			n = argc > 1 ? atoi(argv[1]) : 5;
	static char line[200000];
	MrRng		rng;

	mr_rng_seed(&rng, 7);
	while (fgets(line, sizeof(line), stdin))
	{
		size_t		len = strcspn(line, "\r\n");
		MrSmiles   *s = NULL;
		char	   *out;

		line[len] = '\0';
		if (mr_smiles_parse(line, len, &mr_malloc_allocator, &s) != MR_OK)
		{
			printf("%s\t\n", line);
			continue;
		}
		out = malloc(mr_smiles_max_length(s));
		for (int i = 0; i < n && out; i++)
		{
			size_t		m = mr_smiles_write_random(s, &rng, out, NULL);

			printf("%s\t%.*s\n", line, (int) m, out);
		}
		free(out);
		mr_smiles_free(s, &mr_malloc_allocator);
	}
	return 0;
}
