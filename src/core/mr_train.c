/*
 * mr_train.c
 *	  Mini-batch training of an MrNet (see mr_train.h).
 */
#include "mr_train.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "mr_blas.h"

/* Everything one training run allocates, in one place */
typedef struct TrainState
{
	const MrNetConfig *cfg;
	int			T,
				B,
				F,
				K;
	size_t		n_emb;			/* V * E: the sparse part of params */
	size_t		n_dense;		/* the rest, updated densely */
	float	   *grads;			/* (n_params) */
	float	   *m;				/* Adam first moments (n_params) */
	float	   *v;				/* Adam second moments (n_params) */
	float	   *best;			/* best parameters so far, or NULL */
	MrNet		gnet;			/* gradient view of grads */
	uint8_t    *touched;		/* (V) embedding row has a gradient */
	int32_t    *rows;			/* (V) touched rows, n_rows of them */
	int32_t		n_rows;
	MrActs	   *acts;
	int32_t    *bids;			/* (T, B) batch tokens, time-major */
	float	   *bfeats;			/* (T, B, F) */
	int32_t    *blen;			/* (B) */
	int32_t    *blab;			/* (B) */
	float	   *bw;				/* (B) class weights of the batch */
	int64_t    *train_idx;
	int64_t    *val_idx;
} TrainState;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Bytes mr_train allocates for a config and row count (and the epoch log) */
MrStatus
mr_train_memory(const MrNetConfig *cfg, const MrTrainConfig *tc, int64_t n_rows,
				size_t *bytes)
{
	size_t		n_params,
				acts,
				total = 0,
				x;
	size_t		T = cfg->maxlen,
				B = tc->batch_size,
				V = cfg->vocab_size;
	int			dropout = tc->dropout.input > 0.0f || tc->dropout.recurrent > 0.0f;

	if (mr_net_param_count(cfg, &n_params) != MR_OK ||
		mr_acts_size(cfg, tc->batch_size, dropout, &acts) != MR_OK)
		return MR_EDIMS;
	/* grads, m, v and, with early stopping, a copy of the best weights */
	if (!mr_mul_size(n_params, sizeof(float) * (tc->patience > 0 ? 4 : 3), &x) ||
		!mr_add_size(total, x, &total) ||
		!mr_add_size(total, acts, &total) ||
		!mr_mul_size(V, 1 + sizeof(int32_t), &x) ||
		!mr_add_size(total, x, &total) ||
		!mr_mul_size(T * B, sizeof(int32_t) + sizeof(float) * (size_t) cfg->n_features, &x) ||
		!mr_add_size(total, x, &total) ||
		!mr_add_size(total, B * (2 * sizeof(int32_t) + sizeof(float)) + 4096, &total) ||
		!mr_mul_size((size_t) n_rows, 2 * sizeof(int64_t), &x) ||
		!mr_add_size(total, x, &total))
		return MR_EDIMS;
	*bytes = total;
	return MR_OK;
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
		count[labels[i]]++;
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
		int32_t		c = labels[perm[i]];
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

/* Release everything a run allocated */
static void
state_free(TrainState *s, const MrAllocator *a)
{
	mr_free(a, s->grads);
	mr_free(a, s->m);
	mr_free(a, s->v);
	mr_free(a, s->best);
	mr_free(a, s->touched);
	mr_free(a, s->rows);
	mr_free(a, s->acts);
	mr_free(a, s->bids);
	mr_free(a, s->bfeats);
	mr_free(a, s->blen);
	mr_free(a, s->blab);
	mr_free(a, s->bw);
	mr_free(a, s->train_idx);
	mr_free(a, s->val_idx);
}

/* Copy rows idx[0..B) into the time-major batch buffers */
static void
gather_batch(TrainState *s, const MrDataset *data, const int64_t *idx, int B,
			 const float *class_weight, MrBatch *batch)
{
	int			T = s->T,
				F = s->F;

	for (int b = 0; b < B; b++)
	{
		int64_t		r = idx[b];

		if (data->ids)
			for (int t = 0; t < T; t++)
				s->bids[(size_t) t * B + b] = data->ids[(size_t) r * T + t];
		if (data->feats)
			for (int t = 0; t < T; t++)
				memcpy(s->bfeats + ((size_t) t * B + b) * F,
					   data->feats + ((size_t) r * T + t) * F, sizeof(float) * F);
		s->blen[b] = data->lengths ? data->lengths[r] : T;
		s->blab[b] = data->labels[r];
		s->bw[b] = class_weight ? class_weight[data->labels[r]] : 1.0f;
	}
	batch->B = B;
	batch->ids = data->ids ? s->bids : NULL;
	batch->feats = data->feats ? s->bfeats : NULL;
	batch->lengths = s->blen;
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

/* One optimizer step from the gradients of the current batch */
static void
update(TrainState *s, MrNet *net, const MrTrainConfig *tc, int64_t step)
{
	size_t		E = s->cfg->embed_dim;
	float	   *gd = s->grads + s->n_emb;

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
	mr_adam_update(&tc->adam, step, net->params + s->n_emb, gd,
				   s->m + s->n_emb, s->v + s->n_emb, s->n_dense);
	if (s->n_emb > 0)
	{
		mr_adam_update_rows(&tc->adam, step, net->params, s->grads, s->m, s->v,
							(int) E, s->rows, s->n_rows);
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
		 const int64_t *idx, int64_t n, const MrTrainHooks *hooks,
		 double *loss, double *acc)
{
	double		sum = 0.0;
	int64_t		hits = 0;

	for (int64_t start = 0; start < n; start += s->B)
	{
		int			B = (int) (n - start < s->B ? n - start : s->B);
		MrBatch		batch;
		int			correct;

		if (hooks && hooks->should_stop && hooks->should_stop(hooks->state))
			return MR_ECANCELED;
		gather_batch(s, data, idx + start, B, NULL, &batch);
		mr_net_embed(net, &batch, s->acts);
		mr_net_forward(net, &batch, s->acts, NULL, NULL);
		sum += mr_net_loss(s->acts, s->K, s->blab, NULL, &correct) * B;
		hits += correct;
	}
	*loss = n > 0 ? sum / n : NAN;
	*acc = n > 0 ? (double) hits / n : NAN;
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
	MrRng		rng;
	MrStatus	st = MR_OK;
	int64_t		n_train,
				n_val = 0,
				step = 0;
	double		t_start = now_seconds();
	double		best_monitor = INFINITY;
	int			wait = 0;
	int			with_dropout = tc->dropout.input > 0.0f || tc->dropout.recurrent > 0.0f;
	size_t		V = cfg->vocab_size;

	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(*res));
	if (tc->epochs < 1 || tc->batch_size < 1 || data->n < 1)
		return mr_set_error(err, MR_EINVAL, "Training needs at least one epoch, batch row and data row.");
	if (!data->labels || (cfg->vocab_size > 0) != (data->ids != NULL) ||
		(cfg->n_features > 0) != (data->feats != NULL))
		return mr_set_error(err, MR_EINVAL, "The rows do not match the network's inputs.");

	s.cfg = cfg;
	s.T = cfg->maxlen;
	s.B = tc->batch_size;
	s.F = cfg->n_features;
	s.K = cfg->n_classes;
	s.n_emb = V * cfg->embed_dim;
	s.n_dense = net->n_params - s.n_emb;

	/* initialise from the seed; shuffling and dropout use a second stream */
	mr_rng_seed(&rng, tc->seed);
	if ((st = mr_net_init(net, &rng, a)) != MR_OK)
		return mr_set_error(err, st, "Could not initialise the weights.");
	mr_rng_seed(&rng, tc->seed ^ 0x9e3779b97f4a7c15ULL);

#define ALLOC0(ptr, bytes) \
	do { \
		if (!((ptr) = mr_alloc0(a, (bytes)))) \
		{ \
			st = mr_set_error(err, MR_ENOMEM, "Out of memory for training state."); \
			goto done; \
		} \
	} while (0)

	ALLOC0(s.grads, sizeof(float) * net->n_params);
	ALLOC0(s.m, sizeof(float) * net->n_params);
	ALLOC0(s.v, sizeof(float) * net->n_params);
	if (tc->patience > 0)
		ALLOC0(s.best, sizeof(float) * net->n_params);
	ALLOC0(s.touched, V + 1);
	ALLOC0(s.rows, sizeof(int32_t) * (V + 1));
	ALLOC0(s.bids, sizeof(int32_t) * (size_t) s.T * s.B);
	ALLOC0(s.bfeats, sizeof(float) * ((size_t) s.T * s.B * s.F + 1));
	ALLOC0(s.blen, sizeof(int32_t) * s.B);
	ALLOC0(s.blab, sizeof(int32_t) * s.B);
	ALLOC0(s.bw, sizeof(float) * s.B);
	ALLOC0(s.train_idx, sizeof(int64_t) * (size_t) data->n);
	ALLOC0(s.val_idx, sizeof(int64_t) * (size_t) data->n);
#undef ALLOC0
	if ((st = mr_acts_new(cfg, s.B, with_dropout, a, &s.acts)) != MR_OK)
	{
		st = mr_set_error(err, st, "Out of memory for activations.");
		goto done;
	}
	mr_net_bind(&s.gnet, cfg, s.grads, net->n_params);

	if (tc->validation_split > 0.0f)
	{
		n_val = mr_stratified_split(data->labels, data->n, s.K, tc->validation_split,
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
		int64_t		hits = 0;
		double		monitor;

		/* Fisher-Yates shuffle of the training rows (Keras fit(shuffle=True)) */
		for (int64_t i = n_train - 1; i > 0; i--)
		{
			int64_t		j = (int64_t) mr_rng_below(&rng, (uint64_t) i + 1);
			int64_t		tmp = s.train_idx[i];

			s.train_idx[i] = s.train_idx[j];
			s.train_idx[j] = tmp;
		}

		for (int64_t start = 0; start < n_train; start += s.B)
		{
			int			B = (int) (n_train - start < s.B ? n_train - start : s.B);
			MrBatch		batch;
			double		loss;
			int			correct;

			if (hooks && hooks->should_stop && hooks->should_stop(hooks->state))
			{
				st = mr_set_error(err, MR_ECANCELED, "Training was canceled.");
				goto done;
			}
			gather_batch(&s, data, s.train_idx + start, B, tc->class_weight, &batch);
			mr_net_embed(net, &batch, s.acts);
			mr_net_forward(net, &batch, s.acts, &tc->dropout, &rng);
			loss = mr_net_loss(s.acts, s.K, s.blab, tc->class_weight ? s.bw : NULL, &correct);
			mr_net_backward(net, &batch, s.acts, &s.gnet, 0);
			mr_net_embed_backward(net, &batch, s.acts, &s.gnet, s.touched, s.rows, &s.n_rows);
			if (tc->l2 > 0.0f)
				loss += apply_l2(net, &s.gnet, tc->l2);
			if (!isfinite(loss))
			{
				st = mr_set_error(err, MR_EDIVERGED,
								  "The loss became %g at epoch %d, row %lld.",
								  loss, epoch, (long long) start + 1);
				goto done;
			}
			update(&s, net, tc, ++step);
			loss_sum += loss * B;
			hits += correct;
			if (hooks && hooks->on_batch)
				hooks->on_batch(epoch, start + B, n_train, loss_sum / (start + B), hooks->state);
		}

		log->epoch = epoch;
		log->rows = n_train;
		log->loss = loss_sum / n_train;
		log->accuracy = (double) hits / n_train;
		log->val_loss = NAN;
		log->val_accuracy = NAN;
		if (n_val > 0)
		{
			st = evaluate(&s, net, data, s.val_idx, n_val, hooks,
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
	if (!s.best)
		res->best_epoch = res->n_epochs;

done:
	res->seconds = now_seconds() - t_start;
	state_free(&s, a);
	return st;
}
