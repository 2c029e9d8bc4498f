/*
 * mr_predict.h
 *	  A model's inputs to network rows and probabilities: a text tokenized
 *	  with the model's tokenizer and looked up in its vocabulary, pre-split
 *	  tokens, and the mean over SMILES variants.
 */
#ifndef MR_PREDICT_H
#define MR_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "mr_infer.h"
#include "mr_model.h"

/*
 * Tokenize text with the model's tokenizer, look each token up in its
 * vocabulary and fill out[T] (ring needs T slots of scratch).  Returns the
 * real length; *n_tokens (if not NULL) gets the token count before OOV
 * dropping and truncation, *n_known the in-vocabulary count.
 */
int32_t		mr_model_text_row(const MrModel *m, const char *text, size_t len,
							  int32_t *ring, int32_t *out,
							  int64_t *n_tokens, int64_t *n_known);

/*
 * The same for pre-split tokens (UTF-8 strings, looked up verbatim, cut to
 * MR_MAX_TOKEN_BYTES on a character boundary as in training; empty ones
 * are unknown)
 */
int32_t		mr_model_tokens_row(const MrModel *m, const char *const *toks,
								const size_t *lens, int64_t n,
								int32_t *ring, int32_t *out,
								int64_t *n_known);

/*
 * The class probabilities (K) of a text: one forward pass of inf (made for
 * m's network) over its row, or for a model with SMILES variants the mean
 * over the text as written and m->smiles_variants - 1 rewrites of it,
 * drawn from the text alone (a text that is not read as SMILES counts
 * once).  ring and ids need T slots, sum K floats of scratch.  Returns
 * MR_ENOMEM if a molecule's buffers cannot be allocated.
 */
MrStatus	mr_model_text_probs(const MrModel *m, MrInfer *inf, const char *text, size_t len,
								int32_t *ring, int32_t *ids, float *sum, float *probs,
								const MrAllocator *a);

#endif							/* MR_PREDICT_H */
