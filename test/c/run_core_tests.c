/*
 * run_core_tests.c
 *	  TAP runner for the numeric core's unit tests.
 */
#include "mr_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int			mr_test_count = 0;
int			mr_test_failures = 0;

void
mr_check_at(int ok, const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	mr_test_count++;
	printf("%sok %d - ", ok ? "" : "not ", mr_test_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
	{
		printf(" # at %s:%d", file, line);
		mr_test_failures++;
	}
	printf("\n");
	fflush(stdout);
}

void
mr_diag(const char *fmt,...)
{
	va_list		ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
mr_check_close(const float *a, const float *b, long n, double tol, const char *label)
{
	double		maxdiff = 0.0;
	long		worst = -1;

	for (long i = 0; i < n; i++)
	{
		double		scale = fmax(1.0, fmax(fabs(a[i]), fabs(b[i])));
		double		d = fabs((double) a[i] - b[i]) / scale;

		if (!(d <= maxdiff))	/* also catches NaN */
		{
			maxdiff = isnan(d) ? INFINITY : d;
			worst = i;
		}
	}
	if (maxdiff > tol)
	{
		mr_diag("%s: max rel diff %.3g at %ld (tol %.3g)", label, maxdiff, worst, tol);
		for (long i = 0; i < n && i < 5; i++)
			mr_diag("  %s[%ld] = %.8g vs %.8g", label, i, a[i], b[i]);
		return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	/* run one suite by name, or all */
	const char *only = argc > 1 ? argv[1] : NULL;
	static const struct
	{
		const char *name;
		void		(*fn) (void);
	}			suites[] = {
		{"blas", test_blas},
		{"rng", test_rng},
		{"crc32c", test_crc32c},
		{"utf8", test_utf8},
		{"sort", test_sort},
		{"tokenize", test_tokenize},
		{"smiles", test_smiles},
		{"vocab", test_vocab},
		{"corpus", test_corpus},
		{"series", test_series},
		{"seq", test_seq},
		{"lstm_grad", test_lstm_grad},
		{"net", test_net},
		{"infer", test_infer},
		{"explain", test_explain},
		{"net_grad", test_net_grad},
		{"optim", test_optim},
		{"train", test_train},
		{"model", test_model},
		{"options", test_options},
		{"fit", test_fit},
		{"metrics", test_metrics},
		{"metrics_targets", test_metrics_targets},
		{"targets", test_targets},
		{"pretrain", test_pretrain},
		{"shard_epoch", test_shard_epoch},
		{"report", test_report},
	};

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
	{
		if (only && strcmp(only, suites[i].name) != 0)
			continue;
		mr_diag("suite %s", suites[i].name);
		suites[i].fn();
	}
	printf("1..%d\n", mr_test_count);
	if (mr_test_failures)
		mr_diag("%d of %d checks failed", mr_test_failures, mr_test_count);
	return mr_test_failures ? 1 : 0;
}
