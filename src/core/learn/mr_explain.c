/*
 * mr_explain.c
 *	  Integrated gradients for one row (see mr_explain.h).
 */
#include "mr_explain.h"

#include <math.h>
#include <string.h>

#define M_PI_VALUE 3.14159265358979323846

/*
 * Nodes and weights of n-point Gauss-Legendre quadrature, mapped from
 * [-1, 1] to [0, 1].  Newton's method on P_n from the Chebyshev guess
 * cos(pi (i + 3/4) / (n + 1/2)), P_n by its three-term recurrence.
 */
void
mr_gauss_legendre01(int n, double *nodes, double *weights)
{
	for (int i = 0; i < n; i++)
	{
		double		x = cos(M_PI_VALUE * (i + 0.75) / (n + 0.5));
		double		dp = 1.0;

		for (int iter = 0; iter < 100; iter++)
		{
			double		p0 = 1.0,
						p1 = x;
			double		dx;

			for (int k = 2; k <= n; k++)
			{
				double		p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;

				p0 = p1;
				p1 = p2;
			}
			/* P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1) */
			dp = n * (x * p1 - p0) / (x * x - 1.0);
			dx = p1 / dp;
			x -= dx;
			if (fabs(dx) < 1e-15)
				break;
		}
		nodes[i] = 0.5 * (1.0 - x);
		weights[i] = 1.0 / ((1.0 - x * x) * dp * dp);	/* 2/((1-x^2) P'^2), halved */
	}
}

/*
 * The path points go through the network a chunk at a time: the workspace
 * is that of a chunk, whatever the number of steps, and the caller's hook
 * is polled between chunks.  A chunk's activations stay within
 * MR_EXPLAIN_CHUNK_BYTES, so a row of 10,000 positions is not 140 MB of
 * zeroed memory and a second of work before the first poll.
 */
static int
chunk_rows(const MrNetConfig *cfg, int n)
{
	int			B = n < MR_EXPLAIN_CHUNK ? n : MR_EXPLAIN_CHUNK;
	size_t		acts;

	while (B > 1 && (mr_acts_size(cfg, B, 0, &acts) != MR_OK || acts > MR_EXPLAIN_CHUNK_BYTES))
		B--;
	return B;
}

/* Workspace of mr_explain_row; see mr_explain.h */
MrStatus
mr_explain_workspace(const MrNetConfig *cfg, int n, size_t *bytes)
{
	size_t		acts;
	size_t		row = (size_t) cfg->maxlen * (size_t) (cfg->embed_dim + cfg->n_features);

	if (n < 1 || n > MR_EXPLAIN_MAX_STEPS)
		return MR_EINVAL;
	if (mr_acts_size(cfg, chunk_rows(cfg, n), 0, &acts) != MR_OK)
		return MR_EDIMS;
	/* acts; x, x' and the gradient sum; lengths; the two attribution arrays */
	*bytes = acts + sizeof(float) * 3 * row + sizeof(int32_t) * MR_EXPLAIN_CHUNK +
		sizeof(float) * (size_t) cfg->maxlen * (1 + (size_t) cfg->n_features);
	return MR_OK;
}

/* Explain one row; see mr_explain.h */
MrStatus
mr_explain_row(const MrNet *net, const int32_t *ids, const float *feats,
			   int32_t L, int target, int n, const MrAllocator *a,
			   int (*should_stop) (void *state), void *stop_state,
			   MrExplanation *out)
{
	const MrNetConfig *cfg = &net->cfg;
	/* a masked network runs the row's own steps only (at least one) */
	int			T = cfg->mask ? (L > 0 ? (L < cfg->maxlen ? L : cfg->maxlen) : 1) : cfg->maxlen,
				E = cfg->embed_dim,
				F = cfg->n_features,
				K = cfg->n_classes,
				I0 = E + F;
	size_t		row = (size_t) T * I0;
	MrNetConfig run = *cfg;		/* the shape of the activations: T steps */
	int			Bmax;
	MrActs	   *acts = NULL;
	float	   *x = NULL,
			   *xb = NULL,
			   *grad = NULL;
	int32_t    *lens = NULL;
	double		nodes[MR_EXPLAIN_MAX_STEPS],
				weights[MR_EXPLAIN_MAX_STEPS];
	MrStatus	st;

	memset(out, 0, sizeof(*out));
	if (n < 1 || n > MR_EXPLAIN_MAX_STEPS || target < 0 || target >= K)
		return MR_EINVAL;
	run.maxlen = T;
	Bmax = chunk_rows(&run, n);
	if ((st = mr_acts_new(&run, Bmax, 0, a, &acts)) != MR_OK)
		return st;
	x = mr_alloc(a, sizeof(float) * row);
	xb = mr_alloc(a, sizeof(float) * row);
	grad = mr_alloc0(a, sizeof(float) * row);
	lens = mr_alloc(a, sizeof(int32_t) * Bmax);
	out->step_attr = mr_alloc0(a, sizeof(float) * cfg->maxlen);
	out->feat_attr = F ? mr_alloc0(a, sizeof(float) * (size_t) cfg->maxlen * F) : NULL;
	if (!x || !xb || !grad || !lens || !out->step_attr || (F && !out->feat_attr))
	{
		st = MR_ENOMEM;
		goto done;
	}
	for (int k = 0; k < Bmax; k++)
		lens[k] = L;

	/* the row's input and the baseline's, step by step */
	for (int t = 0; t < T; t++)
	{
		float	   *xr = x + (size_t) t * I0;
		float	   *br = xb + (size_t) t * I0;
		int32_t		id = ids ? ids[t] : 0;

		if (id < 0 || id >= cfg->vocab_size)
			id = 0;
		if (E > 0)
		{
			memcpy(xr, net->emb + (size_t) id * E, sizeof(float) * E);
			/* the padding token, or zero where padding is no input (masked) */
			if (cfg->mask)
				memset(br, 0, sizeof(float) * E);
			else
				memcpy(br, net->emb, sizeof(float) * E);
		}
		for (int f = 0; f < F; f++)
		{
			xr[E + f] = feats ? feats[(size_t) t * F + f] : 0.0f;
			br[E + f] = 0.0f;
		}
	}

	/*
	 * Row k of a chunk is the path point x' + a_k (x - x').  Time-major X0
	 * (T, B, I0); the quadrature-weighted gradients of the target logit
	 * accumulate in grad.
	 */
	mr_gauss_legendre01(n, nodes, weights);
	for (int k0 = 0; k0 < n; k0 += Bmax)
	{
		int			B = n - k0 < Bmax ? n - k0 : Bmax;
		MrBatch		batch = {B, NULL, NULL, lens, T};

		if (should_stop && should_stop(stop_state))
		{
			st = MR_ECANCELED;
			goto done;
		}
		for (int t = 0; t < T; t++)
			for (int k = 0; k < B; k++)
			{
				float	   *dst = acts->X0 + ((size_t) t * B + k) * I0;
				const float *xr = x + (size_t) t * I0;
				const float *br = xb + (size_t) t * I0;
				float		alpha = (float) nodes[k0 + k];

				for (int i = 0; i < I0; i++)
					dst[i] = br[i] + alpha * (xr[i] - br[i]);
			}
		mr_net_forward(net, &batch, acts, NULL, NULL);
		memset(acts->dlogits, 0, sizeof(float) * (size_t) B * K);
		for (int k = 0; k < B; k++)
			acts->dlogits[(size_t) k * K + target] = 1.0f;
		mr_net_backward(net, &batch, acts, NULL, 1);
		for (int t = 0; t < T; t++)
			for (int k = 0; k < B; k++)
			{
				const float *g = acts->dX0 + ((size_t) t * B + k) * I0;
				float	   *acc = grad + (size_t) t * I0;
				float		w = (float) weights[k0 + k];

				for (int i = 0; i < I0; i++)
					acc[i] += w * g[i];
			}
	}

	/* attributions: (x - x') times the averaged gradient, summed per step */
	out->attr_sum = 0.0;
	for (int t = 0; t < T; t++)
	{
		const float *xr = x + (size_t) t * I0;
		const float *br = xb + (size_t) t * I0;
		const float *g = grad + (size_t) t * I0;
		double		s = 0.0;

		for (int i = 0; i < I0; i++)
		{
			double		ai = (double) (xr[i] - br[i]) * g[i];

			s += ai;
			if (i >= E && out->feat_attr)
				out->feat_attr[(size_t) t * F + (i - E)] = (float) ai;
		}
		out->step_attr[t] = (float) s;
		out->attr_sum += s;
	}

	/* F(x) and F(x'), the baseline with the row's length */
	{
		MrBatch		batch = {1, NULL, NULL, lens, T};

		memcpy(acts->X0, x, sizeof(float) * row);
		mr_net_forward(net, &batch, acts, NULL, NULL);
		out->logit = acts->logits[target];
		memcpy(acts->X0, xb, sizeof(float) * row);
		mr_net_forward(net, &batch, acts, NULL, NULL);
		out->baseline_logit = acts->logits[target];
	}
	st = MR_OK;

done:
	mr_free(a, acts);
	mr_free(a, x);
	mr_free(a, xb);
	mr_free(a, grad);
	mr_free(a, lens);
	if (st != MR_OK)
		mr_explanation_free(out, a);
	return st;
}

void
mr_explanation_free(MrExplanation *e, const MrAllocator *a)
{
	mr_free(a, e->step_attr);
	mr_free(a, e->feat_attr);
	e->step_attr = NULL;
	e->feat_attr = NULL;
}
