/*
 * test_targets.c
 *	  Targets beyond one class: the sigmoid and linear heads' losses and
 *	  their gradients through the whole network, unknown labels, the label
 *	  encoding and the targets built from it, the model format's TASK
 *	  section (round trips and hostile images), and mr_fit on regression,
 *	  multilabel and multitask labels.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_fit.h"
#include "mr_json.h"
#include "mr_loss.h"
#include "mr_model.h"
#include "mr_predict.h"
#include "mr_targets.h"
#include "image_edit.h"
#include "mr_test.h"
#include "mr_tokenize.h"

/*
 * malloc that counts live blocks, so that a leak on an error path fails a
 * check here and not only under valgrind
 */
static long live_blocks = 0;

static void *
counting_alloc(size_t size, void *state)
{
	void	   *p = malloc(size ? size : 1);

	live_blocks += p != NULL;
	return p;
}

static void
counting_free(void *ptr, void *state)
{
	live_blocks--;
	free(ptr);
}

static const MrAllocator counting = {counting_alloc, counting_free, NULL};

/* ----------------------------------------------------------------------
 * losses and gradients
 * ---------------------------------------------------------------------- */

#define GB 4					/* rows of a gradient batch */
#define GT 5					/* its steps */
#define GV 8					/* vocabulary */

/*
 * Targets of the sigmoid cases (K = 3): known and unknown labels mixed,
 * and target 3 knows none of its labels
 */
static const int8_t grad_multi[4 * 3] = {
	1, 0, -1,
	0, 1, 1,
	-1, -1, 0,
	-1, -1, -1,
};

/* Negatives' weights, then positives': every label's two outcomes differ */
static const float grad_label_weight[2 * 3] = {0.5f, 2.0f, 1.5f, 3.0f, 0.75f, 1.25f};

/* Linear targets: the first two near the outputs, the last two far off */
static const float grad_values[4] = {0.3f, -0.4f, 2.6f, -2.9f};

typedef struct Fixture
{
	MrNet		net;
	MrNet		grads;
	float	   *params;
	float	   *gparams;
	MrActs	   *acts;
	MrBatch		batch;
	int32_t		ids[GT * GB];	/* (T, B) */
	int32_t		lengths[GB];
	int32_t		idx[GB];		/* row b's target */
	const float *label_weight;
	float		huber_delta;
} Fixture;

/* The loss of the fixture's head on its batch, from its parameters */
static double
fixture_loss(Fixture *fx)
{
	mr_net_embed(&fx->net, &fx->batch, fx->acts);
	mr_net_forward(&fx->net, &fx->batch, fx->acts, NULL, NULL);
	/* B_total stays GB when the batch has fewer rows: see check_unknown_rows */
	if (fx->net.cfg.head == MR_HEAD_SIGMOID)
		return mr_loss_sigmoid(fx->acts, fx->net.cfg.n_classes, fx->idx, grad_multi,
							   fx->label_weight, NULL, GB);
	return mr_loss_linear(fx->acts, fx->idx, grad_values, fx->huber_delta, GB);
}

/* Analytic gradients into fx->gparams, the embedding's included */
static void
fixture_grads(Fixture *fx)
{
	uint8_t		touched[GV] = {0};
	int32_t		rows[GV];
	int32_t		n_rows = 0;

	memset(fx->gparams, 0, sizeof(float) * fx->net.n_params);
	fixture_loss(fx);
	mr_net_backward(&fx->net, &fx->batch, fx->acts, &fx->grads, 1);
	mr_net_embed_backward(&fx->net, &fx->batch, fx->acts, &fx->grads, touched, rows, &n_rows);
}

/*
 * Embedding -> bidirectional LSTM -> mean pooling -> dense, with noisy
 * weights (no gradient is trivially zero), over rows of 5, 3, 1 and 4 steps
 */
static void
fixture_init(Fixture *fx, int head, int K)
{
	MrNetConfig cfg = {.vocab_size = GV, .embed_dim = 3, .maxlen = GT, .padding = MR_PAD_PRE,
	.n_layers = 1, .hidden = {3}, .bidirectional = 1, .pooling = MR_POOL_MEAN,
	.n_classes = K, .head = head};
	static const int32_t lengths[GB] = {5, 3, 1, 4};
	MrRng		rng;
	size_t		n;

	memset(fx, 0, sizeof(*fx));
	mr_net_param_count(&cfg, &n);
	fx->params = malloc(sizeof(float) * n);
	fx->gparams = malloc(sizeof(float) * n);
	mr_net_bind(&fx->net, &cfg, fx->params, n);
	mr_net_bind(&fx->grads, &cfg, fx->gparams, n);
	mr_rng_seed(&rng, 21);
	mr_net_init(&fx->net, &rng, &mr_malloc_allocator);
	for (size_t i = 0; i < n; i++)
		fx->params[i] += 0.05f * (float) mr_rng_normal(&rng);
	mr_acts_new(&cfg, GB, 0, &mr_malloc_allocator, &fx->acts);
	for (int b = 0; b < GB; b++)
	{
		fx->lengths[b] = lengths[b];
		for (int t = 0; t < GT; t++)
			fx->ids[t * GB + b] = t >= GT - lengths[b] ? 1 + (int) mr_rng_below(&rng, GV - 1) : 0;
	}
	fx->batch.B = GB;
	fx->batch.ids = fx->ids;
	fx->batch.lengths = fx->lengths;
}

static void
fixture_free(Fixture *fx)
{
	free(fx->params);
	free(fx->gparams);
	free(fx->acts);
}

/*
 * How far one tensor's analytic gradient g is from central differences of
 * the loss, as test_net_grad.c checks it (along a random direction, then a
 * few single elements): the worst |numeric - analytic| over its allowance,
 * so above 1 is a mismatch
 */
static double
tensor_mismatch(Fixture *fx, float *x, const float *g, size_t n)
{
	MrRng		rng;
	float	   *d = malloc(sizeof(float) * n);
	float	   *save = malloc(sizeof(float) * n);
	const float eps = 5e-3f;
	double		norm = 0.0,
				ana = 0.0,
				num,
				lp,
				lm,
				worst;

	mr_rng_seed(&rng, n * 31 + 7);
	for (size_t i = 0; i < n; i++)
	{
		d[i] = (float) mr_rng_normal(&rng);
		norm += (double) d[i] * d[i];
	}
	for (size_t i = 0; i < n; i++)
	{
		d[i] = (float) (d[i] / sqrt(norm));
		ana += (double) g[i] * d[i];
	}
	memcpy(save, x, sizeof(float) * n);
	for (size_t i = 0; i < n; i++)
		x[i] = save[i] + eps * d[i];
	lp = fixture_loss(fx);
	for (size_t i = 0; i < n; i++)
		x[i] = save[i] - eps * d[i];
	lm = fixture_loss(fx);
	memcpy(x, save, sizeof(float) * n);
	num = (lp - lm) / (2.0 * eps);
	worst = fabs(num - ana) / (5e-4 + 2e-2 * fabs(num));
	for (int s = 0; s < 6 && (size_t) s < n; s++)
	{
		size_t		i = (size_t) mr_rng_below(&rng, n);

		x[i] = save[i] + eps;
		lp = fixture_loss(fx);
		x[i] = save[i] - eps;
		lm = fixture_loss(fx);
		x[i] = save[i];
		num = (lp - lm) / (2.0 * eps);
		worst = fmax(worst, fabs(num - g[i]) / (5e-4 + 2e-2 * fabs(num)));
	}
	free(d);
	free(save);
	return worst;
}

/* The worst mismatch over every tensor of the network, named in *worst_label */
static double
net_mismatch(Fixture *fx, const char **worst_label)
{
	const MrNetConfig *cfg = &fx->net.cfg;
	size_t		I = mr_net_layer_input(cfg, 0),
				H = cfg->hidden[0];
	MrLayerParams *fw = &fx->net.layer[0][0],
			   *rv = &fx->net.layer[0][1],
			   *gfw = &fx->grads.layer[0][0],
			   *grv = &fx->grads.layer[0][1];
	struct
	{
		float	   *x;
		const float *g;
		size_t		n;
		const char *name;
	}			t[] = {
		{fx->net.emb, fx->grads.emb, (size_t) GV * cfg->embed_dim, "emb"},
		{fw->Wx, gfw->Wx, I * 4 * H, "Wx"},
		{fw->Wh, gfw->Wh, H * 4 * H, "Wh"},
		{fw->b, gfw->b, 4 * H, "b"},
		{rv->Wx, grv->Wx, I * 4 * H, "reverse Wx"},
		{rv->Wh, grv->Wh, H * 4 * H, "reverse Wh"},
		{rv->b, grv->b, 4 * H, "reverse b"},
		{fx->net.Wd, fx->grads.Wd, (size_t) mr_net_pooled_width(cfg) * cfg->n_classes, "Wd"},
		{fx->net.bd, fx->grads.bd, cfg->n_classes, "bd"},
	};
	double		worst = 0.0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
	{
		double		m = tensor_mismatch(fx, t[i].x, t[i].g, t[i].n);

		if (!(m <= worst))		/* NaN counts as the worst */
		{
			worst = isnan(m) ? INFINITY : m;
			*worst_label = t[i].name;
		}
	}
	return worst;
}

/* Gradients of the sigmoid head's weighted cross-entropy, and of the linear head's losses */
static void
check_head_gradients(void)
{
	Fixture		fx;
	const char *where = "";
	double		worst;

	/* sigmoid, K = 3: every row knows some labels, not all */
	fixture_init(&fx, MR_HEAD_SIGMOID, 3);
	memcpy(fx.idx, (int32_t[GB]) {1, 0, 2, 0}, sizeof(fx.idx));
	fx.label_weight = grad_label_weight;
	fixture_grads(&fx);
	worst = net_mismatch(&fx, &where);
	MR_CHECK(worst <= 1.0,
			 "sigmoid head, label weights, unknown labels: every gradient matches finite differences (worst %.3g of the allowance, %s)",
			 worst, where);
	/* the same check must see a gradient that ignores the label weights */
	fx.label_weight = NULL;
	fixture_grads(&fx);
	fx.label_weight = grad_label_weight;
	worst = net_mismatch(&fx, &where);
	MR_CHECK(worst > 1.0, "and it tells the weighted loss from an unweighted gradient (%.3g of the allowance, %s)",
			 worst, where);
	fixture_free(&fx);

	/* linear, squared error */
	fixture_init(&fx, MR_HEAD_LINEAR, 1);
	memcpy(fx.idx, (int32_t[GB]) {0, 1, 2, 3}, sizeof(fx.idx));
	fixture_grads(&fx);
	worst = net_mismatch(&fx, &where);
	MR_CHECK(worst <= 1.0, "linear head, squared error: every gradient matches finite differences (worst %.3g, %s)",
			 worst, where);

	/* linear, Huber: two rows within delta and two beyond, none near it */
	fx.huber_delta = 1.0f;
	fixture_loss(&fx);
	{
		int			inside = 0,
					beyond = 0;

		for (int b = 0; b < GB; b++)
		{
			float		e = fabsf(fx.acts->logits[b] - grad_values[fx.idx[b]]);

			inside += e < 0.9f;
			beyond += e > 1.1f;
		}
		MR_CHECK(inside == 2 && beyond == 2, "Huber's rows: %d within delta and %d beyond, clear of it",
				 inside, beyond);
	}
	fixture_grads(&fx);
	worst = net_mismatch(&fx, &where);
	MR_CHECK(worst <= 1.0, "linear head, Huber: every gradient matches finite differences (worst %.3g, %s)",
			 worst, where);
	fixture_free(&fx);
}

/* acts for hand-set logits of B rows and K outputs */
static MrActs *
hand_acts(int head, int K, int B, const float *logits)
{
	MrNetConfig cfg = {.vocab_size = 3, .embed_dim = 2, .maxlen = 2, .n_layers = 1,
	.hidden = {2}, .n_classes = K, .head = head};
	MrActs	   *acts;

	mr_acts_new(&cfg, B, 0, &mr_malloc_allocator, &acts);
	acts->B = B;
	memcpy(acts->logits, logits, sizeof(float) * B * K);
	memcpy(acts->probs, logits, sizeof(float) * B * K);
	for (int b = 0; b < B; b++)
		mr_net_head(acts->probs + b * K, K, head);
	return acts;
}

static int
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fmax(1.0, fabs(b));
}

/* Loss values worked by hand */
static void
check_hand_losses(void)
{
	/* one row: a weighted positive, a wrong negative, an unknown label */
	{
		const float z[3] = {2.0f, 1.0f, 0.5f};
		const int8_t y[3] = {1, 0, -1};
		const float w[6] = {1.0f, 2.0f, 1.0f, 3.0f, 1.0f, 1.0f};
		const int32_t idx[1] = {0};
		MrActs	   *acts = hand_acts(MR_HEAD_SIGMOID, 3, 1, z);
		double		correct = -1.0,
					loss = mr_loss_sigmoid(acts, 3, idx, y, w, &correct, 1),
					s0 = 1.0 / (1.0 + exp(-2.0)),
					s1 = 1.0 / (1.0 + exp(-1.0));

		/* BCE(z, 1) = log(1 + e^-z), BCE(z, 0) = log(1 + e^z); averaged over K = 3 */
		MR_CHECK(near(loss, (3.0 * log1p(exp(-2.0)) + 2.0 * log1p(exp(1.0))) / 3.0, 1e-6),
				 "sigmoid loss of a hand case: (3 log(1+e^-2) + 2 log(1+e)) / 3 = %.6f", loss);
		MR_CHECK(near(acts->dlogits[0], 3.0 * (s0 - 1.0) / 3.0, 1e-5) &&
				 near(acts->dlogits[1], 2.0 * s1 / 3.0, 1e-5),
				 "its dlogits: w (p - y) / K (%.6f, %.6f)", acts->dlogits[0], acts->dlogits[1]);
		MR_CHECK(acts->dlogits[2] == 0.0f && correct == 0.5,
				 "the unknown label has zero dlogit; one of the two known labels is right (%g)", correct);
		/* the unknown label's logit moves: the loss must not */
		acts->logits[2] = 7.0f;
		memcpy(acts->probs, acts->logits, sizeof(z));
		mr_net_head(acts->probs, 3, MR_HEAD_SIGMOID);
		MR_CHECK(mr_loss_sigmoid(acts, 3, idx, y, w, NULL, 1) == loss,
				 "an unknown label adds exactly nothing to the loss, whatever its logit");
		free(acts);
	}
	/* logits of +-100: the loss stays finite and exact */
	{
		const float z[3] = {100.0f, -100.0f, -100.0f};
		const int8_t y[3] = {0, 1, 0};
		const int32_t idx[1] = {0};
		MrActs	   *acts = hand_acts(MR_HEAD_SIGMOID, 3, 1, z);
		double		loss = mr_loss_sigmoid(acts, 3, idx, y, NULL, NULL, 1);

		MR_CHECK(near(loss, 200.0 / 3.0, 1e-9), "sigmoid loss at logits of +-100: 200/3, not infinite (%g)", loss);
		free(acts);
	}
	/* two rows, errors 0.5 and 2.5, a batch of 4 in all */
	{
		const float z[2] = {0.5f, 3.0f};
		const float v[2] = {0.0f, 0.5f};
		const int32_t idx[2] = {0, 1};
		MrActs	   *acts = hand_acts(MR_HEAD_LINEAR, 1, 2, z);
		double		mse = mr_loss_linear(acts, idx, v, 0.0f, 4);

		MR_CHECK(mse == (0.25 + 6.25) / 4 && acts->dlogits[0] == 2 * 0.5f / 4 &&
				 acts->dlogits[1] == 2 * 2.5f / 4,
				 "squared error of a hand case: %g, dlogits 2e/B", mse);
		/* Huber, delta 1: 0.5 e^2 within, delta (|e| - delta/2) beyond */
		{
			double		huber = mr_loss_linear(acts, idx, v, 1.0f, 4);

			MR_CHECK(huber == (0.125 + 2.0) / 4 && acts->dlogits[0] == 0.5f / 4 &&
					 acts->dlogits[1] == 1.0f / 4,
					 "Huber's loss of the same: %g, dlogits e/B within delta, delta/B beyond", huber);
		}
		free(acts);
	}
}

/*
 * A row that knows none of its labels: zero dlogits, and the gradients of
 * the batch with it are those of the batch without it
 */
static void
check_unknown_rows(void)
{
	Fixture		fx;
	float	   *with;
	double		loss_with,
				loss_without;
	int32_t		ids3[GT * 3];
	int			zero = 1;

	fixture_init(&fx, MR_HEAD_SIGMOID, 3);
	memcpy(fx.idx, (int32_t[GB]) {1, 0, 2, 3}, sizeof(fx.idx));
	fx.label_weight = grad_label_weight;
	fixture_grads(&fx);
	for (int k = 0; k < 3; k++)
		zero &= fx.acts->dlogits[3 * 3 + k] == 0.0f;
	MR_CHECK(zero, "a row with every label unknown has zero dlogits");
	with = malloc(sizeof(float) * fx.net.n_params);
	memcpy(with, fx.gparams, sizeof(float) * fx.net.n_params);
	loss_with = fixture_loss(&fx);

	/* the first three rows alone, time-major again, the batch still counting 4 */
	for (int t = 0; t < GT; t++)
		for (int b = 0; b < 3; b++)
			ids3[t * 3 + b] = fx.ids[t * GB + b];
	fx.batch.B = 3;
	fx.batch.ids = ids3;
	fixture_grads(&fx);
	loss_without = fixture_loss(&fx);
	MR_CHECK(near(loss_with, loss_without, 1e-6) && loss_with > 0,
			 "the loss with the unknown row is the loss without it (%.9g, %.9g)", loss_with, loss_without);
	MR_CHECK(mr_check_close(with, fx.gparams, (long) fx.net.n_params, 1e-6, "grads"),
			 "and every gradient, the embedding's included, is unchanged by it");
	free(with);
	fixture_free(&fx);
}

/* ----------------------------------------------------------------------
 * the label encoding
 * ---------------------------------------------------------------------- */

static void
check_parse_value(void)
{
	char		long_number[200];
	double		v = 0.0;
	int			ok;

	MR_CHECK(mr_targets_parse_value("3.5", 3, &v) == 1 && v == 3.5, "\"3.5\" is the number 3.5");
	MR_CHECK(mr_targets_parse_value("-1e3", 4, &v) == 1 && v == -1000.0, "\"-1e3\" is -1000");
	MR_CHECK(mr_targets_parse_value("3.5x", 3, &v) == 1 && v == 3.5,
			 "only len bytes are read: \"3.5\" of \"3.5x\"");
	MR_CHECK(mr_targets_parse_value("NaN", 3, &v) == 0 &&
			 mr_targets_parse_value("Infinity", 8, &v) == 0 &&
			 mr_targets_parse_value("-Infinity", 9, &v) == 0,
			 "NaN and the infinities are rows to skip (0)");
	ok = mr_targets_parse_value("abc", 3, &v) == -1 &&
		mr_targets_parse_value("", 0, &v) == -1 &&
		mr_targets_parse_value("1.0x", 4, &v) == -1 &&
		mr_targets_parse_value("1\0002", 3, &v) == -1;
	MR_CHECK(ok, "\"abc\", \"\", \"1.0x\" and \"1\\0002\" are not numbers (-1)");
	/* digits all along: a number to strtod, but longer than any the server prints */
	memset(long_number, '1', sizeof(long_number));
	MR_CHECK(mr_targets_parse_value(long_number, sizeof(long_number), &v) == -1,
			 "200 digits are not a label (-1)");
}

static void
check_multi_encoding(void)
{
	char		longname[MR_MAX_LABEL_BYTES + 3];
	int64_t		n = -1;
	MrError		err = {0};

	MR_CHECK(mr_targets_check_multi("1a\0" "0b\0", 6, &n, &err) == MR_OK && n == 2,
			 "\"1a\\0\" \"0b\\0\" is two entries");
	MR_CHECK(mr_targets_check_multi("", 0, &n, &err) == MR_OK && n == 0, "no bytes is no entry");
	MR_CHECK(mr_targets_check_multi("1a", 2, &n, &err) == MR_EINVAL,
			 "an entry without its NUL is malformed (%s)", err.detail);
	MR_CHECK(mr_targets_check_multi("2a\0", 3, &n, &err) == MR_EINVAL &&
			 mr_targets_check_multi("1a\0" "xb\0", 6, &n, &err) == MR_EINVAL,
			 "a value byte other than '0' or '1' is malformed, in any entry");
	MR_CHECK(mr_targets_check_multi("1\0", 2, &n, &err) == MR_EINVAL, "an empty name is malformed");
	/* '1', the name, NUL: a name of exactly the limit is fine, one byte more is not */
	longname[0] = '1';
	memset(longname + 1, 'n', MR_MAX_LABEL_BYTES + 1);
	longname[MR_MAX_LABEL_BYTES + 1] = '\0';
	MR_CHECK(mr_targets_check_multi(longname, MR_MAX_LABEL_BYTES + 2, &n, &err) == MR_OK && n == 1,
			 "a name of %d bytes is fine", MR_MAX_LABEL_BYTES);
	longname[MR_MAX_LABEL_BYTES + 1] = 'n';
	longname[MR_MAX_LABEL_BYTES + 2] = '\0';
	MR_CHECK(mr_targets_check_multi(longname, MR_MAX_LABEL_BYTES + 3, &n, &err) == MR_EINVAL,
			 "a name of %d bytes is malformed (%s)", MR_MAX_LABEL_BYTES + 1, err.detail);
}

/* A label vocabulary of count labels, each its own length (labels hold NULs) */
static MrVocab *
label_vocab(const char *const *labels, const size_t *lens, int count)
{
	MrVocab    *v = mr_vocab_new(&counting, 8);

	for (int i = 0; i < count; i++)
		mr_vocab_add(v, labels[i], lens[i], 0);
	return v;
}

static void
check_build_regression(void)
{
	static const char *const labels[] = {"1", "2", "4", "5", "5.0", "abc"};
	static const size_t lens[] = {1, 1, 1, 1, 3, 3};
	/* target t is label label_of[t]; rows repeat targets, which weighs them */
	static const int32_t label_of[3] = {2, 0, 1};	/* 4, 1, 2 */
	static const int32_t row_target[5] = {1, 1, 1, 2, 0};	/* 1, 1, 1, 2, 4 */
	MrVocab    *v;
	MrTargets	t;
	MrError		err = {0};
	MrStatus	st;
	double		mean = 9.0 / 5.0,
				scale = sqrt((3 * 0.64 + 0.04 + 4.84) / 5.0);

	live_blocks = 0;
	v = label_vocab(labels, lens, 6);
	st = mr_targets_build(&t, MR_TASK_REGRESSION, v, label_of, 3, row_target, 5, &counting, &err);
	MR_CHECK(st == MR_OK && t.K == 1 && near(t.mean, mean, 1e-12) && near(t.scale, scale, 1e-12),
			 "regression: the mean and population std of the rows' targets, not of the distinct ones (%g, %g)",
			 t.mean, t.scale);
	MR_CHECK(st == MR_OK && near(t.values[0], (4 - mean) / scale, 1e-6) &&
			 near(t.values[1], (1 - mean) / scale, 1e-6) && near(t.values[2], (2 - mean) / scale, 1e-6),
			 "and each target standardised: %g %g %g",
			 st == MR_OK ? t.values[0] : NAN, st == MR_OK ? t.values[1] : NAN, st == MR_OK ? t.values[2] : NAN);
	mr_targets_free(&t, &counting);

	/* "5" and "5.0": two labels, one value */
	MR_CHECK(mr_targets_build(&t, MR_TASK_REGRESSION, v, (int32_t[2]) {3, 4}, 2, (int32_t[3]) {0, 1, 1}, 3,
							  &counting, &err) == MR_EDATA,
			 "a constant target is MR_EDATA (%s)", err.message);
	mr_targets_free(&t, &counting);
	MR_CHECK(mr_targets_build(&t, MR_TASK_REGRESSION, v, (int32_t[2]) {0, 5}, 2, (int32_t[2]) {0, 1}, 2,
							  &counting, &err) == MR_EINVAL,
			 "a label that is not a number is MR_EINVAL (%s)", err.detail);
	/* a failed build leaves its partial targets for mr_targets_free, as mr_fit does */
	mr_targets_free(&t, &counting);
	mr_vocab_free(v);
	MR_CHECK(live_blocks == 0, "regression targets leave nothing allocated, failed builds included (%ld)",
			 live_blocks);
}

static void
check_build_multi(void)
{
	/* names seen in the order b, a, c, B; "B" sorts first, by bytes */
	static const char *const labels[] = {"1b\0" "1a", "0a\0" "1c", "", "1B", "0a\0" "2b"};
	static const size_t lens[] = {6, 6, 0, 3, 6};	/* with the literals' last NUL */
	static const int32_t label_of[4] = {0, 1, 2, 3};
	static const int32_t row_target[5] = {0, 0, 1, 2, 3};
	static const int8_t want_ml[4 * 4] = {
		0, 1, 1, 0,				/* B a b c */
		0, 0, 0, 1,
		0, 0, 0, 0,
		1, 0, 0, 0,
	};
	static const int8_t want_mt[4 * 4] = {
		-1, 1, 1, -1,
		-1, 0, -1, 1,
		-1, -1, -1, -1,
		1, -1, -1, -1,
	};
	static const char *const order[4] = {"B", "a", "b", "c"};
	MrVocab    *v;
	MrTargets	t;
	MrError		err = {0};
	float		w[8];
	int			names_ok;

	live_blocks = 0;
	v = label_vocab(labels, lens, 5);
	if (mr_targets_build(&t, MR_TASK_MULTILABEL, v, label_of, 4, row_target, 5, &counting, &err) != MR_OK ||
		t.K != 4)
	{
		MR_CHECK(0, "multilabel targets of 4 names (%s)", err.detail);
		mr_targets_free(&t, &counting);
		mr_vocab_free(v);
		return;
	}
	MR_CHECK(memcmp(t.multi, want_ml, sizeof(want_ml)) == 0,
			 "multilabel: K = 4 names, and a name a label lacks is a negative");
	names_ok = 1;
	for (int k = 0; k < 4; k++)
	{
		size_t		l;
		const char *s = mr_vocab_key(t.names, t.name_order[k], &l);

		names_ok &= l == strlen(order[k]) && memcmp(s, order[k], l) == 0;
	}
	MR_CHECK(names_ok, "outputs follow the names in byte order: B a b c");
	MR_CHECK(memcmp(t.positives, (int64_t[4]) {1, 2, 2, 1}, sizeof(int64_t) * 4) == 0 &&
			 memcmp(t.known, (int64_t[4]) {5, 5, 5, 5}, sizeof(int64_t) * 4) == 0,
			 "positives and known counts per row, the repeated target twice");
	/* known / (2 * count): B and c 5/8 and 5/2, a and b 5/6 and 5/4 */
	mr_targets_balanced_weights(&t, w);
	MR_CHECK(near(w[0], 0.625, 1e-6) && near(w[1], 5.0 / 6, 1e-6) && near(w[2], 5.0 / 6, 1e-6) &&
			 near(w[3], 0.625, 1e-6) && near(w[4], 2.5, 1e-6) && near(w[5], 1.25, 1e-6) &&
			 near(w[6], 1.25, 1e-6) && near(w[7], 2.5, 1e-6),
			 "balanced weights, negatives then positives: %g %g %g %g | %g %g %g %g",
			 w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
	mr_targets_free(&t, &counting);

	if (mr_targets_build(&t, MR_TASK_MULTITASK, v, label_of, 4, row_target, 5, &counting, &err) != MR_OK ||
		t.K != 4)
	{
		MR_CHECK(0, "multitask targets of 4 names (%s)", err.detail);
		mr_targets_free(&t, &counting);
		mr_vocab_free(v);
		return;
	}
	MR_CHECK(memcmp(t.multi, want_mt, sizeof(want_mt)) == 0,
			 "multitask: a name a label lacks is unknown (-1)");
	MR_CHECK(memcmp(t.positives, (int64_t[4]) {1, 2, 2, 1}, sizeof(int64_t) * 4) == 0 &&
			 memcmp(t.known, (int64_t[4]) {1, 3, 2, 1}, sizeof(int64_t) * 4) == 0,
			 "and counts only the rows that know a label");
	/* B, b and c have no negative: weight 1; a: 3/2 and 3/4; B, b, c positives 1/2 */
	mr_targets_balanced_weights(&t, w);
	MR_CHECK(w[0] == 1.0f && near(w[1], 1.5, 1e-6) && w[2] == 1.0f && w[3] == 1.0f &&
			 near(w[4], 0.5, 1e-6) && near(w[5], 0.75, 1e-6) && near(w[6], 0.5, 1e-6) &&
			 near(w[7], 0.5, 1e-6),
			 "an outcome a label never has weighs 1: %g %g %g %g | %g %g %g %g",
			 w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
	mr_targets_free(&t, &counting);

	MR_CHECK(mr_targets_build(&t, MR_TASK_MULTILABEL, v, (int32_t[1]) {2}, 1, (int32_t[2]) {0, 0}, 2,
							  &counting, &err) == MR_EDATA,
			 "only empty sets: no label name, MR_EDATA (%s)", err.message);
	mr_targets_free(&t, &counting);
	MR_CHECK(mr_targets_build(&t, MR_TASK_MULTILABEL, v, (int32_t[2]) {0, 4}, 2, (int32_t[2]) {0, 1}, 2,
							  &counting, &err) == MR_EINVAL,
			 "a malformed label is MR_EINVAL (%s)", err.detail);
	mr_targets_free(&t, &counting);
	mr_vocab_free(v);
	MR_CHECK(live_blocks == 0, "multi-label targets leave nothing allocated, failed builds included (%ld)",
			 live_blocks);
}

/* ----------------------------------------------------------------------
 * the model format
 * ---------------------------------------------------------------------- */

typedef struct TaskModel
{
	MrModel		m;
	float	   *params;
	const char *tokens[4];
	uint32_t	token_len[4];
	const char *labels[3];
	uint32_t	label_len[3];
	float		thresholds[3];
	MrEpochLog	epoch;
} TaskModel;

/* A small word model of a task: 3 labels, 1 value, or 2 classes */
static void
task_model_init(TaskModel *b, int task)
{
	static const char *const toks[4] = {"fever", "cough", "rash", "pain"};
	static const char *const names[3] = {"B", "a", "b"};
	static const char *const classes[2] = {"no", "yes"};
	int			K = task == MR_TASK_REGRESSION ? 1 : task == MR_TASK_CLASSIFICATION ? 2 : 3;
	MrRng		rng;
	size_t		n;

	memset(b, 0, sizeof(*b));
	b->m.input_kind = MR_INPUT_TEXT;
	b->m.tokenizer = MR_TOKENIZER_WORD;
	b->m.truncating = MR_PAD_PRE;
	b->m.positive_class = -1;
	b->m.task = task;
	b->m.cfg = (MrNetConfig) {.vocab_size = 5, .embed_dim = 2, .maxlen = 4, .n_layers = 1,
	.hidden = {3}, .pooling = MR_POOL_LAST, .n_classes = K, .head = mr_task_head(task)};
	mr_net_param_count(&b->m.cfg, &n);
	b->params = malloc(sizeof(float) * n);
	mr_net_bind(&b->m.net, &b->m.cfg, b->params, n);
	mr_rng_seed(&rng, 3);
	mr_net_init(&b->m.net, &rng, &mr_malloc_allocator);
	for (int i = 0; i < 4; i++)
	{
		b->tokens[i] = toks[i];
		b->token_len[i] = (uint32_t) strlen(toks[i]);
	}
	for (int k = 0; k < K; k++)
	{
		b->labels[k] = task == MR_TASK_REGRESSION ? "severity" :
			task == MR_TASK_CLASSIFICATION ? classes[k] : names[k];
		b->label_len[k] = (uint32_t) strlen(b->labels[k]);
	}
	if (task == MR_TASK_REGRESSION)
	{
		b->m.loss = MR_LOSS_HUBER;
		b->m.target_mean = 12.5;
		b->m.target_scale = 3.25;
	}
	else if (task != MR_TASK_CLASSIFICATION)
	{
		b->thresholds[0] = 0.25f;
		b->thresholds[1] = 0.5f;
		b->thresholds[2] = 0.875f;
		b->m.thresholds = b->thresholds;
	}
	b->m.n_tokens = 4;
	b->m.tokens = b->tokens;
	b->m.token_len = b->token_len;
	b->m.labels = b->labels;
	b->m.label_len = b->label_len;
	b->m.options_json = "{}";
	b->m.options_len = 2;
	b->m.rows_used = b->m.train_rows = 10;
	b->m.n_epochs = b->m.best_epoch = 1;
	/* a regression has no accuracy */
	b->epoch = (MrEpochLog) {1, 0.4, task == MR_TASK_REGRESSION ? NAN : 0.75, NAN, NAN, 0.01, 10};
	b->m.epochs = &b->epoch;
}

/* Encode b and decode the image; the caller frees *img and *d */
static MrStatus
round_trip(const TaskModel *b, uint8_t **img, size_t *len, MrModel **d, MrError *err)
{
	MrStatus	st;

	memset(err, 0, sizeof(*err));
	*img = NULL;
	*d = NULL;
	if ((st = mr_model_encode(&b->m, &mr_malloc_allocator, img, len, err)) != MR_OK)
		return st;
	return mr_model_decode(*img, *len, &mr_malloc_allocator, d, err);
}

/* Whether the encoder refuses m as inconsistent (an image it wrongly gives is freed) */
static int
encode_refused(const MrModel *m)
{
	uint8_t    *img = NULL;
	size_t		len;
	MrError		err = {0};
	MrStatus	st = mr_model_encode(m, &mr_malloc_allocator, &img, &len, &err);

	if (st == MR_OK)
		free(img);
	return st == MR_EINVAL;
}

/* The TASK section: what round-trips, what the encoder refuses */
static void
check_task_round_trips(void)
{
	TaskModel	b;
	uint8_t    *img;
	size_t		len;
	MrModel    *d;
	MrError		err = {0};

	task_model_init(&b, MR_TASK_MULTILABEL);
	MR_CHECK(round_trip(&b, &img, &len, &d, &err) == MR_OK && img[4] == 4 && img[5] == 0 &&
			 d->version == 4 && img_find_section(img, len, "TASK") != 0,
			 "a multilabel model encodes at format version 4, with a TASK section (%s)", err.detail);
	MR_CHECK(d && d->task == MR_TASK_MULTILABEL && d->cfg.head == MR_HEAD_SIGMOID &&
			 d->cfg.n_classes == 3 && d->loss == 0 && d->target_mean == 0.0 && d->target_scale == 1.0 &&
			 d->thresholds && d->thresholds[0] == 0.25f && d->thresholds[1] == 0.5f &&
			 d->thresholds[2] == 0.875f && mr_vocab_lookup(d->label_index, "b", 1) == 2,
			 "it decodes with its task, sigmoid head, 3 label names and thresholds");
	mr_model_free(d, &mr_malloc_allocator);
	free(img);

	b.m.task = MR_TASK_MULTITASK;
	MR_CHECK(round_trip(&b, &img, &len, &d, &err) == MR_OK && d->task == MR_TASK_MULTITASK &&
			 d->cfg.head == MR_HEAD_SIGMOID && d->thresholds[2] == 0.875f,
			 "a multitask model round-trips as multitask");
	mr_model_free(d, &mr_malloc_allocator);
	free(img);
	b.m.task = MR_TASK_MULTILABEL;

	/* the encoder refuses what the decoder would */
	b.thresholds[1] = 1.0f;
	MR_CHECK(encode_refused(&b.m), "the encoder refuses a threshold of 1");
	b.thresholds[1] = 0.5f;
	b.m.cfg.head = MR_HEAD_SOFTMAX;
	MR_CHECK(encode_refused(&b.m), "and a multilabel model with a softmax head");
	free(b.params);

	task_model_init(&b, MR_TASK_REGRESSION);
	MR_CHECK(round_trip(&b, &img, &len, &d, &err) == MR_OK && img[4] == 4 && d->version == 4,
			 "a regression model encodes at format version 4 (%s)", err.detail);
	MR_CHECK(d && d->task == MR_TASK_REGRESSION && d->cfg.head == MR_HEAD_LINEAR &&
			 d->cfg.n_classes == 1 && d->loss == MR_LOSS_HUBER && d->target_mean == 12.5 &&
			 d->target_scale == 3.25 && d->thresholds == NULL && isnan(d->epochs[0].accuracy) &&
			 d->label_len[0] == 8 && memcmp(d->labels[0], "severity", 8) == 0,
			 "it decodes with its task, linear head, Huber loss, mean and scale, and no accuracy");
	MR_CHECK(d && mr_model_value(d, 2.0f) == 19.0, "its value of an output of 2: 2 * 3.25 + 12.5 = %g",
			 d ? mr_model_value(d, 2.0f) : NAN);
	mr_model_free(d, &mr_malloc_allocator);
	free(img);
	b.m.target_scale = 0.0;
	MR_CHECK(encode_refused(&b.m), "the encoder refuses a target scale of 0");
	b.m.target_scale = 3.25;
	b.m.loss = 2;
	MR_CHECK(encode_refused(&b.m), "and an unknown loss");
	/* the decoder's limit, so that every model written can be read */
	b.m.loss = MR_LOSS_MSE;
	b.m.target_mean = 1e31;
	MR_CHECK(encode_refused(&b.m), "and a target mean beyond +-MR_MAX_TARGET");
	free(b.params);

	task_model_init(&b, MR_TASK_CLASSIFICATION);
	MR_CHECK(round_trip(&b, &img, &len, &d, &err) == MR_OK && img[4] == 1 &&
			 img_find_section(img, len, "TASK") == 0 && d->task == MR_TASK_CLASSIFICATION &&
			 d->cfg.head == MR_HEAD_SOFTMAX,
			 "a classifier still encodes at version 1, without TASK, and decodes with a softmax head");
	mr_model_free(d, &mr_malloc_allocator);
	free(img);
	free(b.params);
}

/* Hostile TASK sections, checksums right: the decoder's own checks refuse them */
static void
check_task_hostile(void)
{
	TaskModel	ml,
				rg;
	uint8_t    *mimg = NULL,
			   *rimg = NULL;
	size_t		mlen = 0,
				rlen = 0,
				mt,
				rt;
	MrError		err = {0};
	const uint8_t zero32[4] = {0, 0, 0, 0};
	const uint8_t one[4] = {1, 0, 0, 0};
	const uint8_t two[4] = {2, 0, 0, 0};
	const uint8_t three[4] = {3, 0, 0, 0};
	const uint8_t nine[4] = {9, 0, 0, 0};
	const uint8_t f_one_half[4] = {0x00, 0x00, 0xc0, 0x3f};	/* 1.5f */
	const uint8_t f_nan[4] = {0x00, 0x00, 0xc0, 0x7f};
	const uint8_t v3[2] = {3, 0};
	uint8_t		d_zero[8],
				d_one[8],
				d_nan[8],
				d_big[8];

	task_model_init(&ml, MR_TASK_MULTILABEL);
	task_model_init(&rg, MR_TASK_REGRESSION);
	if (mr_model_encode(&ml.m, &mr_malloc_allocator, &mimg, &mlen, &err) != MR_OK ||
		mr_model_encode(&rg.m, &mr_malloc_allocator, &rimg, &rlen, &err) != MR_OK)
	{
		MR_CHECK(0, "encode the images to corrupt (%s)", err.detail);
		goto done;
	}
	img_put_f64(d_zero, 0.0);
	img_put_f64(d_one, 1.0);
	img_put_f64(d_nan, NAN);
	img_put_f64(d_big, 1e31);			/* finite, but past the decoder's 1e30 */
	mt = img_find_section(mimg, mlen, "TASK");
	rt = img_find_section(rimg, rlen, "TASK");

	/* TASK: u32 task, u32 loss, f64 mean, f64 scale, then K f32 thresholds */
	img_expect_patch_refused(mimg, mlen, mt, zero32, 4, MR_ECORRUPT, "task 0 (classification) in a TASK section");
	img_expect_patch_refused(mimg, mlen, mt, nine, 4, MR_ECORRUPT, "task 9");
	img_expect_patch_refused(mimg, mlen, mt + 24, zero32, 4, MR_ENONFINITE, "a threshold of 0");
	img_expect_patch_refused(mimg, mlen, mt + 28, f_one_half, 4, MR_ENONFINITE, "a threshold of 1.5");
	img_expect_patch_refused(mimg, mlen, mt + 32, f_nan, 4, MR_ENONFINITE, "a NaN threshold");
	img_expect_patch_refused(mimg, mlen, mt + 8, d_one, 8, MR_ECORRUPT, "a multilabel model with a target mean of 1");
	img_expect_patch_refused(mimg, mlen, mt + 4, one, 4, MR_ECORRUPT, "a multilabel model with the Huber loss");
	/* a linear head of 3 outputs */
	img_expect_patch_refused(mimg, mlen, mt, three, 4, MR_EDIMS, "a multilabel image relabelled a regression");
	img_expect_resize_refused(mimg, mlen, "TASK", 4, MR_ECORRUPT, "a fourth threshold for 3 labels");
	img_expect_resize_refused(mimg, mlen, "TASK", -4, MR_ECORRUPT, "2 thresholds for 3 labels");

	img_expect_patch_refused(rimg, rlen, rt + 16, d_zero, 8, MR_ENONFINITE, "a target scale of 0");
	img_expect_patch_refused(rimg, rlen, rt + 16, d_nan, 8, MR_ENONFINITE, "a NaN target scale");
	img_expect_patch_refused(rimg, rlen, rt + 8, d_nan, 8, MR_ENONFINITE, "a NaN target mean");
	img_expect_patch_refused(rimg, rlen, rt + 8, d_big, 8, MR_ENONFINITE, "a target mean of 1e31");
	img_expect_patch_refused(rimg, rlen, rt + 4, two, 4, MR_ECORRUPT, "regression loss 2");
	/* its loss, mean and scale are a regression's */
	img_expect_patch_refused(rimg, rlen, rt, one, 4, MR_ECORRUPT, "a regression image relabelled multilabel");
	img_expect_resize_refused(rimg, rlen, "TASK", 4, MR_ECORRUPT, "a regression TASK with thresholds");
	img_expect_resize_refused(rimg, rlen, "TASK", -4, MR_ETRUNCATED, "a regression TASK cut short");

	/* TASK came with version 4 */
	img_expect_patch_refused(rimg, rlen, 4, v3, 2, MR_ECORRUPT, "a version-3 image with a TASK section");
done:
	free(mimg);
	free(rimg);
	free(ml.params);
	free(rg.params);
}

/* ----------------------------------------------------------------------
 * mr_fit
 * ---------------------------------------------------------------------- */

#define FIT_ROWS 48

/* Rows of text whose labels are encoded by hand (they may hold NULs) */
typedef struct LabelRows
{
	char		text[FIT_ROWS][48];
	char		label[FIT_ROWS][24];
	size_t		label_len[FIT_ROWS];
	int			n;
	int			pos;
} LabelRows;

static void
label_rows_next(MrRow *row, void *state)
{
	LabelRows  *r = state;
	int			i = r->pos++;

	if (i >= r->n)
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->kind = MR_ROW_TEXT;
	row->text = r->text[i];
	row->len = strlen(r->text[i]);
	row->label = r->label[i];
	row->label_len = r->label_len[i];
}

static void
set_label(LabelRows *r, int i, const char *label)
{
	r->label_len[i] = strlen(label);
	memcpy(r->label[i], label, r->label_len[i]);
}

/* Append a multi-label entry: value '1' or '0', name, NUL */
static void
add_entry(LabelRows *r, int i, char value, const char *name)
{
	char	   *p = r->label[i] + r->label_len[i];

	p[0] = value;
	memcpy(p + 1, name, strlen(name) + 1);
	r->label_len[i] += strlen(name) + 2;
}

/* What a fit said (its NOTICEs, one a line) and how it trained */
typedef struct FitSeen
{
	char		text[4096];
	float		huber_delta;	/* training's */
} FitSeen;

static void
collect_notice(int level, const MrError *msg, void *state)
{
	FitSeen    *s = state;
	size_t		used = strlen(s->text);

	snprintf(s->text + used, sizeof(s->text) - used, "%s\n", msg->message);
}

static void
collect_start(const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data, void *state)
{
	FitSeen    *s = state;

	s->huber_delta = tc->huber_delta;
}

/*
 * Fit the rows as task, with the counting allocator; *clean says whether
 * everything but the image was released
 */
static MrStatus
fit_rows(LabelRows *r, int task, const char *options, FitSeen *seen, uint8_t **img, size_t *len,
		 MrError *err, int *clean)
{
	MrArena		ar;
	MrFitSpec	spec;
	MrFitHooks	hooks = {NULL, collect_notice, collect_start, NULL, seen};
	MrRowSource src = {label_rows_next, r};
	MrJson	   *json;
	MrStatus	st;

	memset(&spec, 0, sizeof(spec));
	memset(seen, 0, sizeof(*seen));
	*clean = 0;
	r->pos = 0;
	mr_arena_init(&ar, &mr_malloc_allocator);
	if (mr_json_parse(options, strlen(options), &ar.allocator, &json, err) != MR_OK ||
		mr_options_parse(&spec.options, json, NULL, &ar.allocator, err) != MR_OK)
	{
		mr_arena_free(&ar);
		return MR_ESYNTAX;		/* the test's own options are wrong */
	}
	spec.source = MR_SOURCE_TEXT;
	spec.relation = "visits";
	spec.input_column = "note";
	spec.label_column = "severity";
	spec.task = task;
	spec.threads = 1;
	spec.created_at = 1700000000.0;
	live_blocks = 0;
	st = mr_fit(&spec, &src, &hooks, &counting, img, len, err);
	*clean = live_blocks == (st == MR_OK ? 1 : 0);
	mr_arena_free(&ar);
	return st;
}

/* A decoded copy of a fitted image (from malloc), which is freed */
static MrModel *
decode_fitted(uint8_t *img, size_t len, MrError *err)
{
	MrModel    *m = NULL;

	if (img && mr_model_decode(img, len, &mr_malloc_allocator, &m, err) != MR_OK)
		m = NULL;
	mr_free(&counting, img);
	return m;
}

/*
 * Regression: the label is the count of "a" among four tokens, written
 * as "3" or "3.0"; a NaN and an infinite label are skipped
 */
static void
check_fit_regression(void)
{
	LabelRows  *r = calloc(1, sizeof(LabelRows));
	FitSeen		seen;
	MrError		err = {0};
	uint8_t    *img = NULL;
	size_t		len = 0;
	MrModel    *m;
	int			clean;
	int			n_used = 40;
	double		sum = 0.0,
				ss = 0.0,
				sq_err = 0.0,
				mean,
				var;
	const char *opts = "{\"epochs\": 40, \"hidden\": 8, \"embed_dim\": 4, \"maxlen\": 4, "
		"\"batch_size\": 8, \"learning_rate\": 0.02, \"seed\": 3, \"loss\": \"huber\"}";

	for (int i = 0; i < n_used; i++)
	{
		int			c = i % 5;
		char		value[16];

		/* c "a" and 4 - c "b", rotated so the a's are not always first */
		for (int k = 0; k < 4; k++)
			strcat(r->text[i], (k + i) % 4 < c ? "a " : "b ");
		snprintf(value, sizeof(value), i % 2 ? "%d" : "%d.0", c);
		set_label(r, i, value);
		sum += c;
	}
	mean = sum / n_used;
	for (int i = 0; i < n_used; i++)
		ss += (i % 5 - mean) * (i % 5 - mean);
	var = ss / n_used;
	strcpy(r->text[40], "a a b b");
	set_label(r, 40, "NaN");
	strcpy(r->text[41], "a b b b");
	set_label(r, 41, "-Infinity");
	r->n = 42;

	MR_CHECK(fit_rows(r, MR_TASK_REGRESSION, opts, &seen, &img, &len, &err, &clean) == MR_OK && clean,
			 "fit a regression whose NaN and infinite labels are skipped, not errors (%s)", err.detail);
	MR_CHECK(strstr(seen.text, "skipped 2 of 42 rows whose label is NaN or infinite") != NULL,
			 "a NOTICE counts the 2 skipped rows");
	MR_CHECK(seen.huber_delta == MR_HUBER_DELTA, "it trains with Huber's loss, delta %g", seen.huber_delta);
	m = decode_fitted(img, len, &err);
	MR_CHECK(m && m->task == MR_TASK_REGRESSION && m->cfg.head == MR_HEAD_LINEAR &&
			 m->cfg.n_classes == 1 && m->loss == MR_LOSS_HUBER && m->rows_used == 40 &&
			 m->rows_skipped == 2 && m->label_len[0] == 8 && memcmp(m->labels[0], "severity", 8) == 0,
			 "the model is a Huber regression of 40 rows (2 skipped), named after its label column");
	MR_CHECK(m && near(m->target_mean, mean, 1e-12) && near(m->target_scale, sqrt(var), 1e-12),
			 "its target mean and scale are the labels' mean and population std (%g, %g)",
			 m ? m->target_mean : NAN, m ? m->target_scale : NAN);
	if (m)
	{
		MrPredictor *p = NULL;
		int			ok = mr_predictor_new(m, &mr_malloc_allocator, &p) == MR_OK;

		for (int i = 0; ok && i < n_used; i++)
		{
			const float *out;

			ok = mr_predict_text(p, r->text[i], strlen(r->text[i]), &out, &err) == MR_OK;
			if (ok)
				sq_err += pow(mr_model_value(m, out[0]) - i % 5, 2);
		}
		MR_CHECK(ok && sq_err / n_used < 0.1 * var,
				 "its predictions in label units explain the counts: MSE %.4f, variance %.4f",
				 sq_err / n_used, var);
		mr_predictor_free(p);
		mr_model_free(m, &mr_malloc_allocator);
	}

	set_label(r, 7, "abc");
	MR_CHECK(fit_rows(r, MR_TASK_REGRESSION, opts, &seen, &img, &len, &err, &clean) == MR_EINVAL &&
			 strcmp(err.message, "label \"abc\" is not a number") == 0 && img == NULL && clean,
			 "a label that is not a number is MR_EINVAL, and nothing is left allocated (%s)", err.message);
	set_label(r, 7, "2e31");
	MR_CHECK(fit_rows(r, MR_TASK_REGRESSION, opts, &seen, &img, &len, &err, &clean) == MR_EDATA &&
			 img == NULL && clean,
			 "a label beyond the format's 1e30 is refused before training, not in a model that cannot load (%s)",
			 err.message);
	free(r);
}

/*
 * Multilabel: a row has "x" when it mentions fever, "y" for cough and "Z"
 * for rash; rows with none have the empty set
 */
static void
check_fit_multilabel(void)
{
	static const char *const words[3] = {"fever", "cough", "rash"};
	static const char *const names[3] = {"x", "y", "Z"};
	static const char *const order[3] = {"Z", "x", "y"};
	LabelRows  *r = calloc(1, sizeof(LabelRows));
	FitSeen		seen;
	MrError		err = {0};
	uint8_t    *img = NULL;
	size_t		len = 0;
	MrModel    *m;
	int			clean;
	const char *opts = "{\"epochs\": 30, \"hidden\": 8, \"embed_dim\": 4, \"maxlen\": 6, "
		"\"batch_size\": 8, \"learning_rate\": 0.02, \"seed\": 3, \"validation_split\": 0.25}";

	r->n = 40;
	for (int i = 0; i < r->n; i++)
	{
		strcpy(r->text[i], "patient");
		for (int k = 0; k < 3; k++)
			if (i & (1 << k))
			{
				strcat(r->text[i], " ");
				strcat(r->text[i], words[k]);
				add_entry(r, i, '1', names[k]);
			}
			else if (i % 3 == 0)
				add_entry(r, i, '0', names[k]);	/* a negative said out loud */
		strcat(r->text[i], " today");
	}
	MR_CHECK(fit_rows(r, MR_TASK_MULTILABEL, opts, &seen, &img, &len, &err, &clean) == MR_OK && clean,
			 "fit a multilabel model with a validation split (%s)", err.detail);
	MR_CHECK(strstr(seen.text, "3 rows have an empty label set") != NULL,
			 "a NOTICE counts the rows with an empty set (rows 8, 16 and 32 say no label at all)");
	m = decode_fitted(img, len, &err);
	if (!m)
	{
		MR_CHECK(0, "decode the multilabel model (%s)", err.detail);
		free(r);
		return;
	}
	{
		int			ok = m->task == MR_TASK_MULTILABEL && m->cfg.head == MR_HEAD_SIGMOID &&
			m->cfg.n_classes == 3 && m->val_rows == 10 && m->train_rows == 30;

		for (int k = 0; ok && k < 3; k++)
			ok = m->label_len[k] == 1 && m->labels[k][0] == order[k][0];
		MR_CHECK(ok, "K = 3 labels in byte order (Z x y), 10 of 40 rows held out");
	}
	MR_CHECK(m->thresholds[0] > 0.0f && m->thresholds[0] < 1.0f &&
			 m->thresholds[1] > 0.0f && m->thresholds[1] < 1.0f &&
			 m->thresholds[2] > 0.0f && m->thresholds[2] < 1.0f,
			 "each label's threshold lies in (0, 1): %g %g %g",
			 m->thresholds[0], m->thresholds[1], m->thresholds[2]);
	/* every label has positives and negatives among the held-out rows */
	MR_CHECK(m->thresholds[0] != 0.5f && m->thresholds[1] != 0.5f && m->thresholds[2] != 0.5f,
			 "and was chosen on the held-out rows, not left at the default 0.5");
	{
		MrPredictor *p = NULL;
		int			right = 0,
					false_pos = 0,
					ok = mr_predictor_new(m, &mr_malloc_allocator, &p) == MR_OK;

		/* output k is label order[k]: Z rash (bit 2), x fever (bit 0), y cough (bit 1) */
		for (int i = 0; ok && i < r->n; i++)
		{
			static const int bit[3] = {2, 0, 1};
			const float *prob;
			int			all = 1;

			ok = mr_predict_text(p, r->text[i], strlen(r->text[i]), &prob, &err) == MR_OK;
			for (int k = 0; ok && k < 3; k++)
			{
				int			has = (i >> bit[k]) & 1;

				all &= (prob[k] >= 0.5f) == has;
				false_pos += !has && prob[k] >= m->thresholds[k];
			}
			right += ok && all;
		}
		MR_CHECK(ok && right == 40, "the labels are independent and learnt: right at 0.5 on %d of 40 rows", right);
		MR_CHECK(ok && false_pos == 0, "no row reaches the threshold of a label it lacks (%d do)", false_pos);
		mr_predictor_free(p);
	}
	mr_model_free(m, &mr_malloc_allocator);

	r->label[5][0] = '2';
	MR_CHECK(fit_rows(r, MR_TASK_MULTILABEL, opts, &seen, &img, &len, &err, &clean) == MR_EINVAL &&
			 img == NULL && clean,
			 "a malformed multi-label target is MR_EINVAL (%s)", err.detail);
	free(r);
}

/* Multitask: rows that know no label are skipped */
static void
check_fit_multitask(void)
{
	LabelRows  *r = calloc(1, sizeof(LabelRows));
	FitSeen		seen;
	MrError		err = {0};
	uint8_t    *img = NULL;
	size_t		len = 0;
	MrModel    *m;
	int			clean;

	r->n = 40;
	for (int i = 0; i < r->n; i++)
	{
		snprintf(r->text[i], sizeof(r->text[i]), "assay %s run %d", i % 3 ? "positive" : "negative", i % 5);
		if (i % 4 == 0)
			continue;			/* {}: no label known */
		add_entry(r, i, i % 3 ? '1' : '0', "tox");
		if (i % 2)
			add_entry(r, i, i % 5 ? '1' : '0', "binds");
	}
	MR_CHECK(fit_rows(r, MR_TASK_MULTITASK, "{\"epochs\": 2, \"hidden\": 4, \"embed_dim\": 4, \"maxlen\": 4}",
					  &seen, &img, &len, &err, &clean) == MR_OK && clean,
			 "fit a multitask model whose rows know some labels, or none (%s)", err.detail);
	MR_CHECK(strstr(seen.text, "skipped 10 of 40 rows that know none of their labels") != NULL,
			 "a NOTICE counts the 10 rows skipped");
	m = decode_fitted(img, len, &err);
	MR_CHECK(m && m->task == MR_TASK_MULTITASK && m->rows_used == 30 && m->rows_skipped == 10 &&
			 m->cfg.n_classes == 2 &&
			 m->label_len[0] == 5 && memcmp(m->labels[0], "binds", 5) == 0 &&
			 m->label_len[1] == 3 && memcmp(m->labels[1], "tox", 3) == 0,
			 "the model trained on the 30 others (10 skipped), on the labels binds and tox");
	mr_model_free(m, &mr_malloc_allocator);
	free(r);
}

void
test_targets(void)
{
	check_head_gradients();
	check_hand_losses();
	check_unknown_rows();
	check_parse_value();
	check_multi_encoding();
	check_build_regression();
	check_build_multi();
	check_task_round_trips();
	check_task_hostile();
	check_fit_regression();
	check_fit_multilabel();
	check_fit_multitask();
}
