/*
 * test_net.c
 *	  What the gradient checks cannot see: that the network computes the
 *	  intended function.  The reverse direction of a bidirectional layer
 *	  reads the real tokens back to front, pooling looks only at real
 *	  steps, and the layout and limits hold.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_net.h"
#include "mr_test.h"

/* Run a one-layer unidirectional LSTM with given weights over ids */
static void
run_uni(const MrNet *bi, int dir, const int32_t *ids, int T, float *h_out)
{
	MrNetConfig cfg = bi->cfg;
	MrNet		uni;
	size_t		n;
	float	   *params;
	MrActs	   *acts;
	int32_t		len = T;
	MrBatch		batch = {1, ids, NULL, &len};
	int			H = cfg.hidden[0];

	cfg.bidirectional = 0;
	cfg.maxlen = T;
	mr_net_param_count(&cfg, &n);
	params = calloc(n, sizeof(float));
	mr_net_bind(&uni, &cfg, params, n);
	memcpy(uni.emb, bi->emb, sizeof(float) * cfg.vocab_size * cfg.embed_dim);
	memcpy(uni.layer[0][0].Wx, bi->layer[0][dir].Wx, sizeof(float) * cfg.embed_dim * 4 * H);
	memcpy(uni.layer[0][0].Wh, bi->layer[0][dir].Wh, sizeof(float) * H * 4 * H);
	memcpy(uni.layer[0][0].b, bi->layer[0][dir].b, sizeof(float) * 4 * H);
	mr_acts_new(&cfg, 1, 0, &mr_malloc_allocator, &acts);
	mr_net_embed(&uni, &batch, acts);
	mr_net_forward(&uni, &batch, acts, NULL, NULL);
	memcpy(h_out, acts->pooled, sizeof(float) * H);
	free(params);
	free(acts);
}

static void
check_reverse(int padding)
{
	MrNetConfig cfg = {.vocab_size = 10, .embed_dim = 3, .maxlen = 6, .padding = padding,
	.n_layers = 1, .hidden = {4}, .bidirectional = 1, .pooling = MR_POOL_LAST, .n_classes = 2};
	MrNet		net;
	size_t		n;
	float	   *params;
	MrActs	   *acts;
	MrRng		rng;
	int32_t		real[4] = {3, 7, 1, 5};
	int32_t		ids[6];
	int32_t		len = 4;
	MrBatch		batch = {1, ids, NULL, &len};
	float		fwd[4],
				rev[4];
	int32_t		rev_ids[4] = {5, 1, 7, 3};
	int32_t		fwd_ids[6];

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 3);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	/* layout of one row: pads first (pre) or last (post) */
	for (int t = 0; t < 6; t++)
		ids[t] = 0;
	memcpy(ids + (padding == MR_PAD_PRE ? 2 : 0), real, sizeof(real));
	memcpy(fwd_ids, ids, sizeof(ids));
	mr_acts_new(&cfg, 1, 0, &mr_malloc_allocator, &acts);
	mr_net_embed(&net, &batch, acts);
	mr_net_forward(&net, &batch, acts, NULL, NULL);

	/*
	 * Forward half: for pre padding, the whole padded row; for post padding,
	 * the state after the last real token, i.e. the first 4 steps.
	 */
	run_uni(&net, 0, fwd_ids, padding == MR_PAD_PRE ? 6 : 4, fwd);
	/* reverse half: the real tokens back to front from a zero state */
	if (padding == MR_PAD_PRE)
	{
		int32_t		r6[6] = {0, 0, 5, 1, 7, 3};

		run_uni(&net, 1, r6, 6, rev);
	}
	else
		run_uni(&net, 1, rev_ids, 4, rev);
	MR_CHECK(mr_check_close(acts->pooled, fwd, 4, 1e-6, "fwd") &&
			 mr_check_close(acts->pooled + 4, rev, 4, 1e-6, "rev"),
			 "bidirectional %s padding: forward half is the last real state, reverse half reads real tokens back to front",
			 padding == MR_PAD_PRE ? "pre" : "post");
	free(params);
	free(acts);
}

static void
check_pooling(void)
{
	MrNetConfig cfg = {.vocab_size = 10, .embed_dim = 3, .maxlen = 5, .padding = MR_PAD_PRE,
	.n_layers = 1, .hidden = {3}, .pooling = MR_POOL_MEAN, .n_classes = 2};
	MrNet		net;
	size_t		n;
	float	   *params;
	MrActs	   *acts;
	MrRng		rng;
	int32_t		ids[5] = {0, 0, 4, 2, 9};
	int32_t		len = 3;
	MrBatch		batch = {1, ids, NULL, &len};
	float		mean[3] = {0},
				mx[3] = {-1e9f, -1e9f, -1e9f};

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 4);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	mr_acts_new(&cfg, 1, 0, &mr_malloc_allocator, &acts);
	mr_net_embed(&net, &batch, acts);
	mr_net_forward(&net, &batch, acts, NULL, NULL);
	for (int t = 2; t < 5; t++)
		for (int k = 0; k < 3; k++)
		{
			float		y = acts->Y[0][t * 3 + k];

			mean[k] += y / 3.0f;
			if (y > mx[k])
				mx[k] = y;
		}
	MR_CHECK(mr_check_close(acts->pooled, mean, 3, 1e-6, "mean"),
			 "mean pooling averages the real steps only");
	net.cfg.pooling = MR_POOL_MAX;
	mr_net_forward(&net, &batch, acts, NULL, NULL);
	MR_CHECK(mr_check_close(acts->pooled, mx, 3, 1e-6, "max"),
			 "max pooling takes the maximum over the real steps only");
	{
		double		s = 0.0;

		for (int k = 0; k < 2; k++)
			s += acts->probs[k];
		MR_CHECK(fabs(s - 1.0) < 1e-6, "probabilities sum to 1");
	}
	free(params);
	free(acts);
}

static void
check_config_limits(void)
{
	MrNetConfig ok = {.vocab_size = 100, .embed_dim = 8, .maxlen = 10, .n_layers = 2,
	.hidden = {8, 4}, .n_classes = 2};
	MrNetConfig bad;
	size_t		n;
	MrError		err;

	MR_CHECK(mr_net_check_config(&ok, &err) == MR_OK, "a small config is valid");
	n = 0;
	mr_net_param_count(&ok, &n);
	MR_CHECK(n == 100 * 8 + (8 * 32 + 8 * 32 + 32) + (8 * 16 + 4 * 16 + 16) + 4 * 2 + 2,
			 "parameter count follows the documented layout (%zu)", n);
	bad = ok;
	bad.hidden[2] = 3;
	MR_CHECK(mr_net_check_config(&bad, &err) == MR_EDIMS, "a hidden size past n_layers is rejected (%s)", err.detail);
	bad = ok;
	bad.n_classes = 1;
	MR_CHECK(mr_net_check_config(&bad, &err) == MR_EDIMS, "one class is rejected");
	bad = ok;
	bad.maxlen = MR_MAX_MAXLEN + 1;
	MR_CHECK(mr_net_check_config(&bad, &err) == MR_EDIMS, "maxlen above the limit is rejected");
	bad = ok;
	bad.vocab_size = 0;
	bad.embed_dim = 0;
	MR_CHECK(mr_net_check_config(&bad, &err) == MR_EDIMS, "a network without inputs is rejected");
}

/*
 * A batch's rows are independent, whatever the workspace size: each row of
 * a 3-row batch in a 5-row workspace equals that row alone.
 */
static void
check_batch_independence(MrNetConfig cfg)
{
	MrNet		net;
	size_t		n;
	float	   *params;
	MrActs	   *big,
			   *one;
	MrRng		rng;
	int			T = cfg.maxlen,
				K = cfg.n_classes;
	int32_t		ids[3 * 16],
				lens[3] = {T, T / 2, 1};
	int			ok = 1;

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 9);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	mr_acts_new(&cfg, 5, 0, &mr_malloc_allocator, &big);
	mr_acts_new(&cfg, 1, 0, &mr_malloc_allocator, &one);
	for (int t = 0; t < T; t++)
		for (int b = 0; b < 3; b++)
		{
			int			real = cfg.padding == MR_PAD_PRE ? t >= T - lens[b] : t < lens[b];

			ids[t * 3 + b] = real ? 1 + (int) mr_rng_below(&rng, cfg.vocab_size - 1) : 0;
		}
	{
		MrBatch		batch = {3, ids, NULL, lens};

		mr_net_embed(&net, &batch, big);
		mr_net_forward(&net, &batch, big, NULL, NULL);
	}
	for (int b = 0; b < 3; b++)
	{
		int32_t		row[16];
		MrBatch		batch = {1, row, NULL, &lens[b]};

		for (int t = 0; t < T; t++)
			row[t] = ids[t * 3 + b];
		mr_net_embed(&net, &batch, one);
		mr_net_forward(&net, &batch, one, NULL, NULL);
		ok &= mr_check_close(big->probs + b * K, one->probs, K, 1e-6, "probs");
	}
	MR_CHECK(ok, "%s layers%s, %s pooling: rows of a partial batch do not interact",
			 cfg.n_layers == 1 ? "one" : "stacked", cfg.bidirectional ? ", bidirectional" : "",
			 cfg.pooling == MR_POOL_LAST ? "last" : cfg.pooling == MR_POOL_MEAN ? "mean" : "max");
	free(params);
	free(big);
	free(one);
}

void
test_net(void)
{
	for (int bi = 0; bi < 2; bi++)
		for (int pool = MR_POOL_LAST; pool <= MR_POOL_MEAN; pool++)
			check_batch_independence((MrNetConfig) {.vocab_size = 15, .embed_dim = 3, .maxlen = 8,
									 .padding = pool == MR_POOL_MAX ? MR_PAD_POST : MR_PAD_PRE,
									 .n_layers = 2, .hidden = {5, 4}, .bidirectional = bi,
									 .pooling = pool, .n_classes = 3});
	check_reverse(MR_PAD_PRE);
	check_reverse(MR_PAD_POST);
	check_pooling();
	check_config_limits();
}
