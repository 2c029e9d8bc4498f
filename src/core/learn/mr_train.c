/*
 * mr_train.c
 *	  Mini-batch training of an MrNet (see mr_train.h).
 *
 * With tc->threads > 1 each batch is split between that many workers
 * (data parallelism): each runs forward and backward on its share of the
 * rows with its own activations and gradient buffer, on single-threaded
 * BLAS, and the main thread sums their gradients.  The per-step GEMMs of
 * an LSTM are too small for OpenBLAS to spread over cores, so splitting
 * the rows is what scales.  Results depend on the thread count (gradients
 * are summed in another order) but are reproducible for a given count.
 */
#include "mr_train.h"
#include "mr_loss.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "mr_blas.h"
#include "mr_carve.h"
#include "mr_sort.h"

#define MR_MAX_WORKERS 64

/* One worker's share of a batch, and what it needs to run it */
typedef struct Worker
{
	/* scratch, carved once from the training state's block */
	MrActs		acts_;			/* acts points here */
	MrActs	   *acts;
	int32_t    *bids;			/* (T, Bw) tokens, time-major */
	float	   *bfeats;			/* (T, Bw, F) */
	int32_t    *blen;			/* (Bw) */
	int32_t    *blab;			/* (Bw) */
	float	   *bw;				/* (Bw) class weights */
	float	   *dense;			/* gradient of the non-embedding tensors */
	MrNet		gnet;			/* view of dense (emb NULL) */
	MrRng		rng;			/* dropout masks */
	/* the job */
	const MrNet *net;
	const MrDataset *data;
	const MrTrainConfig *tc;
	const int64_t *idx;			/* this worker's rows */
	const int32_t *variant;		/* (n) the variant each row trains on this epoch, or NULL */
	int			B;				/* how many */
	int			B_total;		/* rows in the whole batch */
	int64_t		tokens_total;	/* next-token head: predictions in the whole batch */
	int			train;			/* forward + backward, or forward only */
	MrBatch		batch;
	/* results */
	double		loss;
	double		correct;		/* rows predicted right (sigmoid head: fractions) */
} Worker;

/* Everything one training run allocates, in one block (train_carve) */
typedef struct TrainState
{
	void	   *block;			/* every array below but the workers' MrActs structs */
	const MrNetConfig *cfg;
	int			T,
				B,
				F,
				K;
	int			n_workers;
	size_t		n_emb;			/* V * E: the sparse part of params */
	size_t		n_dense;		/* the rest, updated densely */
	float	   *grads;			/* (n_params): embedding part + worker 0's dense part */
	float	   *m;				/* Adam first moments (n_params) */
	float	   *v;				/* Adam second moments (n_params) */
	float	   *best;			/* best parameters so far, or NULL */
	uint8_t    *touched;		/* (V) embedding row has a gradient */
	int32_t    *rows;			/* (V) touched rows, n_rows of them */
	int32_t		n_rows;
	Worker		w[MR_MAX_WORKERS];
	int64_t    *train_idx;
	int64_t    *val_idx;
	int32_t    *variant;		/* (n) with SMILES variants: this epoch's pick per row */
	/* masked networks: length-bucketed batches */
	int64_t    *batch_start;	/* (n / B + 1) where each batch of the epoch starts */
	int64_t    *sort_tmp;		/* (n) scratch of the bucket sort */
	MrAdam		adam;			/* the optimizer's constants and base rate */
	int			part_rows;		/* rows a batch runs at once (run_batch) */
	int64_t		group_step[MR_MAX_LAYERS + 2];	/* Adam steps each parameter group took */
} TrainState;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Workers for a config: at most one per batch row */
static int
worker_count(const MrTrainConfig *tc)
{
	int			n = tc->threads < 1 ? 1 : tc->threads;

	if (n > MR_MAX_WORKERS)
		n = MR_MAX_WORKERS;
	return n > tc->batch_size ? tc->batch_size : n;
}

/* Rows of worker w when B rows are split n ways */
static inline int
share(int B, int n, int w)
{
	return B / n + (w < B % n);
}

/*
 * The training state, carved from one block or counted (mr_carve.h):
 * gradients, Adam's moments, the best weights when stopping early, the
 * sparse embedding bookkeeping, the row indices and SMILES variant picks,
 * and each worker's activations, batch buffers and (but worker 0's, which
 * is the dense part of grads) gradient.  The sizes come from s's config,
 * thread and batch counts, and the dataset.
 */
static void
train_carve(TrainState *s, const MrTrainConfig *tc, const MrDataset *data, size_t n_params,
			MrCarve *c)
{
	const MrNetConfig *cfg = s->cfg;
	size_t		V = (size_t) cfg->vocab_size,
				n = (size_t) data->n,
				T = (size_t) s->T;
	int			with_dropout = tc->dropout.input > 0.0f || tc->dropout.recurrent > 0.0f;

	s->grads = MR_CARVE(c, float, n_params);
	s->m = MR_CARVE(c, float, n_params);
	s->v = MR_CARVE(c, float, n_params);
	s->best = tc->patience > 0 ? MR_CARVE(c, float, n_params) : NULL;
	s->touched = MR_CARVE(c, uint8_t, V + 1);
	s->rows = MR_CARVE(c, int32_t, V + 1);
	s->train_idx = MR_CARVE(c, int64_t, n);
	s->val_idx = MR_CARVE(c, int64_t, n);
	s->variant = data->variants > 1 ? MR_CARVE(c, int32_t, n) : NULL;
	s->batch_start = cfg->mask ? MR_CARVE(c, int64_t, n / (size_t) s->B + 1) : NULL;
	s->sort_tmp = cfg->mask ? MR_CARVE(c, int64_t, n) : NULL;
	for (int i = 0; i < s->n_workers; i++)
	{
		Worker	   *w = &s->w[i];
		size_t		Bw = (size_t) share(s->B, s->n_workers, i);
		MrNetConfig steps = *cfg;

		/* a masked network's batches run at most the longest row's steps */
		steps.maxlen = s->T;
		mr_acts_carve(&w->acts_, &steps, (int) Bw, with_dropout, c);
		w->acts = &w->acts_;
		w->bids = MR_CARVE(c, int32_t, T * Bw);
		w->bfeats = MR_CARVE(c, float, T * Bw * (size_t) s->F);
		w->blen = MR_CARVE(c, int32_t, Bw);
		w->blab = MR_CARVE(c, int32_t, Bw);
		w->bw = MR_CARVE(c, float, Bw);
		w->dense = i == 0 ? (s->grads ? s->grads + s->n_emb : NULL) : MR_CARVE(c, float, s->n_dense);
	}
}

/* The longest row of the data (any variant), at least 1 */
static int
longest_row(const MrDataset *data)
{
	int64_t		n = data->n * (data->variants > 1 ? data->variants : 1);
	int			longest = 1;

	if (!data->lengths)
		return data->T;
	for (int64_t i = 0; i < n; i++)
		if (data->lengths[i] > longest)
			longest = data->lengths[i];
	return longest < data->T ? longest : data->T;
}

/*
 * What a run's state is sized by, before anything is allocated: a masked
 * network's activations hold the longest row's steps, not maxlen
 */
static void
state_init(TrainState *s, const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data,
		   size_t n_params)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->T = cfg->mask ? longest_row(data) : cfg->maxlen;
	s->B = tc->batch_size;
	s->F = cfg->n_features;
	s->K = cfg->n_classes;
	s->n_workers = worker_count(tc);
	s->n_emb = (size_t) cfg->vocab_size * cfg->embed_dim;
	s->n_dense = n_params - s->n_emb;
	s->adam = tc->adam;
	s->part_rows = s->B;
	if (cfg->head == MR_HEAD_NEXT_TOKEN)
	{
		/* about 32 M outputs a part: a fraction of a second's work */
		size_t		rows = ((size_t) 1 << 25) / ((size_t) (s->T > 0 ? s->T : 1) * (size_t) s->K);

		s->part_rows = rows < (size_t) s->n_workers ? s->n_workers :
			rows > (size_t) s->B ? s->B : (int) rows;
	}
}

/* Bytes mr_train allocates for a config and dataset (and the epoch log) */
MrStatus
mr_train_memory(const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data,
				size_t *bytes)
{
	TrainState	s;
	MrCarve		c;
	size_t		n_params;

	if (mr_net_param_count(cfg, &n_params) != MR_OK || tc->batch_size < 1)
		return MR_EDIMS;
	state_init(&s, cfg, tc, data, n_params);
	mr_carve_init(&c, NULL, 64);
	train_carve(&s, tc, data, n_params, &c);
	if (mr_carve_size(&c, bytes) != MR_OK ||
		!mr_add_size(*bytes, sizeof(MrEpochLog) * (size_t) tc->epochs, bytes))
		return MR_EDIMS;
	return MR_OK;
}

/* What the bucket sort compares rows by */
typedef struct RowLengths
{
	const MrDataset *data;
	const int32_t *variant;
} RowLengths;

static int
compare_length(const void *a, const void *b, void *arg)
{
	const RowLengths *rl = arg;
	const MrDataset *data = rl->data;
	int			V = data->variants > 1 ? data->variants : 1;
	int64_t		ra = *(const int64_t *) a,
				rb = *(const int64_t *) b;
	int32_t		la = data->lengths[ra * V + (rl->variant ? rl->variant[ra] : 0)],
				lb = data->lengths[rb * V + (rl->variant ? rl->variant[rb] : 0)];

	return (la > lb) - (la < lb);
}

/* Length buckets; see mr_train.h */
int64_t
mr_bucket_batches(int64_t *idx, int64_t n, const MrDataset *data, const int32_t *variant,
				  int B, MrRng *rng, int64_t *starts, int64_t *tmp)
{
	RowLengths	rl = {data, variant};
	int64_t		window = (int64_t) B * MR_BUCKET_WINDOW,
				n_batches = 0;

	if (data->lengths)
		for (int64_t w0 = 0; w0 < n; w0 += window)
			mr_sort_with(idx + w0, tmp, (size_t) (n - w0 < window ? n - w0 : window),
						 sizeof(int64_t), compare_length, &rl);
	for (int64_t start = 0; start < n; start += B)
		starts[n_batches++] = start;
	for (int64_t i = n_batches - 1; i > 0; i--)
	{
		int64_t		j = (int64_t) mr_rng_below(rng, (uint64_t) i + 1);
		int64_t		t = starts[i];

		starts[i] = starts[j];
		starts[j] = t;
	}
	return n_batches;
}

/* Stratified split; see mr_train.h */
int64_t
mr_stratified_split(const int32_t *labels, int64_t n, int K, float frac,
					uint64_t seed, int64_t *train_idx, int64_t *val_idx,
					const MrAllocator *a)
{
	int64_t    *perm = mr_alloc(a, sizeof(int64_t) * (size_t) (n > 0 ? n : 1));
	uint8_t    *held = mr_alloc0(a, (size_t) (n > 0 ? n : 1));
	int64_t    *count = mr_alloc0(a, sizeof(int64_t) * (size_t) K);
	int64_t    *taken = mr_alloc0(a, sizeof(int64_t) * (size_t) K);
	int64_t		n_val = 0,
				n_train = 0;
	MrRng		rng;

	if (!perm || !held || !count || !taken)
	{
		n_val = -1;
		goto done;
	}
	mr_rng_seed(&rng, seed ^ 0x5eed5b1175ULL);
	for (int64_t i = 0; i < n; i++)
	{
		perm[i] = i;
		count[labels ? labels[i] : 0]++;
	}
	/* a seeded shuffle, then the first round(frac * n_c) rows of each class */
	for (int64_t i = n - 1; i > 0; i--)
	{
		int64_t		j = (int64_t) mr_rng_below(&rng, (uint64_t) i + 1);
		int64_t		tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (int64_t i = 0; i < n; i++)
	{
		int32_t		c = labels ? labels[perm[i]] : 0;
		int64_t		want = (int64_t) floor((double) frac * count[c] + 0.5);

		if (want > count[c] - 1)
			want = count[c] - 1;
		if (taken[c] < want)
		{
			taken[c]++;
			held[perm[i]] = 1;
		}
	}
	for (int64_t i = 0; i < n; i++)
	{
		if (held[i])
			val_idx[n_val++] = i;
		else
			train_idx[n_train++] = i;
	}
done:
	mr_free(a, perm);
	mr_free(a, held);
	mr_free(a, count);
	mr_free(a, taken);
	return n_val;
}

/* Length of row r as a job reads it (this epoch's variant in training) */
static inline int32_t
row_length_as_read(const MrDataset *data, const int32_t *variant, int train, int64_t r)
{
	int			V = data->variants > 1 ? data->variants : 1;
	int64_t		rv = r * V + (train && variant ? variant[r] : 0);

	return data->lengths ? data->lengths[rv] : data->T;
}

static inline int32_t
job_row_length(const Worker *w, int64_t r)
{
	return row_length_as_read(w->data, w->variant, w->train, r);
}

/*
 * Copy the worker's rows into its time-major batch buffers: all T steps,
 * or for a masked network the steps of its longest row
 */
static void
gather_batch(Worker *w, int masked, const float *class_weight)
{
	const MrDataset *data = w->data;
	int			B = w->B,
				T = data->T,
				F = data->F,
				steps = T;
	int			V = data->variants > 1 ? data->variants : 1;

	if (masked)
	{
		steps = 1;
		for (int b = 0; b < B; b++)
		{
			int32_t		L = job_row_length(w, w->idx[b]);

			if (L > steps)
				steps = L > T ? T : L;
		}
	}
	for (int b = 0; b < B; b++)
	{
		int64_t		r = w->idx[b];
		/* training reads this epoch's variant; evaluation the row as written */
		int64_t		rv = r * V + (w->train && w->variant ? w->variant[r] : 0);

		if (data->ids)
			for (int t = 0; t < steps; t++)
				w->bids[(size_t) t * B + b] = data->ids[(size_t) rv * T + t];
		if (data->feats)
			for (int t = 0; t < steps; t++)
				memcpy(w->bfeats + ((size_t) t * B + b) * F,
					   data->feats + ((size_t) r * T + t) * F, sizeof(float) * F);
		w->blen[b] = data->lengths ? data->lengths[rv] : T;
		w->blab[b] = data->labels[r];
		w->bw[b] = class_weight ? class_weight[data->labels[r]] : 1.0f;
	}
	w->batch.B = B;
	w->batch.ids = data->ids ? w->bids : NULL;
	w->batch.feats = data->feats ? w->bfeats : NULL;
	w->batch.lengths = w->blen;
	w->batch.T = steps;
}

/* A worker's job: forward (and backward) on its share of the batch */
static void *
worker_run(void *arg)
{
	Worker	   *w = arg;
	const MrNetConfig *cfg = &w->net->cfg;
	const MrTrainConfig *tc = w->tc;

	w->loss = 0.0;
	w->correct = 0;
	if (w->B == 0)
		return NULL;
	gather_batch(w, cfg->mask, w->train ? tc->class_weight : NULL);
	mr_net_embed(w->net, &w->batch, w->acts);
	mr_net_forward(w->net, &w->batch, w->acts, w->train ? &tc->dropout : NULL,
				   w->train ? &w->rng : NULL);
	if (cfg->head == MR_HEAD_SIGMOID)
		w->loss = mr_loss_sigmoid(w->acts, cfg->n_classes, w->blab, w->data->multi,
								  w->train ? tc->label_weight : NULL, &w->correct, w->B_total);
	else if (cfg->head == MR_HEAD_LINEAR)
		w->loss = mr_loss_linear(w->acts, w->blab, w->data->values, tc->huber_delta, w->B_total);
	else if (cfg->head == MR_HEAD_NEXT_TOKEN)
		w->loss = mr_loss_next_token(w->acts, &w->batch, cfg->n_classes, w->tokens_total,
									 &w->correct);
	else
	{
		int			hits;

		w->loss = mr_net_loss(w->acts, cfg->n_classes, w->blab,
							  w->train && tc->class_weight ? w->bw : NULL,
							  &hits, w->B_total);
		w->correct = hits;
	}
	if (w->train)
		mr_net_backward(w->net, &w->batch, w->acts, &w->gnet, 0);
	return NULL;
}

/*
 * Run B rows (idx) of a batch of B_total rows (and tokens_total next-token
 * predictions) on the workers.  Extra workers run on threads that block
 * every signal, so the server's signal handlers only ever run on its own
 * thread; if a thread cannot start, its share runs here instead.  Returns
 * these rows' part of the batch loss and their hits.
 */
static double
run_part(TrainState *s, const MrNet *net, const MrDataset *data, const MrTrainConfig *tc,
		 const int64_t *idx, int B, int B_total, int64_t tokens_total, int train, double *correct)
{
	pthread_t	threads[MR_MAX_WORKERS];
	int			started[MR_MAX_WORKERS];
	int			n = s->n_workers < B ? s->n_workers : B;
	int			off = 0;
	double		loss = 0.0;

	for (int i = 0; i < n; i++)
	{
		Worker	   *w = &s->w[i];

		w->net = net;
		w->data = data;
		w->tc = tc;
		w->idx = idx + off;
		w->B = share(B, n, i);
		w->B_total = B_total;
		w->tokens_total = tokens_total;
		w->train = train;
		w->variant = s->variant;
		off += w->B;
		started[i] = 0;
	}
	if (n > 1)
	{
		sigset_t	all,
					old;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		for (int i = 1; i < n; i++)
			started[i] = pthread_create(&threads[i], NULL, worker_run, &s->w[i]) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	worker_run(&s->w[0]);
	for (int i = 1; i < n; i++)
	{
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			worker_run(&s->w[i]);
	}
	*correct = 0;
	for (int i = 0; i < n; i++)
	{
		loss += s->w[i].loss;
		*correct += s->w[i].correct;
	}
	return loss;
}

static void reduce_grads(TrainState *s, const MrNet *net, MrNet *full, int B);

/*
 * Run one batch of B rows (idx): its loss (the mean over B, or over the
 * predictions of a language model) in *loss, hits, and in *weight what
 * the mean is over (B, or the predictions).  With train, the gradients
 * are gathered into full.  A language model's batch runs in parts of at
 * most s->part_rows rows, whose gradients add up to the batch's, and the
 * hooks are polled between parts: a part's work, not a whole batch's,
 * bounds how late a cancel is seen.  MR_ECANCELED when a hook says stop.
 */
static MrStatus
run_batch(TrainState *s, const MrNet *net, MrNet *full, const MrDataset *data,
		  const MrTrainConfig *tc, const MrTrainHooks *hooks, const int64_t *idx, int B,
		  int train, double *loss, double *correct, double *weight)
{
	int64_t		tokens = 0;

	*loss = 0.0;
	*correct = 0.0;
	*weight = B;
	if (net->cfg.head == MR_HEAD_NEXT_TOKEN)
	{
		/* the mean is over the whole batch's predictions */
		for (int b = 0; b < B; b++)
			tokens += mr_lm_predictions(row_length_as_read(data, s->variant, train, idx[b]));
		*weight = (double) tokens;
	}
	for (int off = 0; off < B; off += s->part_rows)
	{
		int			n = B - off < s->part_rows ? B - off : s->part_rows;
		double		hits;

		if (off > 0 && hooks && hooks->should_stop && hooks->should_stop(hooks->state))
			return MR_ECANCELED;
		*loss += run_part(s, net, data, tc, idx + off, n, B, tokens, train, &hits);
		*correct += hits;
		/* before the next part reuses the workers' batches */
		if (train)
			reduce_grads(s, net, full, n);
	}
	return MR_OK;
}

/* Gather the workers' gradients: embedding rows and the dense tensors */
static void
reduce_grads(TrainState *s, const MrNet *net, MrNet *full, int B)
{
	int			n = s->n_workers < B ? s->n_workers : B;

	for (int i = 0; i < n; i++)
	{
		Worker	   *w = &s->w[i];

		mr_net_embed_backward(net, &w->batch, w->acts, full, s->touched, s->rows, &s->n_rows);
		if (i > 0)
		{
			float	   *dst = s->grads + s->n_emb;

			for (size_t k = 0; k < s->n_dense; k++)
			{
				dst[k] += w->dense[k];
				w->dense[k] = 0.0f;
			}
		}
	}
}

/* L2 penalty on the kernels: adds 2*l2*w to the gradients, returns l2*sum(w^2) */
static double
apply_l2(const MrNet *net, MrNet *g, float l2)
{
	const MrNetConfig *cfg = &net->cfg;
	double		penalty = 0.0;

#define L2_TENSOR(w, gw, n) \
	do { \
		for (size_t _i = 0; _i < (n); _i++) \
		{ \
			penalty += (double) (w)[_i] * (w)[_i]; \
			(gw)[_i] += 2.0f * l2 * (w)[_i]; \
		} \
	} while (0)

	for (int l = 0; l < cfg->n_layers; l++)
	{
		size_t		I = mr_net_layer_input(cfg, l);
		size_t		H = cfg->hidden[l];

		for (int d = 0; d < mr_net_dirs(cfg); d++)
		{
			L2_TENSOR(net->layer[l][d].Wx, g->layer[l][d].Wx, I * 4 * H);
			L2_TENSOR(net->layer[l][d].Wh, g->layer[l][d].Wh, H * 4 * H);
		}
	}
	L2_TENSOR(net->Wd, g->Wd, (size_t) mr_net_pooled_width(cfg) * cfg->n_classes);
#undef L2_TENSOR
	return l2 * penalty;
}

/* Arguments of one slice of the Adam update */
typedef struct AdamSlice
{
	MrAdam		opt;			/* with the slice's group's learning rate */
	int64_t		step;			/* the group's own step count */
	float	   *p;
	const float *g;
	float	   *m;
	float	   *v;
	size_t		n;
} AdamSlice;

/* One worker's slices: every k-th from first */
typedef struct AdamJob
{
	AdamSlice  *slices;
	int			n,
				first,
				k;
} AdamJob;

static void *
adam_job_run(void *arg)
{
	AdamJob    *j = arg;

	for (int i = j->first; i < j->n; i += j->k)
	{
		AdamSlice  *a = &j->slices[i];

		mr_adam_update(&a->opt, a->step, a->p, a->g, a->m, a->v, a->n);
	}
	return NULL;
}

/*
 * Each parameter group's learning rate in this epoch, 0 for a frozen one
 * (mr_train.h: discriminative rates and gradual unfreezing).  Returns the
 * group count.
 */
static int
group_rates(const MrNet *net, const MrTrainConfig *tc, int epoch, MrParamGroup *groups,
			float *lr)
{
	int			n = mr_net_param_groups(net, groups);

	for (int i = 0; i < n; i++)
	{
		int			depth = n - 1 - i;	/* 0: the head */

		lr[i] = tc->adam.lr;
		if (tc->lr_decay > 1.0f)
			lr[i] /= powf(tc->lr_decay, (float) depth);
		if (tc->gradual_unfreeze && depth >= epoch)
			lr[i] = 0.0f;
	}
	return n;
}

/*
 * Adam over the parameters of the groups that train.  The update is
 * memory-bound (four arrays the size of the model), so with several
 * workers each group is cut into one slice per worker.  A group counts its
 * own steps, so one unfrozen late starts Adam's bias correction afresh, as
 * a parameter PyTorch first sees late does.
 */
static void
adam_step(TrainState *s, MrNet *net, const MrParamGroup *groups, const float *lr, int n_groups)
{
	int			k = s->n_workers;
	AdamSlice	slices[(MR_MAX_LAYERS + 2) * MR_MAX_WORKERS];
	AdamJob		jobs[MR_MAX_WORKERS];
	pthread_t	threads[MR_MAX_WORKERS];
	int			started[MR_MAX_WORKERS];
	int			n = 0;

	MrParamGroup ranges[MR_MAX_LAYERS + 2];
	float		range_lr[MR_MAX_LAYERS + 2];
	int64_t		range_step[MR_MAX_LAYERS + 2];
	int			n_ranges = 0;

	/*
	 * Neighbouring groups that train alike make one range, so that with one
	 * rate the whole array is sliced as one (the same slices, hence the
	 * same rounding, as before there were groups)
	 */
	for (int gi = 0; gi < n_groups; gi++)
	{
		if (lr[gi] <= 0.0f)
			continue;
		s->group_step[gi]++;
		if (n_ranges > 0 && range_lr[n_ranges - 1] == lr[gi] &&
			range_step[n_ranges - 1] == s->group_step[gi] &&
			ranges[n_ranges - 1].offset + ranges[n_ranges - 1].count == groups[gi].offset)
			ranges[n_ranges - 1].count += groups[gi].count;
		else
		{
			ranges[n_ranges] = groups[gi];
			range_lr[n_ranges] = lr[gi];
			range_step[n_ranges++] = s->group_step[gi];
		}
	}
	for (int r = 0; r < n_ranges; r++)
	{
		size_t		off = ranges[r].offset,
					count = ranges[r].count;
		MrAdam		opt = s->adam;

		opt.lr = range_lr[r];
		for (int i = 0; i < k; i++)
		{
			size_t		len = count / k + ((size_t) i < count % k);

			slices[n++] = (AdamSlice) {opt, range_step[r], net->params + off, s->grads + off,
			s->m + off, s->v + off, len};
			off += len;
		}
	}
	for (int i = 0; i < k; i++)
	{
		jobs[i] = (AdamJob) {slices, n, i, k};
		started[i] = 0;
	}
	if (k > 1)
	{
		sigset_t	all,
					old;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		for (int i = 1; i < k; i++)
			started[i] = pthread_create(&threads[i], NULL, adam_job_run, &jobs[i]) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	adam_job_run(&jobs[0]);
	for (int i = 1; i < k; i++)
	{
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			adam_job_run(&jobs[i]);
	}
}

/* One optimizer step from the gradients of the current batch */
static void
update(TrainState *s, MrNet *net, const MrTrainConfig *tc, int epoch)
{
	size_t		E = s->cfg->embed_dim;
	float	   *gd = s->grads + s->n_emb;
	MrParamGroup groups[MR_MAX_LAYERS + 2];
	float		lr[MR_MAX_LAYERS + 2];
	int			n_groups = group_rates(net, tc, epoch, groups, lr);

	/* a frozen group has no gradient: it neither moves nor counts in the norm */
	for (int gi = 0; gi < n_groups; gi++)
		if (lr[gi] <= 0.0f)
		{
			if (groups[gi].offset < s->n_emb)
				for (int32_t r = 0; r < s->n_rows; r++)
					memset(s->grads + (size_t) s->rows[r] * E, 0, sizeof(float) * E);
			else
				memset(s->grads + groups[gi].offset, 0, sizeof(float) * groups[gi].count);
		}
	if (tc->clip_norm > 0.0f)
	{
		double		sq = mr_sumsq(gd, s->n_dense);
		double		norm;

		for (int32_t r = 0; r < s->n_rows; r++)
			sq += mr_sumsq(s->grads + (size_t) s->rows[r] * E, E);
		norm = sqrt(sq);
		if (norm > tc->clip_norm)
		{
			float		scale = (float) (tc->clip_norm / norm);

			mr_scale(gd, s->n_dense, scale);
			for (int32_t r = 0; r < s->n_rows; r++)
				mr_scale(s->grads + (size_t) s->rows[r] * E, E, scale);
		}
	}
	/*
	 * Adam over every parameter, embedding rows included, as Keras and
	 * PyTorch do: rows outside this batch have a zero gradient but their
	 * moments keep decaying and they keep moving.  (Updating only the
	 * batch's rows, TensorFlow's LazyAdam, is cheaper but measurably
	 * changes what the reference recipe learns.)
	 */
	adam_step(s, net, groups, lr, n_groups);
	if (s->n_emb > 0)
	{
		/* leave the embedding gradient all zero for the next batch */
		for (int32_t r = 0; r < s->n_rows; r++)
		{
			memset(s->grads + (size_t) s->rows[r] * E, 0, sizeof(float) * E);
			s->touched[s->rows[r]] = 0;
		}
		s->n_rows = 0;
	}
	memset(gd, 0, sizeof(float) * s->n_dense);
}

/* Mean loss and accuracy over the held-out rows (no dropout, no weights) */
static MrStatus
evaluate(TrainState *s, const MrNet *net, const MrDataset *data,
		 const int64_t *idx, int64_t n, const MrTrainConfig *tc,
		 const MrTrainHooks *hooks, double *loss, double *acc)
{
	double		sum = 0.0;
	double		hits = 0.0;
	double		total = 0.0;

	for (int64_t start = 0; start < n; start += s->B)
	{
		int			B = (int) (n - start < s->B ? n - start : s->B);
		double		batch_loss,
					correct,
					weight;

		if (hooks && hooks->should_stop && hooks->should_stop(hooks->state))
			return MR_ECANCELED;
		if (run_batch(s, net, NULL, data, tc, hooks, idx + start, B, 0, &batch_loss, &correct,
					  &weight) != MR_OK)
			return MR_ECANCELED;
		/*
		 * A language model's mean is over its predictions, the others' over
		 * rows: those multiply by B itself, which rounds as the sum always
		 * did (the golden models' validation losses, to the last bit)
		 */
		if (s->cfg->head == MR_HEAD_NEXT_TOKEN)
			sum += batch_loss * weight;
		else
			sum += batch_loss * B;
		hits += correct;
		total += weight;
	}
	*loss = total > 0 ? sum / total : NAN;
	*acc = total > 0 && s->cfg->head != MR_HEAD_LINEAR ? hits / total : NAN;
	return MR_OK;
}

/* Train; see mr_train.h */
MrStatus
mr_train(MrNet *net, const MrDataset *data, const MrTrainConfig *tc,
		 const MrTrainHooks *hooks, const MrAllocator *a,
		 MrTrainResult *res, MrError *err)
{
	const MrNetConfig *cfg = &net->cfg;
	TrainState	s;
	MrNet		gfull;			/* gradient view: embedding part of s.grads */
	MrRng		rng;
	MrStatus	st = MR_OK;
	int64_t		n_train,
				n_val = 0;
	double		t_start = now_seconds();
	double		best_monitor = INFINITY;
	int			wait = 0;
	int			warmup = 0;		/* gradual unfreezing: epochs before every layer trains */
	int			blas_threads = 0;

	memset(res, 0, sizeof(*res));
	state_init(&s, cfg, tc, data, net->n_params);
	if (tc->epochs < 1 || tc->batch_size < 1 || data->n < 1)
		return mr_set_error(err, MR_EINVAL, "Training needs at least one epoch, batch row and data row.");
	if (!data->labels || (cfg->head == MR_HEAD_SIGMOID && !data->multi) ||
		(cfg->head == MR_HEAD_LINEAR && !data->values) ||
		(cfg->vocab_size > 0) != (data->ids != NULL) ||
		(cfg->n_features > 0) != (data->feats != NULL))
		return mr_set_error(err, MR_EINVAL, "The rows do not match the network's inputs.");
	if ((cfg->mask ? data->T < 1 || data->T > cfg->maxlen : data->T != cfg->maxlen) ||
		data->F != cfg->n_features)
		return mr_set_error(err, MR_EINVAL,
							"The rows have %d steps of %d features; the network reads %d steps of %d.",
							(int) data->T, (int) data->F, (int) cfg->maxlen, (int) cfg->n_features);

	if (tc->gradual_unfreeze)
	{
		MrParamGroup groups[MR_MAX_LAYERS + 2];

		warmup = mr_net_param_groups(net, groups) - 1;
	}

	/* initialise from the seed; shuffling and dropout use a second stream */
	mr_rng_seed(&rng, tc->seed);
	if (!tc->resume && (st = mr_net_init(net, &rng, a)) != MR_OK)
		return mr_set_error(err, st, "Could not initialise the weights.");
	/* fine-tuning: the pretrained body, a freshly initialised head */
	if (!tc->resume && tc->base && (st = mr_net_copy_body(net, tc->base, err)) != MR_OK)
		return st;
	mr_rng_seed(&rng, tc->seed ^ 0x9e3779b97f4a7c15ULL);

	/*
	 * Workers call BLAS at the same time; OpenBLAS's own threads must not
	 * run under them (its buffers are shared), so it runs single-threaded
	 * until training ends.
	 */
	if (s.n_workers > 1)
	{
		blas_threads = mr_blas_get_threads();
		mr_blas_set_threads(1);
	}

	/* the whole state in one block, zeroed */
	{
		MrCarve		c;
		size_t		bytes;

		mr_carve_init(&c, NULL, 64);
		train_carve(&s, tc, data, net->n_params, &c);
		if (mr_carve_size(&c, &bytes) != MR_OK || !(s.block = mr_alloc0(a, bytes)))
		{
			st = mr_set_error(err, MR_ENOMEM, "Out of memory for the training state.");
			goto done;
		}
		mr_carve_init(&c, s.block, 64);
		train_carve(&s, tc, data, net->n_params, &c);
		for (int i = 0; i < s.n_workers; i++)
			mr_net_bind_dense(&s.w[i].gnet, cfg, s.w[i].dense);
	}
	/* worker 0's dropout masks come from the main stream; others get their own */
	for (int i = 1; i < s.n_workers; i++)
		mr_rng_seed(&s.w[i].rng, tc->seed + 0x632be59bd9b4e019ULL * (uint64_t) i);
	mr_net_bind(&gfull, cfg, s.grads, net->n_params);

	if (tc->validation_split > 0.0f)
	{
		n_val = mr_stratified_split(cfg->head == MR_HEAD_SOFTMAX ? data->labels : NULL,
									data->n, s.K, tc->validation_split,
									tc->seed, s.train_idx, s.val_idx, a);
		if (n_val < 0)
		{
			st = mr_set_error(err, MR_ENOMEM, "Out of memory for the validation split.");
			goto done;
		}
		if (n_val == 0)
		{
			st = mr_set_error(err, MR_EINVAL,
							  "A validation split of %g leaves no rows for validation.",
							  (double) tc->validation_split);
			goto done;
		}
	}
	else
		for (int64_t i = 0; i < data->n; i++)
			s.train_idx[i] = i;
	n_train = data->n - n_val;
	/* held-out rows of similar length together: each batch runs its longest */
	if (cfg->mask && n_val > 0 && data->lengths)
	{
		RowLengths	rl = {data, NULL};

		mr_sort_with(s.val_idx, s.sort_tmp, (size_t) n_val, sizeof(int64_t), compare_length, &rl);
	}
	res->train_rows = n_train;
	res->val_rows = n_val;

	res->epochs = mr_alloc0(a, sizeof(MrEpochLog) * (size_t) tc->epochs);
	if (!res->epochs)
	{
		st = mr_set_error(err, MR_ENOMEM, "Out of memory for the training log.");
		goto done;
	}

	for (int epoch = 1; epoch <= tc->epochs; epoch++)
	{
		MrEpochLog *log = &res->epochs[epoch - 1];
		double		t0 = now_seconds();
		double		loss_sum = 0.0;
		double		hits = 0.0;
		double		total = 0.0;	/* rows, or a language model's predictions */
		int64_t		n_batches,
					rows_done;
		double		monitor;

		/* Fisher-Yates shuffle of the training rows (Keras fit(shuffle=True)) */
		for (int64_t i = n_train - 1; i > 0; i--)
		{
			int64_t		j = (int64_t) mr_rng_below(&rng, (uint64_t) i + 1);
			int64_t		tmp = s.train_idx[i];

			s.train_idx[i] = s.train_idx[j];
			s.train_idx[j] = tmp;
		}
		/* each training row's variant for this epoch (the written one is one of them) */
		if (s.variant)
			for (int64_t i = 0; i < n_train; i++)
				s.variant[s.train_idx[i]] = (int32_t) mr_rng_below(&rng, (uint64_t) data->variants);

		/* a masked network trains on batches of rows of similar length */
		if (cfg->mask)
			n_batches = mr_bucket_batches(s.train_idx, n_train, data, s.variant, s.B, &rng,
										  s.batch_start, s.sort_tmp);
		else
			n_batches = (n_train + s.B - 1) / s.B;
		rows_done = 0;
		for (int64_t k = 0; k < n_batches; k++)
		{
			int64_t		start = cfg->mask ? s.batch_start[k] : k * s.B;
			int			B = (int) (n_train - start < s.B ? n_train - start : s.B);
			double		loss;
			double		correct,
						weight;

			if (hooks && hooks->should_stop && hooks->should_stop(hooks->state))
			{
				st = mr_set_error(err, MR_ECANCELED, "Training was canceled.");
				goto done;
			}
			s.w[0].rng = rng;
			if (run_batch(&s, net, &gfull, data, tc, hooks, s.train_idx + start, B, 1, &loss,
						  &correct, &weight) != MR_OK)
			{
				st = mr_set_error(err, MR_ECANCELED, "Training was canceled.");
				goto done;
			}
			rng = s.w[0].rng;
			if (tc->l2 > 0.0f)
			{
				MrNet		gdense;

				mr_net_bind_dense(&gdense, cfg, s.grads + s.n_emb);
				loss += apply_l2(net, &gdense, tc->l2);
			}
			if (!isfinite(loss))
			{
				st = mr_set_error(err, MR_EDIVERGED,
								  "The loss became %g at epoch %d, row %lld.",
								  loss, epoch, (long long) rows_done + 1);
				goto done;
			}
			update(&s, net, tc, epoch);
			/* (as evaluate: B itself for the heads whose mean is over rows) */
			loss_sum += cfg->head == MR_HEAD_NEXT_TOKEN ? loss * weight : loss * B;
			hits += correct;
			total += weight;
			rows_done += B;
			if (hooks && hooks->on_batch)
				hooks->on_batch(epoch, rows_done, n_train, total > 0 ? loss_sum / total : 0.0,
								hooks->state);
		}

		log->epoch = epoch;
		log->rows = n_train;
		log->loss = total > 0 ? loss_sum / total : 0.0;
		log->accuracy = cfg->head != MR_HEAD_LINEAR && total > 0 ? hits / total : NAN;
		log->val_loss = NAN;
		log->val_accuracy = NAN;
		if (n_val > 0)
		{
			st = evaluate(&s, net, data, s.val_idx, n_val, tc, hooks,
						  &log->val_loss, &log->val_accuracy);
			if (st != MR_OK)
			{
				mr_set_error(err, st, "Training was canceled.");
				goto done;
			}
		}
		log->seconds = now_seconds() - t0;
		res->n_epochs = epoch;
		if (hooks && hooks->on_epoch)
			hooks->on_epoch(log, hooks->state);

		/* early stopping monitors val_loss, or the training loss without a split */
		monitor = n_val > 0 ? log->val_loss : log->loss;
		if (!isfinite(monitor))
		{
			/* no epoch could be called best, and no model stored */
			st = mr_set_error(err, MR_EDIVERGED, "The %s loss of epoch %d is not finite.",
							  n_val > 0 ? "validation" : "training", epoch);
			goto done;
		}
		/*
		 * While layers are still frozen (gradual unfreezing) the model is not
		 * yet the one being trained: early stopping starts watching at the
		 * first epoch in which every layer trains
		 */
		if (epoch <= warmup)
			continue;
		if (monitor < best_monitor)
		{
			best_monitor = monitor;
			res->best_epoch = epoch;
			wait = 0;
			if (s.best)
				memcpy(s.best, net->params, sizeof(float) * net->n_params);
		}
		else if (tc->patience > 0 && ++wait >= tc->patience)
		{
			res->stopped_early = 1;
			break;
		}
	}
	/* keep the best epoch's weights (Keras restore_best_weights=True) */
	if (s.best && res->best_epoch > 0 && res->best_epoch != res->n_epochs)
		memcpy(net->params, s.best, sizeof(float) * net->n_params);
	if (!s.best || res->best_epoch == 0)
		res->best_epoch = res->n_epochs;	/* no patience, or every epoch a warm-up */
	/* the last update has not been through a forward pass: check it too */
	for (size_t i = 0; i < net->n_params; i++)
		if (!(fabsf(net->params[i]) <= MR_NET_MAX_WEIGHT))
		{
			st = mr_set_error(err, MR_EDIVERGED,
							  "Weight %zu became %g after the last update.", i, (double) net->params[i]);
			goto done;
		}

done:
	if (blas_threads > 0)
		mr_blas_set_threads(blas_threads);
	res->seconds = now_seconds() - t_start;
	mr_free(a, s.block);
	return st;
}
