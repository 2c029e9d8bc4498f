/*
 * mr_predict.h
 *	  A model's inputs to probabilities: a text tokenized with the model's
 *	  tokenizer and looked up in its vocabulary (the mean over SMILES
 *	  variants for a model trained with them), pre-split tokens, and rnnseq
 *	  values of tokens or measurements; and the tokens of an input as the
 *	  model reads them, for explanations.
 *
 * Every SQL function that predicts, evaluates or explains goes through a
 * predictor (one per query and call site, kept with the decoded model), so
 * a given model and input give the same probabilities whatever the query.
 */
#ifndef MR_PREDICT_H
#define MR_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "mr_infer.h"
#include "mr_model.h"
#include "mr_seq.h"

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

/* ----------------------------------------------------------------------
 * the predictor
 * ---------------------------------------------------------------------- */

typedef struct MrPredictor MrPredictor;

/*
 * How an rnnseq's strings (in the database's encoding) become UTF-8, the
 * model's: a pointer to the bytes, valid while the call lasts.  NULL: they
 * are UTF-8 already.
 */
typedef struct MrToUtf8
{
	const char *(*convert) (const char *s, size_t len, size_t *out_len, void *state);
	void	   *state;
} MrToUtf8;

/* Bytes a predictor for m holds (check it against a memory budget first) */
MrStatus	mr_predictor_size(const MrModel *m, size_t *bytes);

/* A predictor for m, which must outlive it; everything from a */
MrStatus	mr_predictor_new(const MrModel *m, const MrAllocator *a, MrPredictor **out);
void		mr_predictor_free(MrPredictor *p);

/*
 * MR_EMISMATCH with a message and a hint when the model does not read the
 * given kind of input (text, text[] tokens, measurement sequences)
 */
MrStatus	mr_predict_check_input(const MrModel *m, MrInputKind given, MrError *err);

/*
 * The class probabilities (K) of an input, in *probs (the predictor's,
 * valid until its next call).  An input of another kind than the model
 * reads is MR_EMISMATCH with a message and a hint.
 */
MrStatus	mr_predict_text(MrPredictor *p, const char *text, size_t len,
							const float **probs, MrError *err);
MrStatus	mr_predict_tokens(MrPredictor *p, const char *const *toks, const size_t *lens,
							  int64_t n, const float **probs, MrError *err);
MrStatus	mr_predict_seq(MrPredictor *p, const MrSeqView *v, const MrToUtf8 *conv,
						   const float **probs, MrError *err);

/*
 * A measurement model's inputs for v: (T, F) features in *feats (the
 * predictor's, valid until its next call) and the row length in *L.
 * Variables the model does not know are ignored.
 */
MrStatus	mr_predictor_series_row(MrPredictor *p, const MrSeqView *v, const MrToUtf8 *conv,
									const float **feats, int32_t *L, MrError *err);

/* ----------------------------------------------------------------------
 * the tokens of an input, for explanations
 * ---------------------------------------------------------------------- */

/* One token of an input, and where the model read it */
typedef struct MrReadToken
{
	const char *text;			/* UTF-8, NUL-terminated; NULL for a missing token */
	int32_t		id;				/* vocabulary index (embedding row id + 1); -1 unknown */
	int32_t		step;			/* the window step that read it; -1 if none did */
} MrReadToken;

typedef struct MrReadTokens
{
	MrReadToken *t;
	int64_t		n;
	int64_t		cap;
	const MrAllocator *a;
} MrReadTokens;

/* A text's tokens, by the model's tokenizer */
MrStatus	mr_read_text_tokens(const MrModel *m, const char *text, size_t len,
								const MrAllocator *a, MrReadTokens *out);

/*
 * Pre-split tokens (toks[i] NULL: a missing token), cut as training cut
 * them
 */
MrStatus	mr_read_given_tokens(const MrModel *m, const char *const *toks, const size_t *lens,
								 int64_t n, const MrAllocator *a, MrReadTokens *out);

/*
 * Lay the known tokens out in the window exactly as mr_window does for
 * prediction: fill ids (T), set each token's step, return the real length
 */
int32_t		mr_read_tokens_window(const MrModel *m, MrReadTokens *rt, int32_t *ids);

void		mr_read_tokens_free(MrReadTokens *rt);

#endif							/* MR_PREDICT_H */
