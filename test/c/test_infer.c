/*
 * test_infer.c
 *	  One-row inference (real steps only, from the padding states) against
 *	  the batched forward pass (all T steps), for every padding, pooling and
 *	  direction, rows of every length, and token and feature inputs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_infer.h"
#include "mr_test.h"

static void
check_config(const char *name, MrNetConfig cfg)
{
	MrNet		net;
	size_t		n;
	float	   *params;
	MrActs	   *acts;
	MrInfer    *inf;
	MrRng		rng;
	int			T = cfg.maxlen,
				F = cfg.n_features,
				K = cfg.n_classes;
	int32_t    *ids = calloc(T, sizeof(int32_t));
	float	   *feats = F ? calloc((size_t) T * F, sizeof(float)) : NULL;
	float		probs[8];
	double		worst = 0.0;

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 21);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	for (size_t i = 0; i < n; i++)
		params[i] += 0.1f * (float) mr_rng_normal(&rng);
	mr_acts_new(&cfg, 1, 0, &mr_malloc_allocator, &acts);
	MR_CHECK(mr_infer_new(&net, &mr_malloc_allocator, &inf) == MR_OK, "%s: prepare inference", name);

	for (int32_t L = 0; L <= T; L++)
		for (int rep = 0; rep < 3; rep++)
		{
			/* a masked network runs the row's own steps */
			MrBatch		batch = {1, cfg.vocab_size ? ids : NULL, feats, &L, cfg.mask ? L : 0};
			int			first = cfg.padding == MR_PAD_PRE ? T - L : 0;

			for (int t = 0; t < T; t++)
			{
				int			real = t >= first && t < first + L;

				ids[t] = real && cfg.vocab_size ? 1 + (int) mr_rng_below(&rng, cfg.vocab_size - 1) : 0;
				for (int f = 0; f < F; f++)
					feats[(size_t) t * F + f] = real ? (float) mr_rng_normal(&rng) : 0.0f;
			}
			mr_net_embed(&net, &batch, acts);
			mr_net_forward(&net, &batch, acts, NULL, NULL);
			mr_infer_row(inf, cfg.vocab_size ? ids : NULL, feats, L, probs);
			for (int k = 0; k < K; k++)
			{
				double		d = fabs((double) probs[k] - acts->probs[k]);

				if (d > worst || isnan(d))
					worst = isnan(d) ? INFINITY : d;
			}
		}
	MR_CHECK(worst < 2e-6, "%s: one-row inference equals the batched forward pass (max diff %.2g)",
			 name, worst);
	mr_infer_free(inf, &mr_malloc_allocator);
	free(acts);
	free(params);
	free(ids);
	free(feats);
}

/*
 * A masked batch of ragged rows, run for its longest row's steps, gives
 * each row what it gets alone, whatever the padding positions hold and
 * whatever maxlen is; an empty row gets the bias alone
 */
static void
check_masked_batch(void)
{
	MrNetConfig cfg = {.vocab_size = 15, .embed_dim = 3, .maxlen = 12, .padding = MR_PAD_POST,
	.mask = 1, .n_layers = 2, .hidden = {5, 4}, .bidirectional = 1, .pooling = MR_POOL_LAST,
	.n_classes = 3};
	enum
	{
		B = 4, Tb = 7, K = 3
	};
	int32_t		lengths[B] = {7, 3, 1, 0};
	int32_t		ids[Tb * B],
				row[12];
	MrNet		net;
	MrActs	   *acts;
	MrInfer    *inf;
	MrRng		rng;
	size_t		n;
	float	   *params;
	float		probs[K],
				bias[K];
	double		worst = 0.0;

	mr_net_param_count(&cfg, &n);
	params = malloc(sizeof(float) * n);
	mr_net_bind(&net, &cfg, params, n);
	mr_rng_seed(&rng, 33);
	mr_net_init(&net, &rng, &mr_malloc_allocator);
	for (size_t i = 0; i < n; i++)
		params[i] += 0.1f * (float) mr_rng_normal(&rng);
	/* padding positions hold arbitrary tokens: they must not matter */
	for (int i = 0; i < Tb * B; i++)
		ids[i] = 1 + (int) mr_rng_below(&rng, 14);
	mr_acts_new(&cfg, B, 0, &mr_malloc_allocator, &acts);
	mr_infer_new(&net, &mr_malloc_allocator, &inf);
	{
		MrBatch		batch = {B, ids, NULL, lengths, Tb};

		mr_net_embed(&net, &batch, acts);
		mr_net_forward(&net, &batch, acts, NULL, NULL);
	}
	for (int b = 0; b < B; b++)
	{
		memset(row, 0, sizeof(row));
		for (int t = 0; t < lengths[b]; t++)
			row[t] = ids[t * B + b];
		mr_infer_row(inf, row, NULL, lengths[b], probs);
		for (int k = 0; k < K; k++)
			worst = fmax(worst, fabs((double) probs[k] - acts->probs[b * K + k]));
	}
	memcpy(bias, net.bd, sizeof(bias));
	mr_softmax(bias, K);
	MR_CHECK(worst < 2e-6, "masked: a batch of rows of 7, 3, 1 and 0 steps run for 7 gives each row its own answer (max diff %.2g)",
			 worst);
	MR_CHECK(fabs(acts->probs[3 * K] - bias[0]) < 1e-6 && fabs(acts->probs[3 * K + 2] - bias[2]) < 1e-6,
			 "masked: an empty row is the softmax of the bias alone");
	mr_infer_free(inf, &mr_malloc_allocator);
	free(acts);
	free(params);
}

void
test_infer(void)
{
	check_config("pre padding, two layers, last",
				 (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 9, .padding = MR_PAD_PRE,
				 .n_layers = 2, .hidden = {6, 5}, .pooling = MR_POOL_LAST, .n_classes = 3});
	check_config("post padding, two layers, last",
				 (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 9, .padding = MR_PAD_POST,
				 .n_layers = 2, .hidden = {6, 5}, .pooling = MR_POOL_LAST, .n_classes = 3});
	check_config("pre padding, bidirectional, mean",
				 (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 8, .padding = MR_PAD_PRE,
				 .n_layers = 2, .hidden = {5, 4}, .bidirectional = 1, .pooling = MR_POOL_MEAN, .n_classes = 4});
	check_config("post padding, bidirectional, max",
				 (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 8, .padding = MR_PAD_POST,
				 .n_layers = 2, .hidden = {5, 4}, .bidirectional = 1, .pooling = MR_POOL_MAX, .n_classes = 2});
	check_config("pre padding, bidirectional, last, three layers",
				 (MrNetConfig) {.vocab_size = 20, .embed_dim = 3, .maxlen = 7, .padding = MR_PAD_PRE,
				 .n_layers = 3, .hidden = {4, 4, 3}, .bidirectional = 1, .pooling = MR_POOL_LAST, .n_classes = 2});
	check_config("features and tokens, max",
				 (MrNetConfig) {.vocab_size = 12, .embed_dim = 3, .n_features = 2, .maxlen = 6,
				 .padding = MR_PAD_PRE, .n_layers = 1, .hidden = {5}, .pooling = MR_POOL_MAX, .n_classes = 3});
	check_config("features only, post, mean",
				 (MrNetConfig) {.n_features = 4, .maxlen = 6, .padding = MR_PAD_POST,
				 .n_layers = 1, .hidden = {5}, .pooling = MR_POOL_MEAN, .n_classes = 2});
	check_config("masked, bidirectional, last",
				 (MrNetConfig) {.vocab_size = 20, .embed_dim = 4, .maxlen = 9, .padding = MR_PAD_POST,
				 .mask = 1, .n_layers = 2, .hidden = {5, 4}, .bidirectional = 1,
				 .pooling = MR_POOL_LAST, .n_classes = 3});
	check_config("masked, features and tokens, mean",
				 (MrNetConfig) {.vocab_size = 12, .embed_dim = 3, .n_features = 2, .maxlen = 6,
				 .padding = MR_PAD_POST, .mask = 1, .n_layers = 1, .hidden = {5},
				 .pooling = MR_POOL_MEAN, .n_classes = 2});
	check_config("masked, max",
				 (MrNetConfig) {.vocab_size = 12, .embed_dim = 3, .maxlen = 6, .padding = MR_PAD_POST,
				 .mask = 1, .n_layers = 2, .hidden = {4, 3}, .pooling = MR_POOL_MAX, .n_classes = 2});
	check_masked_batch();
}
