/*
 * test_rng.c
 *	  The seeded generator: reproducible, in range, roughly uniform/normal.
 */
#include <math.h>

#include "mr_rng.h"
#include "mr_test.h"

void
test_rng(void)
{
	MrRng		a,
				b;
	int			same = 1,
				in_range = 1;
	double		sum = 0.0,
				sumsq = 0.0;
	int			n = 200000;
	long		buckets[10] = {0};

	mr_rng_seed(&a, 42);
	mr_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		same &= mr_rng_u64(&a) == mr_rng_u64(&b);
	MR_CHECK(same, "same seed gives the same stream");
	mr_rng_seed(&b, 43);
	MR_CHECK(mr_rng_u64(&a) != mr_rng_u64(&b), "different seeds differ");

	for (int i = 0; i < n; i++)
	{
		float		u = mr_rng_uniform(&a);
		uint64_t	k = mr_rng_below(&a, 10);

		in_range &= u >= 0.0f && u < 1.0f && k < 10;
		buckets[k]++;
	}
	MR_CHECK(in_range, "uniform in [0,1) and below(10) in [0,10)");
	{
		int			flat = 1;

		for (int k = 0; k < 10; k++)
			flat &= fabs(buckets[k] - n / 10.0) < 0.02 * n;
		MR_CHECK(flat, "below(10) is close to uniform");
	}
	for (int i = 0; i < n; i++)
	{
		double		z = mr_rng_normal(&a);

		sum += z;
		sumsq += z * z;
	}
	MR_CHECK(fabs(sum / n) < 0.01 && fabs(sumsq / n - 1.0) < 0.02,
			 "normal has mean 0 and variance 1 (%.4f, %.4f)", sum / n, sumsq / n);
}
