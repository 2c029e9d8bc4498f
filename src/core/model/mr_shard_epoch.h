/*
 * mr_shard_epoch.h
 *	  One epoch of data-parallel training on one part of the rows: a
 *	  shard on a Citus worker, or a parallel worker's share.
 *
 * Model averaging (local SGD; MADlib trains this way across Greenplum's
 * segments): every epoch, each part starts from the same model, runs an
 * epoch of mini-batch steps over its own rows, and the coordinator
 * averages the parts' weights, each weighted by its rows.  This file is
 * one part's side: rows arrive one at a time and are read the way the
 * model reads them at prediction (its tokenizer and vocabulary, its
 * variables' grid and scaling; labels through its classes or its target
 * scaling), and the epoch runs from the model's weights with the options
 * it records, through mr_train.  Adam starts afresh in every part and
 * epoch: only weights are averaged.
 *
 * Classification (softmax) and regression models; token and measurement
 * inputs.  A SMILES model's rows are read as written (no variants).
 */
#ifndef MR_SHARD_EPOCH_H
#define MR_SHARD_EPOCH_H

#include <stddef.h>
#include <stdint.h>

#include "mr_model.h"
#include "mr_options.h"
#include "mr_predict.h"
#include "mr_train.h"

typedef struct MrShardEpoch MrShardEpoch;

/* What one part's epoch did */
typedef struct MrShardResult
{
	int64_t		rows;			/* rows trained on */
	int64_t		skipped;		/* NULL input or label, a label the model does not
								 * know, a non-finite target */
	double		loss_sum;		/* mean training loss x rows */
	double		hits;			/* training accuracy x rows (classification) */
	double		seconds;		/* the epoch's compute */
	const float *params;		/* the weights after the epoch (the model's
								 * parameter count), valid until the part is freed */
} MrShardResult;

/*
 * A part for model m (decoded; it must outlive the part, and its weights
 * are trained in place) with options o (the ones m records), keeping its
 * rows within memory_limit bytes (0: no limit).  MR_EINVAL for a model
 * data-parallel training does not train.
 */
MrStatus	mr_shard_epoch_new(MrModel *m, const MrOptions *o, size_t memory_limit,
							   const MrAllocator *a, MrShardEpoch **out, MrError *err);
void		mr_shard_epoch_free(MrShardEpoch *se);

/*
 * Add one row, input and label (UTF-8; label NULL: none, the row is
 * skipped and counted).  MR_ELIMIT past the memory limit, MR_EMISMATCH for
 * an input of another kind than the model reads.
 */
MrStatus	mr_shard_epoch_add_text(MrShardEpoch *se, const char *text, size_t len,
									const char *label, size_t label_len, MrError *err);
MrStatus	mr_shard_epoch_add_tokens(MrShardEpoch *se, const char *const *toks,
									  const size_t *lens, int64_t n,
									  const char *label, size_t label_len, MrError *err);
MrStatus	mr_shard_epoch_add_seq(MrShardEpoch *se, const MrSeqView *v, const MrToUtf8 *conv,
								   const char *label, size_t label_len, MrError *err);
void		mr_shard_epoch_skip(MrShardEpoch *se);

/*
 * Train epoch (1-based: it seeds the shuffling and dropout together with
 * the model's seed and the part's rows) over the rows added, with threads
 * workers per batch.  With no rows, res->rows is 0 and the weights are the
 * model's.  MR_ECANCELED when hooks->should_stop says so, MR_EDIVERGED,
 * MR_ELIMIT, MR_ENOMEM.
 */
MrStatus	mr_shard_epoch_run(MrShardEpoch *se, int epoch, int threads,
							   const MrTrainHooks *hooks, MrShardResult *res, MrError *err);

#endif							/* MR_SHARD_EPOCH_H */
