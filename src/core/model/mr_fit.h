/*
 * mr_fit.h
 *	  The one way a model is made: rows in, model bytes out.
 *
 * mr_fit owns the whole pipeline: it reads the rows from a source
 * (tokenizing texts, collecting tokens or measurements, counting what it
 * skips), builds the vocabulary and the training rows, derives the
 * network's shape from the options, checks everything that can be checked
 * and the memory the run needs before the first epoch, trains, and encodes
 * the model.  rnn_train (src/pg/train.c) only reads rows through SPI and
 * reports; the benchmark and the tools call the same function, so nothing
 * outside this file builds a model field by field.
 *
 * Messages are UTF-8: errors in err (message, detail, hint), NOTICEs and
 * WARNINGs through hooks->notice.
 */
#ifndef MR_FIT_H
#define MR_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "mr_buf.h"
#include "mr_common.h"
#include "mr_model.h"
#include "mr_options.h"
#include "mr_train.h"

/* What the input column holds */
typedef enum MrSourceKind
{
	MR_SOURCE_TEXT = 1,			/* strings, tokenized by the model */
	MR_SOURCE_TOKENS = 2,		/* pre-split tokens (text[]) */
	MR_SOURCE_SEQ = 3			/* rnnseq: token or measurement sequences, told by the rows */
} MrSourceKind;

/* What one row holds */
typedef enum MrRowKind
{
	MR_ROW_END = 0,				/* no more rows */
	MR_ROW_TEXT,				/* text, len */
	MR_ROW_TOKENS,				/* toks, lens, n (NULL tokens already left out) */
	MR_ROW_EVENTS,				/* times, vars, var_lens, values (NaN: missing), n */
	MR_ROW_EMPTY				/* an empty sequence: tokens or measurements alike */
} MrRowKind;

/* One row of the source; what it points to need only last until the next one */
typedef struct MrRow
{
	MrRowKind	kind;
	int			input_null;		/* a NULL input: the row is skipped and counted */
	const char *text;			/* MR_ROW_TEXT: UTF-8 */
	size_t		len;
	const char *const *toks;	/* MR_ROW_TOKENS: UTF-8 */
	const size_t *lens;
	const double *times;		/* MR_ROW_EVENTS, sorted */
	const char *const *vars;	/* UTF-8 variable names */
	const size_t *var_lens;
	const double *values;
	int64_t		n;				/* tokens or events */
	int			time_kind;		/* MR_ROW_EVENTS: MR_SERIES_TIME_* */
	int64_t		dropped_events; /* events the sequence's aggregate skipped */
	const char *label;			/* UTF-8, as the task encodes it (mr_targets.h);
								 * NULL for a NULL label (skipped and counted) */
	size_t		label_len;
} MrRow;

typedef struct MrRowSource
{
	/* Fill row with the next row; kind MR_ROW_END after the last */
	void		(*next) (MrRow *row, void *state);
	void	   *state;
} MrRowSource;

typedef struct MrFitSpec
{
	MrOptions	options;		/* parsed (mr_options_parse) */
	MrSourceKind source;
	const char *relation;		/* UTF-8 names, for messages */
	const char *input_column;
	const char *label_column;
	int			task;			/* MrTask the labels are encoded for */
	int			threads;		/* workers per batch (medrnn.threads) */
	size_t		memory_limit;	/* bytes the run may hold; 0: no limit */
	double		created_at;		/* Unix seconds; 0: now */
	MrFormatDouble format_double;	/* numbers of the recorded options; NULL: mr_format_double */
	/*
	 * Fine-tuning (mr_pretrain.h): the decoded base model, a language
	 * model, and its fingerprint (the SHA-256 of its identifying bytes,
	 * which the model records as its lineage); base NULL = from scratch
	 */
	const MrModel *base;
	uint8_t		base_fingerprint[MR_FINGERPRINT_BYTES];
	/*
	 * Initialise the weights from the seed but train no epoch: the
	 * starting model of data-parallel training, whose epochs run where
	 * the rows are (mr_shard_epoch.h); its history is one empty epoch
	 */
	int			init_only;
} MrFitSpec;

typedef struct MrFitHooks
{
	/* polled between rows, batches and layers: nonzero stops with MR_ECANCELED */
	int			(*should_stop) (void *state);
	MrNoticeFn	notice;			/* NOTICEs (what was skipped, each epoch) and WARNINGs */
	/* training begins: the network, how it trains, and on which rows */
	void		(*on_start) (const MrNetConfig *cfg, const MrTrainConfig *tc,
							 const MrDataset *data, void *state);
	/* after every batch: progress so far in this epoch */
	void		(*on_batch) (int epoch, int64_t rows_done, int64_t rows_total,
							 double loss_so_far, void *state);
	void	   *state;
} MrFitHooks;

/*
 * Train a model on the rows of src as spec says, and encode it into a new
 * buffer from a (*image, *len).  spec->task MR_TASK_LANGUAGE_MODEL
 * pretrains a language model (the rows' labels are not read); spec->base
 * fine-tunes one.  Everything else allocated is released before returning
 * (or, in the server, with the memory context when a hook raises an
 * error).  On failure err says why, with the statuses:
 * MR_EINVAL (an option, or an option that does not fit the rows),
 * MR_EDATA (no usable rows, one class), MR_EMISMATCH (a column mixing
 * kinds of sequences), MR_ELIMIT (over spec->memory_limit), MR_EDIVERGED,
 * MR_ECANCELED, MR_ENOMEM.
 */
MrStatus	mr_fit(const MrFitSpec *spec, const MrRowSource *src, const MrFitHooks *hooks,
				   const MrAllocator *a, uint8_t **image, size_t *len, MrError *err);

#endif							/* MR_FIT_H */
