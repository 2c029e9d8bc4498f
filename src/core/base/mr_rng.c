/*
 * mr_rng.c
 *	  xoshiro256** seeded through splitmix64 (Blackman and Vigna, 2018).
 */
#include "mr_rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Expand a 64-bit seed into the full state (never all zero) */
void
mr_rng_seed(MrRng *rng, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

/* Next 64 random bits */
uint64_t
mr_rng_u64(MrRng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform float in [0, 1) */
float
mr_rng_uniform(MrRng *rng)
{
	return (float) (mr_rng_u64(rng) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform integer in [0, n) by rejection, so no modulo bias */
uint64_t
mr_rng_below(MrRng *rng, uint64_t n)
{
	uint64_t	limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t	x;

	do
		x = mr_rng_u64(rng);
	while (x >= limit);
	return x % n;
}

/* Standard normal draw */
double
mr_rng_normal(MrRng *rng)
{
	/* u1 in (0, 1] so log() is finite */
	double		u1 = ((double) (mr_rng_u64(rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	double		u2 = (double) (mr_rng_u64(rng) >> 11) * (1.0 / 9007199254740992.0);

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}
