/*
 * mr_optim.h
 *	  Adam and gradient-norm clipping over flat arrays.
 */
#ifndef MR_OPTIM_H
#define MR_OPTIM_H

#include <stddef.h>
#include <stdint.h>

/* Keras' Adam constants (tf.keras.optimizers.Adam), which every training uses */
#define MR_ADAM_BETA1 0.9f
#define MR_ADAM_BETA2 0.999f
#define MR_ADAM_EPS 1e-7f

typedef struct MrAdam
{
	float		lr;				/* learning rate (Keras default 0.001) */
	float		beta1;			/* 0.9 */
	float		beta2;			/* 0.999 */
	float		eps;			/* 1e-7, the Keras default (PyTorch: 1e-8) */
} MrAdam;

/*
 * One Adam step (Kingma and Ba 2015) at step t >= 1 over n parameters:
 *	  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *	  p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 */
void		mr_adam_update(const MrAdam *opt, int64_t t, float *p, const float *g,
						   float *m, float *v, size_t n);

/* Sum of squares of n floats, in double */
double		mr_sumsq(const float *x, size_t n);

/* x *= s over n floats */
void		mr_scale(float *x, size_t n, float s);

#endif							/* MR_OPTIM_H */
