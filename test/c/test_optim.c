/*
 * test_optim.c
 *	  Adam against hand-computed steps.
 */
#include <math.h>
#include <string.h>

#include "mr_optim.h"
#include "mr_test.h"

void
test_optim(void)
{
	MrAdam		opt = {0.1f, 0.9f, 0.999f, 1e-7f};
	float		p[2] = {1.0f, -2.0f},
				g[2] = {0.5f, -0.25f},
				m[2] = {0},
				v[2] = {0};

	/* step 1: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps) */
	mr_adam_update(&opt, 1, p, g, m, v, 2);
	MR_CHECK(fabsf(p[0] - (1.0f - 0.1f * 0.5f / (0.5f + 1e-7f))) < 1e-6f &&
			 fabsf(p[1] - (-2.0f + 0.1f * 0.25f / (0.25f + 1e-7f))) < 1e-6f,
			 "first Adam step moves each weight by lr against its gradient sign");
	/* step 2 with the same gradient: still a full lr step (moments agree) */
	{
		float		before = p[0];

		mr_adam_update(&opt, 2, p, g, m, v, 2);
		MR_CHECK(fabsf((before - p[0]) - 0.1f) < 1e-5f, "second identical step also moves by lr");
	}
	{
		float		x[3] = {3.0f, 4.0f, 0.0f};

		MR_CHECK(mr_sumsq(x, 3) == 25.0, "sum of squares");
		mr_scale(x, 3, 0.5f);
		MR_CHECK(x[0] == 1.5f && x[1] == 2.0f, "scale");
	}
}
