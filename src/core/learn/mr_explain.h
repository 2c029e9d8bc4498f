/*
 * mr_explain.h
 *	  Per-step attributions by integrated gradients (Sundararajan, Taly and
 *	  Yan, "Axiomatic Attribution for Deep Networks", ICML 2017).
 *
 * For a row x and a baseline x' the attribution of input element i to the
 * logit F of the target class is
 *	  A_i = (x_i - x'_i) * integral_0^1 dF/dx_i (x' + a (x - x')) da
 * and the attributions sum to F(x) - F(x') (completeness).  The baseline is
 * the all-padding row: every step holds the padding token's embedding and
 * zero features, with the row's own length, so padding steps get exactly
 * zero.  The integral is taken by Gauss-Legendre quadrature on n points
 * (exact for polynomials of degree 2n - 1), far closer to the integral
 * than the usual Riemann sum at the same cost; the caller can check the
 * completeness gap, which mr_explain_row returns.  Attributions of a step
 * are summed over its embedding (and feature) elements.
 */
#ifndef MR_EXPLAIN_H
#define MR_EXPLAIN_H

#include "mr_common.h"
#include "mr_net.h"

#define MR_EXPLAIN_MAX_STEPS 256
/*
 * Path points per forward/backward pass: at most MR_EXPLAIN_CHUNK, fewer
 * when that many rows' activations would pass MR_EXPLAIN_CHUNK_BYTES (long
 * rows), at least one.  Bounds the workspace, and the time between two
 * polls of the stop hook.
 */
#define MR_EXPLAIN_CHUNK 16
#define MR_EXPLAIN_CHUNK_BYTES ((size_t) 32 * 1024 * 1024)

typedef struct MrExplanation
{
	float	   *step_attr;		/* (T) per position (token plus features) */
	float	   *feat_attr;		/* (T, F) per feature element, or NULL without features */
	double		logit;			/* F(x) */
	double		baseline_logit; /* F(x') */
	double		attr_sum;		/* sum of attributions, = F(x) - F(x') up to quadrature error */
} MrExplanation;

/* Gauss-Legendre nodes and weights on [0, 1] (n <= MR_EXPLAIN_MAX_STEPS) */
void		mr_gauss_legendre01(int n, double *nodes, double *weights);

/*
 * Bytes mr_explain_row allocates for a network of this shape and n
 * quadrature points (a caller checks it against its memory budget first).
 */
MrStatus	mr_explain_workspace(const MrNetConfig *cfg, int n, size_t *bytes);

/*
 * Explain one row (ids (T) or NULL, feats (T, F) or NULL, length L) for
 * class target with n quadrature points.  Allocates its workspace from a
 * and fills out (whose arrays come from a too; free with mr_explanation_free).
 * should_stop (may be NULL) is polled between chunks of path points; when
 * it returns nonzero the result is MR_ECANCELED.
 */
MrStatus	mr_explain_row(const MrNet *net, const int32_t *ids, const float *feats,
						   int32_t L, int target, int n, const MrAllocator *a,
						   int (*should_stop) (void *state), void *stop_state,
						   MrExplanation *out);

void		mr_explanation_free(MrExplanation *e, const MrAllocator *a);

#endif							/* MR_EXPLAIN_H */
