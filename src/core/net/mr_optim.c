/*
 * mr_optim.c
 *	  Adam updates and helpers for norm clipping.
 */
#include "mr_optim.h"

#include <math.h>

/* Adam on n contiguous parameters */
void
mr_adam_update(const MrAdam *opt, int64_t t, float *p, const float *g,
			   float *m, float *v, size_t n)
{
	float		b1 = opt->beta1,
				b2 = opt->beta2;
	/* bias corrections folded into two scalars */
	float		c1 = (float) (1.0 / (1.0 - pow(b1, (double) t)));
	float		c2 = (float) (1.0 / (1.0 - pow(b2, (double) t)));

	for (size_t i = 0; i < n; i++)
	{
		float		gi = g[i];
		float		mi = b1 * m[i] + (1.0f - b1) * gi;
		float		vi = b2 * v[i] + (1.0f - b2) * gi * gi;

		m[i] = mi;
		v[i] = vi;
		p[i] -= opt->lr * (mi * c1) / (sqrtf(vi * c2) + opt->eps);
	}
}

double
mr_sumsq(const float *x, size_t n)
{
	double		s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += (double) x[i] * x[i];
	return s;
}

void
mr_scale(float *x, size_t n, float s)
{
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}
