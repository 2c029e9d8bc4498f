/*
 * mr_shard_epoch.c
 *	  One part's epoch of data-parallel training; see mr_shard_epoch.h.
 *
 * Rows are kept as the network reads them (token ids or features, padded
 * to maxlen) in growing buffers, checked against the memory limit as they
 * grow; the epoch then hands them to mr_train with tc->resume, so the
 * shuffling, batching (length buckets for a masked network), dropout,
 * clipping, L2 and worker threads are exactly single-node training's.
 */
#include "mr_shard_epoch.h"

#include <math.h>
#include <string.h>

#include "mr_buf.h"
#include "mr_rng.h"
#include "mr_targets.h"

struct MrShardEpoch
{
	MrModel    *m;
	const MrOptions *o;
	const MrAllocator *a;
	size_t		memory_limit;
	MrPredictor *predictor;		/* measurement models: the grid */
	int32_t		T;
	int32_t		F;
	int32_t    *ring;			/* (T) tokenizer scratch */
	int32_t    *ids;			/* (T) one row */
	MrBuf		row_ids;		/* (n, T) int32 */
	MrBuf		row_feats;		/* (n, T, F) float */
	MrBuf		lengths;		/* (n) int32 */
	MrBuf		labels;			/* (n) int32: a class, or the row's index in values */
	MrBuf		values;			/* (n) float: standardised targets */
	int64_t		n;
	int64_t		skipped;
	int64_t    *class_count;	/* (K) */
	float	   *class_weight;	/* (K), for the options' class weights */
};

/* The task and inputs data-parallel training trains */
static MrStatus
check_model(const MrModel *m, MrError *err)
{
	if (m->task != MR_TASK_CLASSIFICATION && m->task != MR_TASK_REGRESSION)
	{
		mr_error_message(err, MR_EINVAL, "data-parallel training does not train %s models",
						 mr_task_name(m->task));
		mr_error_hint(err, "Train it without \"distributed\".");
		return MR_EINVAL;
	}
	if (m->smiles_variants > 1)
	{
		mr_error_message(err, MR_EINVAL, "data-parallel training does not train with SMILES variants");
		mr_error_hint(err, "Train it without \"distributed\", or without \"smiles_variants\".");
		return MR_EINVAL;
	}
	return MR_OK;
}

/* See mr_shard_epoch.h */
MrStatus
mr_shard_epoch_new(MrModel *m, const MrOptions *o, size_t memory_limit, const MrAllocator *a,
				   MrShardEpoch **out, MrError *err)
{
	MrShardEpoch *se;
	int32_t		K = m->cfg.n_classes;

	*out = NULL;
	if (check_model(m, err) != MR_OK)
		return MR_EINVAL;
	if (!(se = mr_alloc0(a, sizeof(*se))))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a training part.");
	se->m = m;
	se->o = o;
	se->a = a;
	se->memory_limit = memory_limit;
	se->T = m->cfg.maxlen;
	se->F = m->cfg.n_features;
	mr_buf_init(&se->row_ids, a);
	mr_buf_init(&se->row_feats, a);
	mr_buf_init(&se->lengths, a);
	mr_buf_init(&se->labels, a);
	mr_buf_init(&se->values, a);
	se->ring = mr_alloc(a, sizeof(int32_t) * (size_t) se->T);
	se->ids = mr_alloc(a, sizeof(int32_t) * (size_t) se->T);
	se->class_count = mr_alloc0(a, sizeof(int64_t) * (size_t) K);
	se->class_weight = mr_alloc(a, sizeof(float) * (size_t) K);
	if (!se->ring || !se->ids || !se->class_count || !se->class_weight ||
		(m->input_kind == MR_INPUT_SERIES && mr_predictor_new(m, a, &se->predictor) != MR_OK))
	{
		mr_shard_epoch_free(se);
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a training part.");
	}
	*out = se;
	return MR_OK;
}

/* See mr_shard_epoch.h */
void
mr_shard_epoch_free(MrShardEpoch *se)
{
	if (!se)
		return;
	mr_predictor_free(se->predictor);
	mr_buf_free(&se->row_ids);
	mr_buf_free(&se->row_feats);
	mr_buf_free(&se->lengths);
	mr_buf_free(&se->labels);
	mr_buf_free(&se->values);
	mr_free(se->a, se->ring);
	mr_free(se->a, se->ids);
	mr_free(se->a, se->class_count);
	mr_free(se->a, se->class_weight);
	mr_free(se->a, se);
}

/* See mr_shard_epoch.h */
void
mr_shard_epoch_skip(MrShardEpoch *se)
{
	se->skipped++;
}

/* Bytes the rows hold */
static size_t
rows_memory(const MrShardEpoch *se)
{
	return se->row_ids.len + se->row_feats.len + se->lengths.len + se->labels.len +
		se->values.len;
}

/*
 * The row's label as the network's target: 1 and *target (a class, or a
 * standardised value in *value), 0 for a row to skip
 */
static int
read_label(MrShardEpoch *se, const char *label, size_t len, int32_t *target, float *value)
{
	const MrModel *m = se->m;

	if (!label)
		return 0;
	if (m->task == MR_TASK_CLASSIFICATION)
	{
		*target = mr_vocab_lookup(m->label_index, label, len);
		return *target >= 0;
	}
	else
	{
		double		v;

		if (mr_targets_parse_value(label, len, &v) != 1)
			return 0;
		*value = (float) ((v - m->target_mean) / m->target_scale);
		*target = (int32_t) se->n;
		return isfinite(*value);
	}
}

/* Keep one read row: ids (T) or feats (T, F), its length and its label */
static MrStatus
keep_row(MrShardEpoch *se, const int32_t *ids, const float *feats, int32_t L,
		 const char *label, size_t label_len, MrError *err)
{
	int32_t		target = 0;
	float		value = 0.0f;

	if (!read_label(se, label, label_len, &target, &value))
	{
		se->skipped++;
		return MR_OK;
	}
	if (ids)
		mr_buf_append(&se->row_ids, (const char *) ids, sizeof(int32_t) * (size_t) se->T);
	else
		mr_buf_append(&se->row_feats, (const char *) feats,
					  sizeof(float) * (size_t) se->T * (size_t) se->F);
	mr_buf_append(&se->lengths, (const char *) &L, sizeof(L));
	mr_buf_append(&se->labels, (const char *) &target, sizeof(target));
	if (se->m->task == MR_TASK_REGRESSION)
		mr_buf_append(&se->values, (const char *) &value, sizeof(value));
	else
		se->class_count[target]++;
	if (se->row_ids.failed || se->row_feats.failed || se->lengths.failed || se->labels.failed ||
		se->values.failed)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for the training rows.");
	se->n++;
	if (se->memory_limit > 0 && rows_memory(se) > se->memory_limit)
	{
		mr_error_message(err, MR_ELIMIT, "this node's training rows need more than medrnn.train_memory_limit");
		mr_error_detail(err, "%lld rows take %zu MB here.", (long long) se->n,
						rows_memory(se) / (1024 * 1024));
		mr_error_hint(err, "Raise medrnn.train_memory_limit on the worker nodes, or spread the table over more shards.");
		return MR_ELIMIT;
	}
	return MR_OK;
}

static MrStatus
wrong_input(const MrModel *m, MrInputKind given, MrError *err)
{
	MrStatus	st = mr_predict_check_input(m, given, err);

	return st != MR_OK ? st : mr_set_error(err, MR_EMISMATCH, "The input does not fit the model.");
}

/* See mr_shard_epoch.h */
MrStatus
mr_shard_epoch_add_text(MrShardEpoch *se, const char *text, size_t len,
						const char *label, size_t label_len, MrError *err)
{
	int32_t		L;

	if (se->m->input_kind != MR_INPUT_TEXT)
		return wrong_input(se->m, MR_INPUT_TEXT, err);
	L = mr_model_text_row(se->m, text, len, se->ring, se->ids, NULL, NULL);
	return keep_row(se, se->ids, NULL, L, label, label_len, err);
}

/* See mr_shard_epoch.h */
MrStatus
mr_shard_epoch_add_tokens(MrShardEpoch *se, const char *const *toks, const size_t *lens,
						  int64_t n, const char *label, size_t label_len, MrError *err)
{
	int32_t		L;

	if (se->m->input_kind != MR_INPUT_TOKENS)
		return wrong_input(se->m, MR_INPUT_TOKENS, err);
	L = mr_model_tokens_row(se->m, toks, lens, n, se->ring, se->ids, NULL);
	return keep_row(se, se->ids, NULL, L, label, label_len, err);
}

/* See mr_shard_epoch.h */
MrStatus
mr_shard_epoch_add_seq(MrShardEpoch *se, const MrSeqView *v, const MrToUtf8 *conv,
					   const char *label, size_t label_len, MrError *err)
{
	const float *feats;
	int32_t		L;
	MrStatus	st;

	if (se->m->input_kind != MR_INPUT_SERIES)
		return wrong_input(se->m, MR_INPUT_SERIES, err);
	if ((st = mr_predictor_series_row(se->predictor, v, conv, &feats, &L, err)) != MR_OK)
		return st;
	return keep_row(se, NULL, feats, L, label, label_len, err);
}

/*
 * The options' class weights over this part's rows: "balanced" is
 * n / (K n_k) of the part (shards of a hash-distributed table draw alike
 * from the classes), explicit weights as given, else none
 */
static const float *
class_weights(MrShardEpoch *se)
{
	const MrOptions *o = se->o;
	const MrModel *m = se->m;
	int32_t		K = m->cfg.n_classes;

	if (m->task != MR_TASK_CLASSIFICATION || o->class_weight == MR_CW_NONE)
		return NULL;
	for (int32_t k = 0; k < K; k++)
	{
		se->class_weight[k] = 1.0f;
		if (o->class_weight == MR_CW_BALANCED && se->class_count[k] > 0)
			se->class_weight[k] = (float) ((double) se->n / ((double) K * (double) se->class_count[k]));
	}
	if (o->class_weight == MR_CW_EXPLICIT)
		for (int i = 0; i < o->n_class_weights; i++)
		{
			int32_t		k = mr_vocab_lookup(m->label_index, o->weight_labels[i],
											o->weight_label_lens[i]);

			if (k >= 0)
				se->class_weight[k] = (float) o->weight_values[i];
		}
	return se->class_weight;
}

/* A 64-bit mix (splitmix64's finaliser), to seed each part and epoch apart */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* See mr_shard_epoch.h */
MrStatus
mr_shard_epoch_run(MrShardEpoch *se, int epoch, int threads, const MrTrainHooks *hooks,
				   MrShardResult *res, MrError *err)
{
	const MrOptions *o = se->o;
	MrModel    *m = se->m;
	MrDataset	data;
	MrTrainConfig tc;
	MrTrainResult tr;
	size_t		train_bytes = 0;
	MrStatus	st;

	memset(res, 0, sizeof(*res));
	res->skipped = se->skipped;
	res->params = m->params;
	if (se->n == 0)
		return MR_OK;

	memset(&data, 0, sizeof(data));
	data.n = se->n;
	data.T = se->T;
	data.F = se->F;
	data.ids = se->row_ids.len ? (const int32_t *) se->row_ids.data : NULL;
	data.feats = se->row_feats.len ? (const float *) (const void *) se->row_feats.data : NULL;
	data.lengths = (const int32_t *) se->lengths.data;
	data.labels = (const int32_t *) se->labels.data;
	data.values = se->values.len ? (const float *) (const void *) se->values.data : NULL;

	memset(&tc, 0, sizeof(tc));
	tc.epochs = 1;
	tc.batch_size = (int) o->batch_size;
	tc.adam.lr = (float) o->learning_rate;
	tc.adam.beta1 = MR_ADAM_BETA1;
	tc.adam.beta2 = MR_ADAM_BETA2;
	tc.adam.eps = MR_ADAM_EPS;
	tc.clip_norm = (float) o->clip_norm;
	tc.l2 = (float) o->l2;
	tc.dropout.input = (float) o->dropout;
	tc.dropout.recurrent = (float) o->recurrent_dropout;
	/* each epoch and part shuffles and drops out differently, reproducibly */
	tc.seed = mix64((uint64_t) o->seed ^ mix64((uint64_t) epoch) ^ mix64((uint64_t) se->n << 20));
	tc.class_weight = class_weights(se);
	if (m->task == MR_TASK_REGRESSION && m->loss == MR_LOSS_HUBER)
		tc.huber_delta = MR_HUBER_DELTA;
	tc.threads = threads > 0 ? threads : 1;
	tc.resume = 1;

	if (se->memory_limit > 0 &&
		(mr_train_memory(&m->cfg, &tc, &data, &train_bytes) != MR_OK ||
		 train_bytes + rows_memory(se) > se->memory_limit))
	{
		mr_error_message(err, MR_ELIMIT, "this node's training needs more than medrnn.train_memory_limit");
		mr_error_detail(err, "%lld rows and one batch's training state take about %zu MB here.",
						(long long) se->n, (train_bytes + rows_memory(se)) / (1024 * 1024));
		mr_error_hint(err, "Raise medrnn.train_memory_limit on the worker nodes, or reduce batch_size.");
		return MR_ELIMIT;
	}
	if ((st = mr_train(&m->net, &data, &tc, hooks, se->a, &tr, err)) != MR_OK)
		return st;
	res->rows = tr.train_rows;
	res->loss_sum = tr.epochs[0].loss * (double) tr.train_rows;
	res->hits = m->task == MR_TASK_CLASSIFICATION ?
		tr.epochs[0].accuracy * (double) tr.train_rows : 0.0;
	res->seconds = tr.seconds;
	mr_free(se->a, tr.epochs);
	return MR_OK;
}
