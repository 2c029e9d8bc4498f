/*
 * mr_rng.h
 *	  Seeded random numbers with explicit state.
 *
 * Never random(): its state is backend-global, which would make callers
 * parallel restricted and runs irreproducible.  A seed fully determines
 * every draw, so the same seed and data give the same model.
 */
#ifndef MR_RNG_H
#define MR_RNG_H

#include <stdint.h>

typedef struct MrRng
{
	uint64_t	s[4];			/* xoshiro256** state */
} MrRng;

void		mr_rng_seed(MrRng *rng, uint64_t seed);
uint64_t	mr_rng_u64(MrRng *rng);
/* uniform in [0, 1) with 24 random bits (exact in float) */
float		mr_rng_uniform(MrRng *rng);
/* uniform integer in [0, n), unbiased; n > 0 */
uint64_t	mr_rng_below(MrRng *rng, uint64_t n);
/* standard normal (Box-Muller, double precision) */
double		mr_rng_normal(MrRng *rng);

#endif							/* MR_RNG_H */
