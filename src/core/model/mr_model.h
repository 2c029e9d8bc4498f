/*
 * mr_model.h
 *	  The model file format: encode a trained model to bytes and decode
 *	  (validate) bytes back into a model.
 *
 * A model is what rnn_train returns as bytea and what rnn_predict reads.
 * Any SQL user can hand rnn_predict any bytea, so the decoder treats its
 * input as hostile: every length, count and dimension is checked with
 * overflow-checked arithmetic before anything is read or allocated, every
 * weight must be finite, and the whole image is covered by a checksum.
 *
 * Versions.  The format version of an image is the oldest version whose
 * reader knows every section in it: each section has the version that
 * introduced it (below), and the encoder writes the highest of those among
 * the sections it writes.  A model that uses no newer feature is therefore
 * readable by every older release (a dump restored on an older server, a
 * replica mid-upgrade), and one that needs newer code is refused by an
 * older reader as an unsupported format version, with a hint to update,
 * not as damage.  A release that adds sections adds one version for all
 * of them; a reader refuses a section newer than the image's version.
 *
 * Layout (all integers and floats little-endian, no padding):
 *
 *	  offset  size  field
 *	  0		  4		magic "MRNN"
 *	  4		  2		format version (1 to 5, see above)
 *	  6		  2		reserved, must be 0
 *	  8		  4		total length in bytes, including the checksum
 *	  12	  4		section count (at most MR_MODEL_MAX_SECTIONS)
 *	  16	  ...	sections: tag (4 ASCII bytes), payload length (u32), payload
 *	  len-4	  4		CRC-32C (Castagnoli) of bytes [0, len-4)
 *
 * Sections (each at most once; unknown tags are an error), version 1
 * unless marked:
 *	  CONF	required.  22 int32: input kind, tokenizer (3, smiles: version 2), lowercase,
 *			truncating, vocab size V, embed width E, features F, maxlen T,
 *			padding, layers L, hidden[8] (unused slots 0), bidirectional,
 *			pooling, classes K, positive class (-1 if none).  Version 3: a
 *			23rd, the mask flag, written only for a masked network (then 1,
 *			with padding post); 22 fields mean no mask.
 *	  VOCB	required iff V > 0.  u32 count (= V - 1), then count entries of
 *			u32 length + UTF-8 bytes: the token of id 1, 2, ... in rank
 *			order (id 0 is padding).  Tokens are 1..MR_MAX_TOKEN_BYTES
 *			bytes, distinct, without NUL bytes.
 *	  LABL	required.  u32 count (= K), then K entries of u32 length + UTF-8
 *			bytes (0..MR_MAX_LABEL_BYTES, distinct, no NUL): the class labels.
 *	  WGTS	required.  u32 count (= the parameter count the config implies),
 *			then that many float32 in the order of mr_net.h, each within
 *			+-MR_NET_MAX_WEIGHT.
 *	  OPTS	required.  UTF-8 JSON text of the options used (display only).
 *	  HIST	required.  u64 rows used, u64 rows skipped, u64 training rows,
 *			u64 validation rows, u32 epochs n, u32 best epoch, u32 stopped
 *			early, then n x (f64 loss, f64 accuracy, f64 validation loss,
 *			f64 validation accuracy); validation figures are NaN without a
 *			validation split.
 *	  SERI	required iff the model reads measurements (input kind 3):
 *			u32 time kind (1 number, 2 timestamp in seconds), u32 origin
 *			(0 time zero, 1 first event), f64 bin width, u32 count V (= F/3),
 *			V entries of u32 length + UTF-8 variable name (1..MR_MAX_TOKEN_BYTES,
 *			distinct, no NUL), then V f32 means and V f32 scales (within
 *			+-1e30, scales > 0).  See mr_series.h for how they make the inputs.
 *	  SMIV	version 2.  Optional, only for text models with the char or
 *			smiles tokenizer:
 *			u32 SMILES variants (2..MR_MAX_SMILES_VARIANTS), u64 training
 *			rows kept as written because they were not read as SMILES.
 *			Prediction averages the probabilities of the text as written
 *			and variants - 1 rewrites of it (mr_smiles.h).
 *	  TASK	version 4.  Present exactly when the model does not classify
 *			(mr_targets.h): u32 task (1 multilabel, 2 multitask, 3
 *			regression), u32 loss (regression: 0 squared error, 1 Huber;
 *			else 0), f64 target mean and f64 target scale (regression: the
 *			standardisation of its targets, scale > 0; else 0 and 1), then
 *			for the multi-label tasks K f32 decision thresholds in (0, 1).
 *			A multi-label model's LABL holds its K label names, a
 *			regression model's one name (its label column's).  The task
 *			sets the network's head (mr_net.h): without TASK it is softmax.
 *			Version 5: task 4, a language model (rnn_pretrain; loss 0,
 *			mean 0, scale 1, no thresholds): its network has the
 *			next-token head, and LABL holds its K outputs, "" (any rarer
 *			token) and then the tokens of ids 1..K-1 as VOCB spells them.
 *	  LINE	version 5.  Optional: the model was fine-tuned from a base
 *			model (a language model) whose vocabulary and layers it starts
 *			from: 32 bytes, the SHA-256 of the base's identifying bytes
 *			(its fingerprint), then u64 rows the base was trained on.
 *	  TIME	required, last.  f64 training seconds, f64 creation time (Unix
 *			seconds), then n x f64 epoch seconds.  Wall-clock figures vary
 *			between identical runs, so the fingerprint (a hash of all bytes
 *			before TIME) identifies a model while TIME is ignored.
 */
#ifndef MR_MODEL_H
#define MR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"
#include "mr_crc32c.h"
#include "mr_net.h"
#include "mr_smiles.h"
#include "mr_targets.h"
#include "mr_train.h"
#include "mr_vocab.h"

#define MR_MODEL_MAGIC			"MRNN"
#define MR_MODEL_VERSION		5	/* the newest version this build reads */
#define MR_FINGERPRINT_BYTES	32	/* SHA-256 */
#define MR_MODEL_MAX_SECTIONS	16
#define MR_MODEL_MAX_OPTIONS	(1024 * 1024)	/* bytes of OPTS text */
#define MR_MODEL_HEADER_BYTES	16

/* What the model reads (CONF input kind) */
typedef enum MrInputKind
{
	MR_INPUT_TEXT = 1,			/* text, tokenized by the model's tokenizer */
	MR_INPUT_TOKENS = 2,		/* pre-split tokens (text[] or rnnseq tokens) */
	MR_INPUT_SERIES = 3			/* measurements (rnnseq), features only */
} MrInputKind;

#define MR_SERIES_TIME_NUMBER		1
#define MR_SERIES_TIME_TIMESTAMP	2

typedef struct MrModel
{
	uint16_t	version;
	int32_t		input_kind;		/* MrInputKind */
	int32_t		tokenizer;		/* MrTokenizerKind, 0 when not text */
	int32_t		lowercase;
	int32_t		truncating;		/* MrPadding: which end long rows lose */
	int32_t		positive_class; /* binary models: index of the positive class, else -1 */
	/* TASK: MR_TASK_CLASSIFICATION (0) without it */
	int32_t		task;			/* MrTask */
	int32_t		loss;			/* regression: MrRegressionLoss */
	double		target_mean;	/* regression: prediction = output * scale + mean */
	double		target_scale;
	float	   *thresholds;		/* multi-label tasks: (K) a label is predicted at >= */
	/* LINE: the base model a fine-tuned model started from */
	int32_t		has_base;
	uint8_t		base_fingerprint[MR_FINGERPRINT_BYTES];
	uint64_t	base_rows;
	MrNetConfig cfg;
	MrNet		net;			/* bound to params */
	float	   *params;
	/* tokens: id i+1 <-> tokens[i]; vocab maps a token to i */
	int32_t		n_tokens;
	const char **tokens;
	uint32_t   *token_len;
	MrVocab    *vocab;
	/* labels: class k <-> labels[k]; label_index maps a label to k */
	const char **labels;
	uint32_t   *label_len;
	MrVocab    *label_index;
	/* SERI: measurement models */
	int32_t		series_time_kind;	/* MR_SERIES_TIME_* */
	int32_t		series_origin;	/* MrSeriesOrigin */
	double		series_step;	/* bin width in the sequences' time unit */
	int32_t		n_vars;			/* V = F / 3 */
	const char **var_names;
	uint32_t   *var_name_len;
	MrVocab    *var_index;		/* name -> variable index */
	float	   *var_mean;		/* (V) */
	float	   *var_scale;		/* (V) */
	/* SMIV: 0 = none */
	int32_t		smiles_variants;
	uint64_t	rows_not_rewritten;
	/* OPTS */
	const char *options_json;
	uint32_t	options_len;
	/* HIST and TIME */
	uint64_t	rows_used;
	uint64_t	rows_skipped;
	uint64_t	train_rows;
	uint64_t	val_rows;
	int32_t		n_epochs;
	int32_t		best_epoch;
	int32_t		stopped_early;
	MrEpochLog *epochs;			/* n_epochs, seconds from TIME */
	double		train_seconds;
	double		created_at;
	/* decoder output: bytes [0, fingerprint_len) identify the model */
	size_t		fingerprint_len;
	uint8_t    *buffer;			/* decoder's copy of the image; strings point into it */
} MrModel;

/*
 * Encode m into a new buffer from a (*out, *out_len).  The fields that
 * decoding fills (vocab, label_index, fingerprint_len) are not read.
 */
MrStatus	mr_model_encode(const MrModel *m, const MrAllocator *a,
							uint8_t **out, size_t *out_len, MrError *err);

/*
 * Validate buf[0..len) and decode it into a new model from a.  On failure
 * returns the status with a detail sentence in err and allocates nothing
 * that outlives the call.
 */
MrStatus	mr_model_decode(const uint8_t *buf, size_t len, const MrAllocator *a,
							MrModel **out, MrError *err);

/* Free a decoded model */
void		mr_model_free(MrModel *m, const MrAllocator *a);

/* A regression model's prediction in its label's units, from its output */
static inline double
mr_model_value(const MrModel *m, float output)
{
	return (double) output * m->target_scale + m->target_mean;
}


#endif							/* MR_MODEL_H */
