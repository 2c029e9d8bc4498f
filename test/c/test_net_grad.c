/*
 * test_net_grad.c
 *	  Finite-difference checks of the whole network's backward pass:
 *	  embedding, stacked and bidirectional LSTMs, every pooling, dense,
 *	  softmax cross-entropy with class weights, dropout with fixed masks,
 *	  the language model's next-token head (a dense softmax at every
 *	  step), and the input gradient used for explanations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_loss.h"
#include "mr_net.h"
#include "mr_test.h"

typedef struct GradCase
{
	const char *name;
	MrNetConfig cfg;
	float		dropout_in;
	float		dropout_rec;
	int			weighted;
	int			steps;			/* masked cases: the batch's T (< maxlen) */
} GradCase;

typedef struct Fixture
{
	MrNet		net;
	MrNet		grads;
	float	   *params;
	float	   *gparams;
	MrActs	   *acts;
	MrBatch		batch;
	int32_t    *ids;
	float	   *feats;
	int32_t		lengths[4];
	int32_t		labels[4];
	float		weights[4];
	MrDropout	dropout;
	int			weighted;
	uint64_t	mask_seed;
} Fixture;

/* Loss with the same dropout masks every time (the rng is reseeded) */
static double
fixture_loss(Fixture *fx)
{
	MrRng		rng;

	mr_rng_seed(&rng, fx->mask_seed);
	mr_net_embed(&fx->net, &fx->batch, fx->acts);
	mr_net_forward(&fx->net, &fx->batch, fx->acts, &fx->dropout, &rng);
	if (fx->net.cfg.head == MR_HEAD_NEXT_TOKEN)
	{
		int64_t		tokens = 0;

		for (int b = 0; b < fx->batch.B; b++)
			tokens += mr_lm_predictions(fx->batch.lengths[b]);
		return mr_loss_next_token(fx->acts, &fx->batch, fx->net.cfg.n_classes, tokens, NULL);
	}
	return mr_net_loss(fx->acts, fx->net.cfg.n_classes, fx->labels,
					   fx->weighted ? fx->weights : NULL, NULL, fx->acts->B);
}

/* Analytic gradients into fx->gparams (embedding included) */
static void
fixture_grads(Fixture *fx)
{
	uint8_t    *touched = calloc(fx->net.cfg.vocab_size + 1, 1);
	int32_t    *rows = calloc(fx->net.cfg.vocab_size + 1, sizeof(int32_t));
	int32_t		n_rows = 0;

	memset(fx->gparams, 0, sizeof(float) * fx->net.n_params);
	fixture_loss(fx);
	mr_net_backward(&fx->net, &fx->batch, fx->acts, &fx->grads, 1);
	mr_net_embed_backward(&fx->net, &fx->batch, fx->acts, &fx->grads, touched, rows, &n_rows);
	free(touched);
	free(rows);
}

/*
 * Directional check on one tensor: <g, d> against the central difference
 * along a random unit direction d, then a few single elements.
 */
static int
check_tensor(Fixture *fx, float *x, const float *g, size_t n, const char *label)
{
	MrRng		rng;
	float	   *d = malloc(sizeof(float) * n);
	float	   *save = malloc(sizeof(float) * n);
	double		norm = 0.0,
				ana = 0.0,
				num;
	const float eps = 5e-3f;
	int			ok = 1;

	mr_rng_seed(&rng, n * 31 + 5);
	for (size_t i = 0; i < n; i++)
	{
		d[i] = (float) mr_rng_normal(&rng);
		norm += (double) d[i] * d[i];
	}
	norm = sqrt(norm);
	for (size_t i = 0; i < n; i++)
	{
		d[i] = (float) (d[i] / norm);
		ana += (double) g[i] * d[i];
	}
	memcpy(save, x, sizeof(float) * n);
	{
		double		lp,
					lm;

		for (size_t i = 0; i < n; i++)
			x[i] = save[i] + eps * d[i];
		lp = fixture_loss(fx);
		for (size_t i = 0; i < n; i++)
			x[i] = save[i] - eps * d[i];
		lm = fixture_loss(fx);
		memcpy(x, save, sizeof(float) * n);
		num = (lp - lm) / (2.0 * eps);
	}
	if (fabs(num - ana) > 5e-4 + 2e-2 * fabs(num))
	{
		mr_diag("%s: directional analytic %.6g numeric %.6g", label, ana, num);
		ok = 0;
	}
	/* and up to 6 single elements */
	for (int s = 0; s < 6 && (size_t) s < n; s++)
	{
		size_t		i = (size_t) mr_rng_below(&rng, n);
		double		lp,
					lm;

		x[i] = save[i] + eps;
		lp = fixture_loss(fx);
		x[i] = save[i] - eps;
		lm = fixture_loss(fx);
		x[i] = save[i];
		num = (lp - lm) / (2.0 * eps);
		if (fabs(num - g[i]) > 5e-4 + 2e-2 * fabs(num))
		{
			mr_diag("%s[%zu]: analytic %.6g numeric %.6g", label, i, g[i], num);
			ok = 0;
		}
	}
	free(d);
	free(save);
	return ok;
}

static void
run_case(const GradCase *gc)
{
	Fixture		fx;
	MrRng		rng;
	MrNetConfig cfg = gc->cfg;
	int			T = cfg.maxlen,
				B = cfg.mask ? 4 : 3,
				F = cfg.n_features,
				Tb = cfg.mask ? gc->steps : T;	/* the steps the batch runs */
	size_t		n;
	int			ok = 1;

	memset(&fx, 0, sizeof(fx));
	MR_CHECK(mr_net_check_config(&cfg, NULL) == MR_OK, "%s: config is valid", gc->name);
	mr_net_param_count(&cfg, &n);
	fx.params = malloc(sizeof(float) * n);
	fx.gparams = malloc(sizeof(float) * n);
	mr_net_bind(&fx.net, &cfg, fx.params, n);
	mr_net_bind(&fx.grads, &cfg, fx.gparams, n);
	mr_rng_seed(&rng, 11);
	mr_net_init(&fx.net, &rng, &mr_malloc_allocator);
	/* nonzero biases so no gradient is trivially zero */
	for (size_t i = 0; i < n; i++)
		fx.params[i] += 0.05f * (float) mr_rng_normal(&rng);

	mr_acts_new(&cfg, B, gc->dropout_in > 0 || gc->dropout_rec > 0, &mr_malloc_allocator, &fx.acts);
	fx.ids = calloc((size_t) T * B, sizeof(int32_t));
	fx.feats = F ? calloc((size_t) T * B * F, sizeof(float)) : NULL;
	/*
	 * rows of different lengths, one of them a single step; a masked batch
	 * runs its longest row's Tb steps and has an empty row too
	 */
	fx.lengths[0] = Tb;
	fx.lengths[1] = Tb - 2;
	fx.lengths[2] = 1;
	fx.lengths[3] = 0;
	for (int b = 0; b < B; b++)
	{
		int			L = fx.lengths[b];

		for (int t = 0; t < T; t++)
		{
			int			real = cfg.padding == MR_PAD_PRE ? t >= T - L : t < L;

			if (cfg.vocab_size > 0)
				fx.ids[(size_t) t * B + b] = real ? 1 + (int) mr_rng_below(&rng, cfg.vocab_size - 1) : 0;
			for (int f = 0; f < F; f++)
				fx.feats[((size_t) t * B + b) * F + f] = real ? (float) mr_rng_normal(&rng) : 0.0f;
		}
		fx.labels[b] = b % cfg.n_classes;
		fx.weights[b] = 0.5f + b;
	}
	fx.batch.B = B;
	fx.batch.ids = cfg.vocab_size > 0 ? fx.ids : NULL;
	fx.batch.feats = fx.feats;
	fx.batch.lengths = fx.lengths;
	fx.batch.T = cfg.mask ? Tb : 0;
	fx.dropout.input = gc->dropout_in;
	fx.dropout.recurrent = gc->dropout_rec;
	fx.weighted = gc->weighted;
	fx.mask_seed = 99;

	fixture_grads(&fx);
	if (fx.net.emb)
		ok &= check_tensor(&fx, fx.net.emb, fx.grads.emb,
						   (size_t) cfg.vocab_size * cfg.embed_dim, "emb");
	for (int l = 0; l < cfg.n_layers; l++)
		for (int d = 0; d < mr_net_dirs(&cfg); d++)
		{
			size_t		I = mr_net_layer_input(&cfg, l),
						H = cfg.hidden[l];
			char		label[64];

			snprintf(label, sizeof(label), "layer%d.dir%d.Wx", l, d);
			ok &= check_tensor(&fx, fx.net.layer[l][d].Wx, fx.grads.layer[l][d].Wx, I * 4 * H, label);
			snprintf(label, sizeof(label), "layer%d.dir%d.Wh", l, d);
			ok &= check_tensor(&fx, fx.net.layer[l][d].Wh, fx.grads.layer[l][d].Wh, H * 4 * H, label);
			snprintf(label, sizeof(label), "layer%d.dir%d.b", l, d);
			ok &= check_tensor(&fx, fx.net.layer[l][d].b, fx.grads.layer[l][d].b, 4 * H, label);
		}
	ok &= check_tensor(&fx, fx.net.Wd, fx.grads.Wd,
					   (size_t) mr_net_pooled_width(&cfg) * cfg.n_classes, "Wd");
	ok &= check_tensor(&fx, fx.net.bd, fx.grads.bd, cfg.n_classes, "bd");
	MR_CHECK(ok, "%s: every parameter gradient matches finite differences", gc->name);

	/* the input gradient, used by integrated gradients */
	if (F > 0)
	{
		float	   *dfeat = malloc(sizeof(float) * (size_t) Tb * B * F);
		int			I0 = cfg.embed_dim + F;

		for (int t = 0; t < Tb; t++)
			for (int b = 0; b < B; b++)
				memcpy(dfeat + ((size_t) t * B + b) * F,
					   fx.acts->dX0 + ((size_t) t * B + b) * I0 + cfg.embed_dim, sizeof(float) * F);
		MR_CHECK(check_tensor(&fx, fx.feats, dfeat, (size_t) Tb * B * F, "features"),
				 "%s: input feature gradient matches finite differences", gc->name);
		free(dfeat);
	}
	free(fx.params);
	free(fx.gparams);
	free(fx.acts);
	free(fx.ids);
	free(fx.feats);
}

/* Softmax cross-entropy alone: dlogits against differences in the logits */
static void
check_softmax_xent(void)
{
	MrNetConfig cfg = {.vocab_size = 5, .embed_dim = 2, .maxlen = 2, .n_layers = 1,
	.hidden = {2}, .n_classes = 4};
	MrActs	   *acts;
	int32_t		labels[2] = {3, 0};
	float		w[2] = {1.0f, 2.5f};
	float		dl[8];
	int			ok = 1;

	mr_acts_new(&cfg, 2, 0, &mr_malloc_allocator, &acts);
	acts->B = 2;
	for (int i = 0; i < 8; i++)
		acts->logits[i] = (float) (i % 3) - 0.7f * (i % 2);
	for (int b = 0; b < 2; b++)
	{
		memcpy(acts->probs + b * 4, acts->logits + b * 4, sizeof(float) * 4);
		mr_softmax(acts->probs + b * 4, 4);
	}
	mr_net_loss(acts, 4, labels, w, NULL, 2);
	memcpy(dl, acts->dlogits, sizeof(dl));
	for (int i = 0; i < 8; i++)
	{
		float		save = acts->logits[i];
		double		lp,
					lm,
					num;

		for (int s = 0; s < 2; s++)
		{
			acts->logits[i] = save + (s ? -1e-3f : 1e-3f);
			for (int b = 0; b < 2; b++)
			{
				memcpy(acts->probs + b * 4, acts->logits + b * 4, sizeof(float) * 4);
				mr_softmax(acts->probs + b * 4, 4);
			}
			if (s)
				lm = mr_net_loss(acts, 4, labels, w, NULL, 2);
			else
				lp = mr_net_loss(acts, 4, labels, w, NULL, 2);
		}
		acts->logits[i] = save;
		num = (lp - lm) / 2e-3;
		ok &= fabs(num - dl[i]) < 1e-3;
	}
	MR_CHECK(ok, "weighted softmax cross-entropy gradient matches finite differences");
	free(acts);
}

void
test_net_grad(void)
{
	static const GradCase cases[] = {
		{"two layers, last pooling, pre padding",
		{.vocab_size = 9, .embed_dim = 3, .maxlen = 5, .padding = MR_PAD_PRE, .n_layers = 2,
		.hidden = {4, 3}, .pooling = MR_POOL_LAST, .n_classes = 3}},
		{"bidirectional, mean pooling, post padding",
		{.vocab_size = 9, .embed_dim = 3, .maxlen = 5, .padding = MR_PAD_POST, .n_layers = 2,
		.hidden = {3, 3}, .bidirectional = 1, .pooling = MR_POOL_MEAN, .n_classes = 2}},
		{"bidirectional, max pooling, tokens and features",
		{.vocab_size = 7, .embed_dim = 2, .n_features = 2, .maxlen = 4, .padding = MR_PAD_PRE,
		.n_layers = 1, .hidden = {4}, .bidirectional = 1, .pooling = MR_POOL_MAX, .n_classes = 3}},
		{"bidirectional, last pooling, post padding",
		{.vocab_size = 6, .embed_dim = 2, .maxlen = 4, .padding = MR_PAD_POST, .n_layers = 1,
		.hidden = {3}, .bidirectional = 1, .pooling = MR_POOL_LAST, .n_classes = 2}},
		{"dropout masks fixed, class weights",
		{.vocab_size = 8, .embed_dim = 3, .maxlen = 4, .n_layers = 2, .hidden = {4, 3},
		.bidirectional = 1, .pooling = MR_POOL_LAST, .n_classes = 3}, 0.3f, 0.25f, 1},
		{"features only",
		{.n_features = 3, .maxlen = 6, .n_layers = 1, .hidden = {5}, .pooling = MR_POOL_MEAN,
		.n_classes = 2}},
		/* masked: rows of lengths 5, 3, 1 and 0 in a batch of 5 steps, maxlen 8 */
		{"masked, two layers, last pooling",
		{.vocab_size = 9, .embed_dim = 3, .maxlen = 8, .padding = MR_PAD_POST, .mask = 1,
		.n_layers = 2, .hidden = {4, 3}, .pooling = MR_POOL_LAST, .n_classes = 3}, .steps = 5},
		{"masked, bidirectional, mean pooling, dropout and weights",
		{.vocab_size = 9, .embed_dim = 3, .maxlen = 8, .padding = MR_PAD_POST, .mask = 1,
		.n_layers = 2, .hidden = {3, 3}, .bidirectional = 1, .pooling = MR_POOL_MEAN,
		.n_classes = 2}, 0.3f, 0.2f, 1, .steps = 5},
		{"masked, bidirectional, max pooling, tokens and features",
		{.vocab_size = 7, .embed_dim = 2, .n_features = 2, .maxlen = 8, .padding = MR_PAD_POST,
		.mask = 1, .n_layers = 1, .hidden = {4}, .bidirectional = 1, .pooling = MR_POOL_MAX,
		.n_classes = 3}, .steps = 5},
		{"masked, bidirectional, last pooling, every step real",
		{.vocab_size = 6, .embed_dim = 2, .maxlen = 5, .padding = MR_PAD_POST, .mask = 1,
		.n_layers = 1, .hidden = {3}, .bidirectional = 1, .pooling = MR_POOL_LAST,
		.n_classes = 2}, .steps = 5},
		/* language models: 5 outputs for 7 tokens, so ids 5 and 6 are "rarer" (0) */
		{"next-token head, two layers",
		{.vocab_size = 7, .embed_dim = 3, .maxlen = 8, .padding = MR_PAD_POST, .mask = 1,
		.n_layers = 2, .hidden = {4, 3}, .n_classes = 5, .head = MR_HEAD_NEXT_TOKEN}, .steps = 5},
		{"next-token head, dropout, every output a token",
		{.vocab_size = 6, .embed_dim = 2, .maxlen = 6, .padding = MR_PAD_POST, .mask = 1,
		.n_layers = 1, .hidden = {4}, .n_classes = 6, .head = MR_HEAD_NEXT_TOKEN}, 0.3f, 0.2f,
		.steps = 6},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	check_softmax_xent();
}
