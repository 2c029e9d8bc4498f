/*
 * mr_targets.h
 *	  What a row's label means beyond one class: the tasks, the form their
 *	  labels travel in, and the targets training reads.
 *
 * The task follows the label column's type (the server decides it, the
 * "task" option overrides it):
 *	  classification	one class per row (text, integers, booleans ...)
 *	  multilabel		a set of labels per row (text[]): every label not in
 *						the set is a negative
 *	  multitask			yes/no results per label, some missing (a jsonb
 *						object {"assay": 1, ...}): a label a row does not
 *						mention is unknown, and trains nothing
 *	  regression		a number (float4, float8, numeric)
 *
 * Labels reach the fit pipeline as bytes (MrRow.label), as class labels
 * always did, so every corpus keeps, orders and hashes them unchanged:
 *	  classification	the label's text
 *	  regression		the number's text, as strtod reads it ("NaN" and
 *						"Infinity" too, which are skipped and counted)
 *	  multilabel,		entries, each '1' (positive) or '0' (negative), the
 *	  multitask			label's name (UTF-8, 1..MR_MAX_LABEL_BYTES, no NUL),
 *						and a NUL; no entries is an empty set
 * mr_targets_build then turns each distinct label into its target: one
 * standardised number, or K values of 1, 0 or -1 (unknown) over the K
 * label names in byte order.
 */
#ifndef MR_TARGETS_H
#define MR_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"
#include "mr_vocab.h"

typedef enum MrTask
{
	MR_TASK_CLASSIFICATION = 0,
	MR_TASK_MULTILABEL = 1,
	MR_TASK_MULTITASK = 2,
	MR_TASK_REGRESSION = 3,
	MR_TASK_LANGUAGE_MODEL = 4	/* pretraining: the next token (no labels) */
} MrTask;

/* The task's name as the options and rnn_model_info spell it */
const char *mr_task_name(int task);

/* The network head (MrHead) that predicts a task */
int			mr_task_head(int task);

/* Regression losses */
typedef enum MrRegressionLoss
{
	MR_LOSS_MSE = 0,
	MR_LOSS_HUBER = 1
} MrRegressionLoss;

/*
 * A regression's target mean and scale lie within +-MR_MAX_TARGET: the
 * model format refuses larger ones, which keeps output * scale + mean
 * finite in double arithmetic, so training refuses labels beyond it first
 */
#define MR_MAX_TARGET 1e30

/* Huber's threshold, in standard deviations of the target (Keras's default 1) */
#define MR_HUBER_DELTA 1.0f

/*
 * Read a regression label: 1 and *out for a finite number, 0 for NaN or
 * an infinity (a row to skip and count), -1 for text that is not a number
 */
int			mr_targets_parse_value(const char *s, size_t len, double *out);

/*
 * Check an encoded multi-label target and count its entries (a multitask
 * row with none has no known label).  MR_EINVAL with a message for a
 * malformed one: the server builds them, but the core trusts no input.
 */
MrStatus	mr_targets_check_multi(const char *s, size_t len, int64_t *n_entries, MrError *err);

/*
 * A row's truth for a multi-label model whose label names map to outputs
 * by names: truth[k] is 1 or 0 for a label the row gives, else 0
 * (multilabel) or -1 (multitask).  *unseen counts the row's labels the
 * model does not know (they are left out).  MR_EINVAL for a malformed one.
 */
MrStatus	mr_targets_truth(const char *s, size_t len, const MrVocab *names, int task,
							 int32_t K, int8_t *truth, int64_t *unseen, MrError *err);

/* What training reads, built from the distinct labels */
typedef struct MrTargets
{
	int			task;
	int32_t		K;				/* outputs: label names, or 1 */
	int32_t		n;				/* distinct targets */
	/* multilabel, multitask */
	MrVocab    *names;			/* label names, first-seen ids */
	int32_t    *name_order;		/* (K) name id of output k (byte order) */
	int8_t	   *multi;			/* (n, K) 1, 0, -1 */
	int64_t    *positives;		/* (K) rows positive for label k */
	int64_t    *known;			/* (K) rows with label k known */
	/* regression */
	float	   *values;			/* (n) standardised */
	double		mean;			/* of the rows' targets */
	double		scale;			/* their population standard deviation (> 0) */
} MrTargets;

/*
 * Build the targets of task from the n distinct labels: label_of[t] is the
 * id in labels of target t, and the rows' targets (rows of them) are
 * row_target[i], which weigh the means and counts.  MR_EDATA with a
 * message when the rows cannot train the task (all targets equal, no
 * label name, a target beyond +-MR_MAX_TARGET), MR_EINVAL for a malformed
 * label, MR_ENOMEM.  On failure t holds nothing to free.
 */
MrStatus	mr_targets_build(MrTargets *t, int task, const MrVocab *labels, const int32_t *label_of,
							 int32_t n, const int32_t *row_target, int64_t rows,
							 const MrAllocator *a, MrError *err);
void		mr_targets_free(MrTargets *t, const MrAllocator *a);

/*
 * Per-label loss weights (2 x K: negatives, then positives) that make each
 * label's two outcomes weigh alike, scikit-learn's "balanced" per label:
 * w = known_k / (2 * count); an outcome a label never has gets 1
 */
void		mr_targets_balanced_weights(const MrTargets *t, float *w);

#endif							/* MR_TARGETS_H */
