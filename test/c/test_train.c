/*
 * test_train.c
 *	  The training loop end to end on a small synthetic task: it learns,
 *	  the same seed reproduces the weights bit for bit, the validation split
 *	  is stratified, early stopping keeps the best epoch, hooks cancel, and
 *	  failures (no memory, a NaN input) come back as statuses.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_train.h"
#include "mr_test.h"

enum
{
	N = 300, T = 12, V = 30, K = 3
};

typedef struct Task
{
	int32_t		ids[N * T];
	int32_t		lengths[N];
	int32_t		labels[N];
	MrDataset	data;
} Task;

/* Class c is marked by keyword 3+c somewhere in a row of random filler */
static void
make_task(Task *task, uint64_t seed, int noise_labels)
{
	MrRng		rng;

	mr_rng_seed(&rng, seed);
	for (int i = 0; i < N; i++)
	{
		int			c = (int) mr_rng_below(&rng, K);
		int			L = 4 + (int) mr_rng_below(&rng, T - 3);

		for (int t = 0; t < T; t++)
			task->ids[i * T + t] = t < T - L ? 0 : 6 + (int) mr_rng_below(&rng, V - 6);
		task->ids[i * T + T - 1 - (int) mr_rng_below(&rng, L)] = 3 + c;
		task->lengths[i] = L;
		task->labels[i] = noise_labels ? (int) mr_rng_below(&rng, K) : c;
	}
	task->data = (MrDataset) {N, T, 0, task->ids, NULL, task->lengths, task->labels};
}

/* The same rows with their real steps first, for a masked network */
static void
make_post(const Task *pre, Task *post)
{
	*post = *pre;
	for (int i = 0; i < N; i++)
	{
		int			L = pre->lengths[i];

		for (int t = 0; t < T; t++)
			post->ids[i * T + t] = t < L ? pre->ids[i * T + T - L + t] : 0;
	}
	post->data = (MrDataset) {N, T, 0, post->ids, NULL, post->lengths, post->labels};
}

static int
compare_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

/*
 * Length buckets: every row once, every batch once, the same seed the same
 * batches, and batches whose longest rows add up to less than unbucketed
 */
static void
check_buckets(const Task *task)
{
	enum
	{
		BB = 7
	};
	int64_t		idx[N],
				idx2[N],
				shuffled[N],
				tmp[N],
				starts[N / BB + 1],
				starts2[N / BB + 1];
	int64_t		nb,
				nb2;
	long		steps_plain = 0,
				steps_bucketed = 0;
	int			ok = 1;
	MrRng		rng;

	mr_rng_seed(&rng, 4);
	for (int i = 0; i < N; i++)
		shuffled[i] = i;
	for (int i = N - 1; i > 0; i--)
	{
		int64_t		j = (int64_t) mr_rng_below(&rng, (uint64_t) i + 1),
					t = shuffled[i];

		shuffled[i] = shuffled[j];
		shuffled[j] = t;
	}
	memcpy(idx, shuffled, sizeof(idx));
	memcpy(idx2, shuffled, sizeof(idx));
	mr_rng_seed(&rng, 5);
	nb = mr_bucket_batches(idx, N, &task->data, NULL, BB, &rng, starts, tmp);
	mr_rng_seed(&rng, 5);
	nb2 = mr_bucket_batches(idx2, N, &task->data, NULL, BB, &rng, starts2, tmp);
	MR_CHECK(nb == (N + BB - 1) / BB && nb == nb2 && memcmp(idx, idx2, sizeof(idx)) == 0 &&
			 memcmp(starts, starts2, sizeof(int64_t) * nb) == 0,
			 "buckets: %lld batches of %d, the same for the same seed", (long long) nb, BB);
	memcpy(idx2, idx, sizeof(idx));
	qsort(idx2, N, sizeof(int64_t), compare_i64);
	for (int i = 0; i < N; i++)
		ok &= idx2[i] == i;
	memcpy(tmp, starts, sizeof(int64_t) * nb);
	qsort(tmp, nb, sizeof(int64_t), compare_i64);
	for (int64_t k = 0; k < nb; k++)
		ok &= tmp[k] == k * BB;
	MR_CHECK(ok, "buckets: every row in exactly one batch, every batch run once");
	for (int64_t k = 0; k < nb; k++)
	{
		int			longest = 0,
					longest_plain = 0;

		for (int64_t i = k * BB; i < k * BB + BB && i < N; i++)
		{
			if (task->lengths[idx[i]] > longest)
				longest = task->lengths[idx[i]];
			if (task->lengths[shuffled[i]] > longest_plain)
				longest_plain = task->lengths[shuffled[i]];
		}
		steps_bucketed += longest;
		steps_plain += longest_plain;
	}
	MR_CHECK(steps_bucketed * 10 < steps_plain * 8,
			 "buckets: batches run %ld steps in all, against %ld unbucketed", steps_bucketed, steps_plain);
	{
		int			shuffled_batches = 0;

		for (int64_t k = 1; k < nb; k++)
			shuffled_batches += starts[k] != starts[k - 1] + BB;
		MR_CHECK(shuffled_batches > nb / 2, "buckets: the batches run in a shuffled order");
	}
}

static const MrNetConfig small_cfg = {.vocab_size = V, .embed_dim = 8, .maxlen = T,
.padding = MR_PAD_PRE, .n_layers = 1, .hidden = {16}, .pooling = MR_POOL_LAST, .n_classes = K};

static MrTrainConfig
default_tc(void)
{
	MrTrainConfig tc;

	memset(&tc, 0, sizeof(tc));
	tc.epochs = 8;
	tc.batch_size = 16;
	tc.adam = (MrAdam) {0.01f, 0.9f, 0.999f, 1e-7f};
	tc.seed = 5;
	return tc;
}

typedef struct Trained
{
	MrNet		net;
	float	   *params;
	MrTrainResult res;
	MrStatus	st;
	MrError		err;
} Trained;

static void
train(Trained *tr, const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data,
	  const MrTrainHooks *hooks, const MrAllocator *a)
{
	size_t		n;

	mr_net_param_count(cfg, &n);
	tr->params = calloc(n, sizeof(float));
	mr_net_bind(&tr->net, cfg, tr->params, n);
	memset(&tr->err, 0, sizeof(tr->err));
	tr->st = mr_train(&tr->net, data, tc, hooks, a, &tr->res, &tr->err);
}

static void
trained_free(Trained *tr, const MrAllocator *a)
{
	free(tr->params);
	mr_free(a, tr->res.epochs);
}

static int	stop_after;
static int
stop_hook(void *state)
{
	return --stop_after < 0;
}

/* Allocator that fails from the n-th allocation on, and counts live blocks */
static int	alloc_budget;
static int	live_blocks;
static void *
failing_alloc(size_t size, void *state)
{
	if (alloc_budget-- <= 0)
		return NULL;
	live_blocks++;
	return malloc(size);
}
static void
counting_free(void *p, void *state)
{
	live_blocks--;
	free(p);
}

/* Allocator that remembers the largest block asked for */
static size_t largest_block;
static void *
sizing_alloc(size_t size, void *state)
{
	if (size > largest_block)
		largest_block = size;
	return malloc(size);
}
static void
sizing_free(void *p, void *state)
{
	free(p);
}

void
test_train(void)
{
	static Task task,
				noisy;
	Trained		a,
				b;
	MrTrainConfig tc = default_tc();

	make_task(&task, 1, 0);
	train(&a, &small_cfg, &tc, &task.data, NULL, &mr_malloc_allocator);
	MR_CHECK(a.st == MR_OK, "training runs (%s)", a.err.detail);
	MR_CHECK(a.res.n_epochs == 8 && a.res.epochs[7].accuracy > 0.9 &&
			 a.res.epochs[7].loss < a.res.epochs[0].loss,
			 "the keyword task is learned: loss %.3f -> %.3f, accuracy %.3f",
			 a.res.epochs[0].loss, a.res.epochs[7].loss, a.res.epochs[7].accuracy);

	train(&b, &small_cfg, &tc, &task.data, NULL, &mr_malloc_allocator);
	MR_CHECK(b.st == MR_OK && memcmp(a.params, b.params, sizeof(float) * a.net.n_params) == 0,
			 "the same seed gives bit-identical weights");
	trained_free(&b, &mr_malloc_allocator);
	tc.seed = 6;
	train(&b, &small_cfg, &tc, &task.data, NULL, &mr_malloc_allocator);
	MR_CHECK(memcmp(a.params, b.params, sizeof(float) * a.net.n_params) != 0,
			 "another seed gives other weights");
	trained_free(&b, &mr_malloc_allocator);

	/* two workers share each batch: still learns, reproducible for that count */
	{
		Trained		c,
					d;
		MrTrainConfig tc2 = default_tc();
		double		maxdiff = 0.0;

		tc2.threads = 2;
		tc2.dropout.input = 0.1f;
		train(&c, &small_cfg, &tc2, &task.data, NULL, &mr_malloc_allocator);
		train(&d, &small_cfg, &tc2, &task.data, NULL, &mr_malloc_allocator);
		MR_CHECK(c.st == MR_OK && c.res.epochs[7].accuracy > 0.9,
				 "two workers learn the task (accuracy %.3f)", c.res.epochs[7].accuracy);
		MR_CHECK(memcmp(c.params, d.params, sizeof(float) * c.net.n_params) == 0,
				 "two workers give bit-identical weights run after run");
		trained_free(&c, &mr_malloc_allocator);
		trained_free(&d, &mr_malloc_allocator);
		/* without dropout, one and two workers compute the same gradients up to rounding */
		tc2.dropout.input = 0.0f;
		tc2.epochs = 1;
		tc2.threads = 2;
		train(&c, &small_cfg, &tc2, &task.data, NULL, &mr_malloc_allocator);
		tc2.threads = 1;
		train(&d, &small_cfg, &tc2, &task.data, NULL, &mr_malloc_allocator);
		for (size_t i = 0; i < c.net.n_params; i++)
			if (fabs(c.params[i] - d.params[i]) > maxdiff)
				maxdiff = fabs(c.params[i] - d.params[i]);
		MR_CHECK(maxdiff < 1e-3, "one epoch with 2 workers matches 1 worker to rounding (max diff %.2g)", maxdiff);
		trained_free(&c, &mr_malloc_allocator);
		trained_free(&d, &mr_malloc_allocator);
	}
	trained_free(&a, &mr_malloc_allocator);

	/* masked: rows with their real steps first, batches by length */
	{
		static Task post;
		MrNetConfig mcfg = small_cfg;
		Trained		m2;

		make_post(&task, &post);
		check_buckets(&post);
		mcfg.padding = MR_PAD_POST;
		mcfg.mask = 1;
		tc = default_tc();
		train(&a, &mcfg, &tc, &post.data, NULL, &mr_malloc_allocator);
		MR_CHECK(a.st == MR_OK && a.res.epochs[7].accuracy > 0.9,
				 "masked: the keyword task is learned (accuracy %.3f)", a.st == MR_OK ? a.res.epochs[7].accuracy : 0.0);
		train(&m2, &mcfg, &tc, &post.data, NULL, &mr_malloc_allocator);
		MR_CHECK(m2.st == MR_OK && memcmp(a.params, m2.params, sizeof(float) * a.net.n_params) == 0,
				 "masked: the same seed gives the same weights, bit for bit");
		trained_free(&m2, &mr_malloc_allocator);
		tc.threads = 2;
		tc.validation_split = 0.2f;
		train(&m2, &mcfg, &tc, &post.data, NULL, &mr_malloc_allocator);
		MR_CHECK(m2.st == MR_OK && m2.res.epochs[7].val_accuracy > 0.85,
				 "masked: two workers and a validation split (val accuracy %.3f)",
				 m2.st == MR_OK ? m2.res.epochs[7].val_accuracy : 0.0);
		trained_free(&m2, &mr_malloc_allocator);
		trained_free(&a, &mr_malloc_allocator);
	}

	/* stratified split: each class gives round(0.2 n_c) rows */
	{
		int64_t		tr_idx[N],
					va_idx[N];
		int64_t		n_val = mr_stratified_split(task.labels, N, K, 0.2f, 1, tr_idx, va_idx,
												&mr_malloc_allocator);
		int			per_class[K] = {0},
					total[K] = {0},
					ok = 1;

		for (int i = 0; i < N; i++)
			total[task.labels[i]]++;
		for (int64_t i = 0; i < n_val; i++)
			per_class[task.labels[va_idx[i]]]++;
		for (int c = 0; c < K; c++)
			ok &= per_class[c] == (int) floor(0.2 * total[c] + 0.5);
		MR_CHECK(ok && n_val > 0, "validation split is stratified (%lld rows held out)", (long long) n_val);
	}

	/* early stopping on random labels: val loss rises, best weights come back */
	make_task(&noisy, 2, 1);
	tc = default_tc();
	tc.epochs = 40;
	tc.validation_split = 0.25f;
	tc.patience = 2;
	tc.adam.lr = 0.03f;
	train(&a, &small_cfg, &tc, &noisy.data, NULL, &mr_malloc_allocator);
	MR_CHECK(a.st == MR_OK && a.res.stopped_early && a.res.n_epochs < 40 &&
			 a.res.n_epochs - a.res.best_epoch == 2,
			 "early stopping ends %d epochs after the best (best %d, ran %d)",
			 tc.patience, a.res.best_epoch, a.res.n_epochs);
	{
		/* re-evaluating the kept weights reproduces the best epoch's val loss */
		MrTrainConfig eval_tc = tc;
		int64_t		tr_idx[N],
					va_idx[N];
		int64_t		n_val = mr_stratified_split(noisy.labels, N, K, 0.25f, tc.seed, tr_idx, va_idx,
												&mr_malloc_allocator);
		MrActs	   *acts;
		double		sum = 0.0;

		(void) eval_tc;
		mr_acts_new(&small_cfg, 1, 0, &mr_malloc_allocator, &acts);
		for (int64_t i = 0; i < n_val; i++)
		{
			int64_t		r = va_idx[i];
			MrBatch		batch = {1, noisy.ids + r * T, NULL, noisy.lengths + r};

			mr_net_embed(&a.net, &batch, acts);
			mr_net_forward(&a.net, &batch, acts, NULL, NULL);
			sum += mr_net_loss(acts, K, noisy.labels + r, NULL, NULL, 1);
		}
		MR_CHECK(fabs(sum / n_val - a.res.epochs[a.res.best_epoch - 1].val_loss) < 1e-4,
				 "the kept weights are the best epoch's (val loss %.5f vs %.5f)",
				 sum / n_val, a.res.epochs[a.res.best_epoch - 1].val_loss);
		free(acts);
	}
	trained_free(&a, &mr_malloc_allocator);

	/* dropout, class weights and L2 still learn */
	{
		float		cw[K] = {1.0f, 2.0f, 0.5f};

		tc = default_tc();
		tc.epochs = 10;
		tc.dropout.input = 0.2f;
		tc.dropout.recurrent = 0.2f;
		tc.l2 = 1e-4f;
		tc.class_weight = cw;
		tc.clip_norm = 1.0f;
		train(&a, &small_cfg, &tc, &task.data, NULL, &mr_malloc_allocator);
		MR_CHECK(a.st == MR_OK && a.res.epochs[9].accuracy > 0.8,
				 "dropout, class weights, L2 and clipping train (accuracy %.3f)",
				 a.res.epochs[9].accuracy);
		trained_free(&a, &mr_malloc_allocator);
	}

	/* a hook stops training */
	{
		MrTrainHooks hooks = {stop_hook, NULL, NULL, NULL};

		tc = default_tc();
		stop_after = 5;
		train(&a, &small_cfg, &tc, &task.data, &hooks, &mr_malloc_allocator);
		MR_CHECK(a.st == MR_ECANCELED, "a hook cancels training");
		trained_free(&a, &mr_malloc_allocator);
	}

	/* a NaN input makes the loss NaN: reported, not trained on */
	{
		MrNetConfig fcfg = {.n_features = 2, .maxlen = 3, .n_layers = 1, .hidden = {4}, .n_classes = 2};
		float		feats[4 * 3 * 2];
		int32_t		lens[4] = {3, 3, 3, 3},
					labs[4] = {0, 1, 0, 1};
		MrDataset	d = {4, 3, 2, NULL, feats, lens, labs};

		for (int i = 0; i < 24; i++)
			feats[i] = (float) i;
		feats[5] = NAN;
		tc = default_tc();
		train(&a, &fcfg, &tc, &d, NULL, &mr_malloc_allocator);
		MR_CHECK(a.st == MR_EDIVERGED, "a NaN loss is MR_EDIVERGED (%s)", a.err.detail);
		trained_free(&a, &mr_malloc_allocator);
	}

	/* every allocation failure is a clean MR_ENOMEM with nothing leaked */
	{
		int			ok = 1;

		tc = default_tc();
		tc.epochs = 1;
		tc.validation_split = 0.2f;
		tc.patience = 1;
		for (int budget = 0; budget < 20; budget++)
		{
			MrAllocator fa = {failing_alloc, counting_free, NULL};

			alloc_budget = budget;
			live_blocks = 0;
			train(&a, &small_cfg, &tc, &task.data, NULL, &fa);
			if (a.st == MR_OK)
			{
				mr_free(&fa, a.res.epochs);
				free(a.params);
				break;
			}
			ok &= a.st == MR_ENOMEM && live_blocks == (a.res.epochs ? 1 : 0);
			mr_free(&fa, a.res.epochs);
			free(a.params);
		}
		MR_CHECK(ok, "allocation failures are MR_ENOMEM and leak nothing");
	}

	/*
	 * mr_train_memory is exact: the training state is one block of the size
	 * it gives less the epoch log, whatever the threads, dropout, early
	 * stopping and variants
	 */
	for (int variant = 0; variant < 6; variant++)
	{
		MrAllocator sa = {sizing_alloc, sizing_free, NULL};
		size_t		estimate = 0;
		static Task post;
		MrNetConfig cfg = small_cfg;
		const MrDataset *data = &task.data;

		tc = default_tc();
		tc.epochs = 1;
		tc.threads = variant & 1 ? 2 : 1;
		tc.batch_size = 7;
		if (variant & 2)
		{
			tc.dropout = (MrDropout) {0.2f, 0.1f};
			tc.validation_split = 0.2f;
			tc.patience = 1;
		}
		if (variant >= 4)
		{
			/* masked: activations for the longest row (12 steps of 12) */
			make_post(&task, &post);
			cfg.padding = MR_PAD_POST;
			cfg.mask = 1;
			data = &post.data;
		}
		largest_block = 0;
		MR_CHECK(mr_train_memory(&cfg, &tc, data, &estimate) == MR_OK,
				 "mr_train_memory answers");
		train(&a, &cfg, &tc, data, NULL, &sa);
		MR_CHECK(a.st == MR_OK && largest_block == estimate - sizeof(MrEpochLog) * tc.epochs,
				 "threads %d, %s%s: the training state is the %zu bytes mr_train_memory counts (largest block %zu)",
				 tc.threads, variant & 2 ? "dropout and early stopping" : "plain",
				 variant >= 4 ? ", masked" : "",
				 estimate - sizeof(MrEpochLog) * tc.epochs, largest_block);
		trained_free(&a, &sa);
	}

	/* a masked network's state follows its longest row, not maxlen */
	{
		enum
		{
			NM = 20, TM = 400
		};
		static int32_t ids[NM * TM],
					lens[NM],
					labs[NM];
		MrDataset	d = {NM, TM, 0, ids, NULL, lens, labs};
		MrNetConfig cfg = small_cfg;
		size_t		plain = 0,
					masked = 0;

		for (int i = 0; i < NM; i++)
		{
			lens[i] = 5 + i % 8;
			labs[i] = i % K;
			for (int t = 0; t < lens[i]; t++)
				ids[i * TM + t] = 1 + (i + t) % (V - 1);
		}
		cfg.maxlen = TM;
		tc = default_tc();
		mr_train_memory(&cfg, &tc, &d, &plain);
		cfg.padding = MR_PAD_POST;
		cfg.mask = 1;
		mr_train_memory(&cfg, &tc, &d, &masked);
		MR_CHECK(masked * 10 < plain,
				 "masked: rows of at most 12 steps at maxlen 400 need %zu bytes of training state, not %zu",
				 masked, plain);
	}
}
