/*
 * mr_train.h
 *	  The training loop: epochs of shuffled mini-batches, Adam, optional
 *	  validation split, early stopping, class weights, dropout and L2.
 *
 * The caller owns the rows (already tokenized, padded to T) and the
 * parameter array; mr_train initialises the parameters from the seed and
 * trains them in place.  Everything it allocates comes from the allocator
 * and is released before it returns (or, in the server, with the memory
 * context when a hook raises an error).
 */
#ifndef MR_TRAIN_H
#define MR_TRAIN_H

#include <stdint.h>

#include "mr_common.h"
#include "mr_net.h"
#include "mr_optim.h"

/*
 * Training rows, row-major.  With SMILES variants (V > 1) every row has V
 * token rows, the first as written: each epoch trains each row on one of
 * them, drawn at random, and validation reads the first.
 */
typedef struct MrDataset
{
	int64_t		n;				/* rows */
	int32_t		T;				/* steps per row: the network's maxlen, or for a
								 * masked network at most that (its rows end
								 * with their real steps) */
	int32_t		F;				/* features per step: must be the network's */
	const int32_t *ids;			/* (n, V, T) token ids, or NULL */
	const float *feats;			/* (n, T, F), or NULL */
	const int32_t *lengths;		/* (n, V) real steps, 0..T */
	const int32_t *labels;		/* (n) softmax head: class in [0, K); other
								 * heads: the row's target, an index into
								 * multi or values */
	int32_t		variants;		/* V; 0 or 1 = one per row */
	const int8_t *multi;		/* sigmoid head: (targets, K) 1, 0 or -1 (unknown) */
	const float *values;		/* linear head: (targets) standardised values */
} MrDataset;

typedef struct MrTrainConfig
{
	int			epochs;			/* >= 1 */
	int			batch_size;		/* >= 1 */
	MrAdam		adam;
	float		clip_norm;		/* global gradient-norm limit; 0 = none */
	float		l2;				/* loss += l2 * sum(w^2) over kernels; 0 = none */
	MrDropout	dropout;
	uint64_t	seed;
	float		validation_split;	/* fraction held out, stratified; 0 = none */
	int			patience;		/* early stopping epochs; 0 = off */
	const float *class_weight;	/* (K) per-class loss weight, or NULL */
	const float *label_weight;	/* sigmoid head: (2, K) weights of each label's
								 * negatives and positives, or NULL */
	float		huber_delta;	/* linear head: Huber's loss beyond it; 0 = squared error */
	int			threads;		/* workers sharing each batch (1 = none) */
	/* fine-tuning (ULMFiT, Howard and Ruder 2018) */
	const MrNet *base;			/* start from its embedding and layers (mr_net_copy_body), or NULL */
	float		lr_decay;		/* discriminative rates: each group below the head
								 * learns this many times slower than the one above
								 * (ULMFiT: 2.6); 0 or 1 = one rate */
	int			gradual_unfreeze;	/* epoch e trains the head and the e - 1 groups
									 * below it (mr_net_param_groups); 0 = all.
									 * Early stopping watches from the first epoch
									 * in which every group trains. */
	int			resume;			/* keep the network's weights and train on from them
								 * (data-parallel training: one shard's epoch from
								 * the averaged model); 0 = initialise from seed */
} MrTrainConfig;

/* One epoch's figures; val_* are NaN without a validation split */
typedef struct MrEpochLog
{
	int			epoch;			/* 1-based */
	double		loss;			/* mean training loss (with class weights and L2);
								 * next-token head: per prediction */
	double		accuracy;		/* training accuracy (sigmoid head: of the known
								 * labels, per row; linear head: NaN; next-token
								 * head: of the predicted tokens) */
	double		val_loss;		/* unweighted, no dropout */
	double		val_accuracy;
	double		seconds;
	int64_t		rows;
} MrEpochLog;

typedef struct MrTrainHooks
{
	/*
	 * Polled before every batch and between layers; nonzero stops training
	 * with MR_ECANCELED.  (The server calls CHECK_FOR_INTERRUPTS, which
	 * raises an error instead of returning.)
	 */
	int			(*should_stop) (void *state);
	/* after every epoch */
	void		(*on_epoch) (const MrEpochLog *log, void *state);
	/* after every batch: progress so far in this epoch */
	void		(*on_batch) (int epoch, int64_t rows_done, int64_t rows_total,
							 double loss_so_far, void *state);
	void	   *state;
} MrTrainHooks;

typedef struct MrTrainResult
{
	int			n_epochs;		/* epochs run */
	MrEpochLog *epochs;			/* n_epochs entries, from the allocator */
	int			best_epoch;		/* epoch whose weights were kept (1-based) */
	int			stopped_early;	/* early stopping ended the run */
	int64_t		train_rows;
	int64_t		val_rows;
	double		seconds;		/* whole run */
} MrTrainResult;

/*
 * Bytes mr_train will allocate to train on data (the parameters and the
 * rows themselves not included): the same description it carves its
 * state from, so the figure is exact
 */
MrStatus	mr_train_memory(const MrNetConfig *cfg, const MrTrainConfig *tc,
							const MrDataset *data, size_t *bytes);

/*
 * Initialise net's parameters from tc->seed (unless tc->resume) and train
 * them on data.
 * Returns MR_EDIVERGED when a loss is not finite, MR_ECANCELED when a hook
 * says stop, MR_EINVAL for inconsistent arguments (detail in err).
 */
MrStatus	mr_train(MrNet *net, const MrDataset *data, const MrTrainConfig *tc,
					 const MrTrainHooks *hooks, const MrAllocator *a,
					 MrTrainResult *res, MrError *err);

/*
 * Length buckets for a masked network's epoch, so a batch's work is its
 * longest row's rather than maxlen's: the (already shuffled) rows idx[0..n)
 * are sorted by length (stably, with the variant each trains on when
 * variant is not NULL) inside windows of MR_BUCKET_WINDOW batches, cut
 * into batches of B, and the batches' order is shuffled with rng.  Writes
 * the start of each batch, in the order to run them, to starts (n / B + 1
 * entries) and returns how many there are; tmp is scratch for n indices.
 * Every row is in exactly one batch, and the same rng state gives the same
 * batches.
 */
#define MR_BUCKET_WINDOW 32
int64_t		mr_bucket_batches(int64_t *idx, int64_t n, const MrDataset *data,
							  const int32_t *variant, int B, MrRng *rng,
							  int64_t *starts, int64_t *tmp);

/*
 * Stratified split of n labelled rows: writes the indices of the held-out
 * rows to val_idx and the rest to train_idx (both in row order) and
 * returns the held-out count.  Each class gives round(frac * n_c) rows but
 * keeps at least one in training.  labels NULL: one class (a seeded random
 * split; the sigmoid and linear heads' targets have no classes).
 */
int64_t		mr_stratified_split(const int32_t *labels, int64_t n, int K, float frac,
								uint64_t seed, int64_t *train_idx, int64_t *val_idx,
								const MrAllocator *a);

#endif							/* MR_TRAIN_H */
