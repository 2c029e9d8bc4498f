/*
 * options_table.c
 *	  Print the README's table of rnn_train options, from the one table
 *	  that declares them (mr_option_defs in src/core/model/mr_options.c).
 *
 * Usage: make options-table	(prints it; paste it between the README's
 * "options table" markers).  test/c/test_options.c fails when the README's
 * copy differs, so the documentation cannot drift from the code.
 */
#include <stdio.h>

#include "mr_buf.h"
#include "mr_options.h"

int
main(void)
{
	MrBuf		b;

	mr_buf_init(&b, &mr_malloc_allocator);
	mr_options_markdown(&b);
	if (b.failed)
	{
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	fputs(b.data, stdout);
	mr_buf_free(&b);
	return 0;
}
