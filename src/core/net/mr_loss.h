/*
 * mr_loss.h
 *	  The losses of the three heads (mr_net.h) and their gradients with
 *	  respect to the logits, over one batch (or a worker's share of one).
 *
 * Each writes acts->dlogits = dloss/dlogits for mr_net_backward and
 * returns the loss summed over its rows divided by B_total, the whole
 * batch's size (more than acts->B when workers share a batch), so the
 * workers' figures add up to the batch mean.
 *
 *	  softmax	weighted cross-entropy of one class (mr_net_loss in mr_net.h)
 *	  sigmoid	binary cross-entropy per label, from the logits (stable at
 *				any logit), averaged over the K labels as Keras's
 *				binary_crossentropy is; an unknown label (target -1, a
 *				multi-task row without that task's result) adds neither
 *				loss nor gradient, so it is not read as a negative
 *	  linear	squared error (Keras mean_squared_error), or Huber's loss
 *				with threshold delta (Keras Huber: 0.5 e^2 within delta,
 *				delta (|e| - 0.5 delta) beyond), on standardised targets
 *	  next token  a language model's cross-entropy of the next token at
 *				every real step but a row's last, divided by the whole
 *				batch's count of such predictions instead of B_total
 */
#ifndef MR_LOSS_H
#define MR_LOSS_H

#include <stdint.h>

#include "mr_net.h"

/*
 * Sigmoid head.  Row b's targets are multi[idx[b] * K ...], each 1, 0 or
 * -1 (unknown).  label_weight (2 x K: negatives' weights, then positives')
 * weighs each label's two outcomes, NULL = 1.  *correct gets the sum over
 * rows of the fraction of a row's known labels predicted right at 0.5 (a
 * row with no known label counts 0).
 */
double		mr_loss_sigmoid(MrActs *acts, int K, const int32_t *idx, const int8_t *multi,
							const float *label_weight, double *correct, int B_total);

/*
 * Linear head.  Row b's target is values[idx[b]]; huber_delta > 0 uses
 * Huber's loss, 0 squared error.
 */
double		mr_loss_linear(MrActs *acts, const int32_t *idx, const float *values,
						   float huber_delta, int B_total);

/*
 * Next-token head (pretraining).  Step t of row b predicts the token at
 * t + 1 (its output class: the id if below K, else 0, "a rarer token");
 * a row of L real steps makes L - 1 predictions.  The loss is summed over
 * them and divided by tokens_total, the batch's count over all workers
 * (mr_lm_predictions); steps without a prediction get a zero gradient.
 * The gradient overwrites the outputs (acts->probs is acts->dlogits).
 * *correct gets the predictions whose most probable output was right.
 */
double		mr_loss_next_token(MrActs *acts, const MrBatch *batch, int K,
							   int64_t tokens_total, double *correct);

/* Predictions a row of length L makes in a language model */
static inline int64_t
mr_lm_predictions(int32_t L)
{
	return L > 1 ? L - 1 : 0;
}

#endif							/* MR_LOSS_H */
