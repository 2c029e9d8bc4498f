/*
 * mr_pretrain.h
 *	  What pretraining a language model (rnn_pretrain) and fine-tuning from
 *	  one ask of the options: ULMFiT's recipe (Howard and Ruder 2018) on
 *	  medrnn's network.
 *
 * A language model is the classifier's embedding and LSTM stack with a
 * next-token head (mr_net.h), trained on rows without labels.  It reads
 * left to right and is masked, so every option about labels, pooling or
 * the other direction is refused rather than ignored.
 *
 * Fine-tuning starts a classifier (or any task) from a language model: it
 * keeps the base's tokenizer, vocabulary, embedding width and layers, so
 * those options are taken from the base, and one the caller gave that
 * differs is an error.  Words of the labelled rows that the base does not
 * know are left out, as they are at prediction.  The rows are masked, as
 * the base read them, unless "mask" or "padding" says otherwise.
 */
#ifndef MR_PRETRAIN_H
#define MR_PRETRAIN_H

#include "mr_common.h"
#include "mr_fit.h"
#include "mr_model.h"
#include "mr_options.h"

/* A language model's options: refuse what does not apply, mask the rows */
MrStatus	mr_pretrain_options(MrOptions *o, MrError *err);

/*
 * Fine-tuning from base: check that base is a language model reading what
 * source holds, refuse options that contradict it, and copy its
 * tokenizer, vocabulary size, embedding and layers into o
 */
MrStatus	mr_finetune_options(const MrModel *base, MrSourceKind source, MrOptions *o,
								MrError *err);

/* Training without a base: refuse the options only fine-tuning reads */
MrStatus	mr_scratch_options(const MrOptions *o, MrError *err);

/* A language model's outputs for a vocabulary of V ids (padding included) */
static inline int32_t
mr_lm_outputs(int32_t V, int64_t output_words)
{
	return (int64_t) V < output_words ? V : (int32_t) output_words;
}

#endif							/* MR_PRETRAIN_H */
