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

#endif							/* MR_LOSS_H */
