/*
 * test_explain.c
 *	  Integrated gradients: Gauss-Legendre quadrature is exact where it
 *	  should be; attributions are complete (sum to the logit difference
 *	  from the baseline) for every network shape; padding gets nothing;
 *	  and on a task where one keyword decides the class, the keyword ranks
 *	  first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_explain.h"
#include "mr_test.h"
#include "mr_train.h"

static void
check_quadrature(void)
{
	double		x[MR_EXPLAIN_MAX_STEPS],
				w[MR_EXPLAIN_MAX_STEPS];
	int			ok = 1;

	for (int n = 1; n <= 64; n *= 2)
	{
		mr_gauss_legendre01(n, x, w);
		/* exact for x^k, k <= 2n - 1: integral over [0, 1] is 1 / (k + 1) */
		for (int k = 0; k <= 2 * n - 1 && k < 40; k++)
		{
			double		s = 0.0;

			for (int i = 0; i < n; i++)
				s += w[i] * pow(x[i], k);
			if (fabs(s - 1.0 / (k + 1)) > 1e-12)
			{
				mr_diag("n=%d k=%d: %.15g", n, k, s);
				ok = 0;
			}
		}
	}
	MR_CHECK(ok, "Gauss-Legendre on [0,1] integrates x^k exactly for k < 2n");
}

/*
 * Completeness within 1% at the given number of quadrature points; max
 * pooling is only piecewise smooth (the argmax switches along the path),
 * so it needs more points than the smooth poolings.
 */
static void
check_completeness(const char *name, MrNetConfig cfg, int32_t L, int steps)
{
	MrNet		net;
	size_t		n;
	float	   *params;
	MrRng		rng;
	int			T = cfg.maxlen;
	int32_t    *ids = calloc(T, sizeof(int32_t));
	float	   *feats = cfg.n_features ? calloc((size_t) T * cfg.n_features, sizeof(float)) : NULL;
	MrExplanation e;
	int			first = cfg.padding == MR_PAD_PRE ? T - L : 0;
	double		gap,
				pad_attr = 0.0;

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 5);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	for (size_t i = 0; i < n; i++)
		params[i] += 0.2f * (float) mr_rng_normal(&rng);
	for (int t = first; t < first + L; t++)
	{
		if (cfg.vocab_size)
			ids[t] = 1 + (int) mr_rng_below(&rng, cfg.vocab_size - 1);
		for (int f = 0; f < cfg.n_features; f++)
			feats[(size_t) t * cfg.n_features + f] = (float) mr_rng_normal(&rng);
	}
	MR_CHECK(mr_explain_row(&net, cfg.vocab_size ? ids : NULL, feats, L, 1, steps,
							&mr_malloc_allocator, NULL, NULL, &e) == MR_OK, "%s: explain a row", name);
	gap = fabs(e.attr_sum - (e.logit - e.baseline_logit));
	for (int t = 0; t < T; t++)
		if (t < first || t >= first + L)
			pad_attr += fabs(e.step_attr[t]);
	MR_CHECK(gap <= 0.01 * fabs(e.logit - e.baseline_logit) + 1e-5,
			 "%s: %d-point attributions sum to the logit difference within 1%% (%.6f vs %.6f)",
			 name, steps, e.attr_sum, e.logit - e.baseline_logit);
	MR_CHECK(pad_attr == 0.0, "%s: padding steps get exactly zero", name);
	mr_explanation_free(&e, &mr_malloc_allocator);
	free(params);
	free(ids);
	free(feats);
}

/* Train on "keyword 3+c decides class c" and explain a row */
static void
check_keyword(void)
{
	enum
	{
		N = 300, T = 12, V = 30, K = 3
	};
	static int32_t ids[N * T],
				lengths[N],
				labels[N];
	MrNetConfig cfg = {.vocab_size = V, .embed_dim = 8, .maxlen = T, .padding = MR_PAD_PRE,
	.n_layers = 1, .hidden = {16}, .bidirectional = 1, .pooling = MR_POOL_MEAN, .n_classes = K};
	MrTrainConfig tc;
	MrTrainResult res;
	MrNet		net;
	size_t		n;
	float	   *params;
	MrRng		rng;
	MrError		err;
	int			wins = 0,
				trials = 0;

	mr_rng_seed(&rng, 8);
	for (int i = 0; i < N; i++)
	{
		int			c = (int) mr_rng_below(&rng, K);
		int			L = 4 + (int) mr_rng_below(&rng, T - 3);

		for (int t = 0; t < T; t++)
			ids[i * T + t] = t < T - L ? 0 : 6 + (int) mr_rng_below(&rng, V - 6);
		ids[i * T + T - 1 - (int) mr_rng_below(&rng, L)] = 3 + c;
		lengths[i] = L;
		labels[i] = c;
	}
	memset(&tc, 0, sizeof(tc));
	tc.epochs = 10;
	tc.batch_size = 16;
	tc.adam = (MrAdam) {0.01f, 0.9f, 0.999f, 1e-7f};
	tc.seed = 3;
	mr_net_param_count(&cfg, &n);
	params = calloc(n, sizeof(float));
	mr_net_bind(&net, &cfg, params, n);
	{
		MrDataset	d = {N, cfg.maxlen, 0, ids, NULL, lengths, labels};

		mr_train(&net, &d, &tc, NULL, &mr_malloc_allocator, &res, &err);
		free(res.epochs);
	}
	/* the keyword's step has the largest attribution toward its class */
	for (int i = 0; i < 40; i++)
	{
		MrExplanation e;
		int			best = 0,
					kw = -1;

		for (int t = 0; t < T; t++)
			if (ids[i * T + t] >= 3 && ids[i * T + t] < 6)
				kw = t;
		mr_explain_row(&net, ids + i * T, NULL, lengths[i], labels[i], 32, &mr_malloc_allocator,
					   NULL, NULL, &e);
		for (int t = 1; t < T; t++)
			if (e.step_attr[t] > e.step_attr[best])
				best = t;
		wins += best == kw;
		trials++;
		mr_explanation_free(&e, &mr_malloc_allocator);
	}
	MR_CHECK(wins >= trials - 1, "the deciding keyword ranks first in %d of %d rows", wins, trials);
	free(params);
}

static int
stop_at_second_poll(void *state)
{
	int		   *polls = state;

	return ++*polls >= 2;
}

/*
 * The path points go through the network in chunks; the result must equal
 * integrated gradients computed one path point at a time, and the
 * workspace must not grow with the number of steps.
 */
static void
check_chunks(void)
{
	MrNetConfig cfg = {.vocab_size = 15, .embed_dim = 3, .maxlen = 9, .padding = MR_PAD_PRE,
	.n_layers = 2, .hidden = {5, 4}, .bidirectional = 1, .pooling = MR_POOL_MAX, .n_classes = 3};
	enum
	{
		T = 9, E = 3, STEPS = 2 * MR_EXPLAIN_CHUNK + 7, L = 6
	};
	int32_t		ids[T] = {0, 0, 0, 4, 9, 1, 14, 7, 2};
	int32_t		lens[1] = {L};
	double		nodes[STEPS],
				weights[STEPS];
	double		ref[T] = {0};
	double		worst = 0.0;
	MrNet		net;
	MrActs	   *acts;
	MrExplanation e;
	MrRng		rng;
	size_t		n,
				ws16,
				ws256;
	float	   *params;
	int			polls = 0;
	int			ok;

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 11);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	for (size_t i = 0; i < n; i++)
		params[i] += 0.3f * (float) mr_rng_normal(&rng);

	/* the reference: one path point per pass */
	mr_gauss_legendre01(STEPS, nodes, weights);
	mr_acts_new(&cfg, 1, 0, &mr_malloc_allocator, &acts);
	for (int k = 0; k < STEPS; k++)
	{
		MrBatch		batch = {1, NULL, NULL, lens};

		for (int t = 0; t < T; t++)
			for (int i = 0; i < E; i++)
			{
				float		xi = net.emb[ids[t] * E + i],
							bi = net.emb[i];

				acts->X0[t * E + i] = bi + (float) nodes[k] * (xi - bi);
			}
		mr_net_forward(&net, &batch, acts, NULL, NULL);
		memset(acts->dlogits, 0, sizeof(float) * 3);
		acts->dlogits[2] = 1.0f;
		mr_net_backward(&net, &batch, acts, NULL, 1);
		for (int t = 0; t < T; t++)
			for (int i = 0; i < E; i++)
				ref[t] += weights[k] * acts->dX0[t * E + i] * (net.emb[ids[t] * E + i] - net.emb[i]);
	}
	mr_free(&mr_malloc_allocator, acts);

	MR_CHECK(mr_explain_row(&net, ids, NULL, L, 2, STEPS, &mr_malloc_allocator, NULL, NULL, &e) == MR_OK,
			 "explain with %d steps (chunks of %d)", STEPS, MR_EXPLAIN_CHUNK);
	for (int t = 0; t < T; t++)
		worst = fmax(worst, fabs(e.step_attr[t] - ref[t]));
	MR_CHECK(worst < 1e-4, "chunked attributions equal one-point-at-a-time ones (worst gap %.2g)", worst);
	mr_explanation_free(&e, &mr_malloc_allocator);

	MR_CHECK(mr_explain_row(&net, ids, NULL, L, 2, STEPS, &mr_malloc_allocator,
							stop_at_second_poll, &polls, &e) == MR_ECANCELED &&
			 e.step_attr == NULL && polls == 2,
			 "a hook stops the explanation between chunks, with nothing left allocated");

	/* statuses first: the message's argument is read before the condition */
	ok = mr_explain_workspace(&cfg, MR_EXPLAIN_CHUNK, &ws16) == MR_OK &&
		mr_explain_workspace(&cfg, MR_EXPLAIN_MAX_STEPS, &ws256) == MR_OK && ws16 == ws256 &&
		mr_explain_workspace(&cfg, 0, &ws16) == MR_EINVAL;
	MR_CHECK(ok, "the workspace does not grow past one chunk of steps (%zu bytes)", ok ? ws256 : 0);
	free(params);
}

/*
 * A row of 10,000 positions: chunks shrink so their activations stay within
 * MR_EXPLAIN_CHUNK_BYTES, and the attributions still add up
 */
static void
check_long_row(void)
{
	MrNetConfig cfg = {.vocab_size = 30, .embed_dim = 8, .maxlen = 10000, .padding = MR_PAD_PRE,
	.n_layers = 1, .hidden = {16}, .pooling = MR_POOL_LAST, .n_classes = 2};
	size_t		full,
				ws,
				row_bytes = sizeof(float) * 4 * (size_t) cfg.maxlen * (cfg.embed_dim + 1);
	int			ok;

	ok = mr_acts_size(&cfg, MR_EXPLAIN_CHUNK, 0, &full) == MR_OK &&
		mr_explain_workspace(&cfg, MR_EXPLAIN_MAX_STEPS, &ws) == MR_OK;
	MR_CHECK(ok && full > MR_EXPLAIN_CHUNK_BYTES && ws <= MR_EXPLAIN_CHUNK_BYTES + row_bytes,
			 "10,000 positions: the workspace is %zu bytes, not the %zu of %d rows' activations",
			 ok ? ws : 0, ok ? full : 0, MR_EXPLAIN_CHUNK);
	check_completeness("10,000 positions, chunks within the byte bound", cfg, 9000, 40);
}

void
test_explain(void)
{
	check_quadrature();
	check_completeness("two layers, pre, last",
					   (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 10, .padding = MR_PAD_PRE,
					   .n_layers = 2, .hidden = {8, 6}, .pooling = MR_POOL_LAST, .n_classes = 3}, 7, 50);
	check_completeness("bidirectional, post, mean",
					   (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 10, .padding = MR_PAD_POST,
					   .n_layers = 2, .hidden = {6, 5}, .bidirectional = 1, .pooling = MR_POOL_MEAN, .n_classes = 2}, 6, 50);
	check_completeness("bidirectional, max, features",
					   (MrNetConfig) {.vocab_size = 12, .embed_dim = 3, .n_features = 3, .maxlen = 8,
					   .padding = MR_PAD_PRE, .n_layers = 1, .hidden = {6}, .bidirectional = 1,
					   .pooling = MR_POOL_MAX, .n_classes = 2}, 8, 200);
	check_completeness("features only, last",
					   (MrNetConfig) {.n_features = 4, .maxlen = 9, .padding = MR_PAD_PRE,
					   .n_layers = 1, .hidden = {7}, .pooling = MR_POOL_LAST, .n_classes = 2}, 5, 50);
	check_completeness("masked, bidirectional, last",
					   (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 30, .padding = MR_PAD_POST,
					   .mask = 1, .n_layers = 2, .hidden = {6, 5}, .bidirectional = 1,
					   .pooling = MR_POOL_LAST, .n_classes = 2}, 7, 50);
	check_completeness("masked, features and tokens, mean",
					   (MrNetConfig) {.vocab_size = 12, .embed_dim = 3, .n_features = 2, .maxlen = 20,
					   .padding = MR_PAD_POST, .mask = 1, .n_layers = 1, .hidden = {6},
					   .pooling = MR_POOL_MEAN, .n_classes = 2}, 5, 50);
	check_keyword();
	check_chunks();
	check_long_row();
}
