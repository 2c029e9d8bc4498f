/*
 * mr_input.h
 *	  Turning one input into one network row: the token ids of a text (or
 *	  of pre-split tokens) placed in a window of T steps.
 *
 * Keras semantics: out-of-vocabulary tokens are dropped, then a row longer
 * than T loses its first ("pre", the default) or last ("post") ids, and a
 * shorter one is padded with id 0 before ("pre") or after ("post").
 */
#ifndef MR_INPUT_H
#define MR_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "mr_infer.h"
#include "mr_model.h"

/*
 * Collects ids into a window as they arrive.  With truncating "pre" only
 * the last T ids survive (a ring buffer), so a 1 MB text needs no more
 * than T slots and no allocation.
 */
typedef struct MrWindow
{
	int32_t    *ring;			/* T slots, caller-provided */
	int			T;
	int			truncating;		/* MrPadding */
	int64_t		seen;			/* ids offered so far */
} MrWindow;

void		mr_window_init(MrWindow *w, int32_t *ring, int T, int truncating);
/* Offer the next id; returns 1 once a "post" window is full (stop early) */
int			mr_window_push(MrWindow *w, int32_t id);
/* Write the padded row (T ids) and return its real length */
int32_t		mr_window_finish(const MrWindow *w, int padding, int32_t *out);

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

#endif							/* MR_INPUT_H */
