/*
 * test_optim.c
 *	  Adam against hand-computed steps; the row-sparse update against the
 *	  dense one on the same rows.
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
	/* rows: updating rows {2, 0} of a (4, 3) table equals dense updates of those rows */
	{
		float		P1[12],
					P2[12],
					G[12],
					M1[12] = {0},
					V1[12] = {0},
					M2[12] = {0},
					V2[12] = {0};
		int32_t		rows[2] = {2, 0};
		int			same = 1;

		for (int i = 0; i < 12; i++)
		{
			P1[i] = P2[i] = (float) i * 0.1f;
			G[i] = (float) (i % 5) - 2.0f;
		}
		mr_adam_update_rows(&opt, 3, P1, G, M1, V1, 3, rows, 2);
		mr_adam_update(&opt, 3, P2 + 6, G + 6, M2 + 6, V2 + 6, 3);
		mr_adam_update(&opt, 3, P2, G, M2, V2, 3);
		for (int i = 0; i < 12; i++)
			same &= P1[i] == P2[i] && M1[i] == M2[i] && V1[i] == V2[i];
		MR_CHECK(same, "row-sparse Adam equals dense Adam on the touched rows and leaves others alone");
	}
	{
		float		x[3] = {3.0f, 4.0f, 0.0f};

		MR_CHECK(mr_sumsq(x, 3) == 25.0, "sum of squares");
		mr_scale(x, 3, 0.5f);
		MR_CHECK(x[0] == 1.5f && x[1] == 2.0f, "scale");
	}
}
