/*
 * mr_lstm.h
 *	  One LSTM layer, one direction: forward and backward through time.
 *
 * Layout is gate-contiguous in the order i, f, g, o (input, forget, cell
 * candidate, output), the order of Keras and PyTorch:
 *	  Wx (I, 4H)	input kernel, row-major, so X (T*B, I) @ Wx is one GEMM
 *	  Wh (H, 4H)	recurrent kernel
 *	  b  (4H)		bias
 * Sequences are time-major: X is (T, B, I) with row stride ldx, so the
 * B rows of one step are contiguous and every step is a slice.
 *
 * The equations (Hochreiter and Schmidhuber 1997, with forget gate):
 *	  i = sigm(x Wx_i + h_{t-1} Wh_i + b_i)
 *	  f = sigm(x Wx_f + h_{t-1} Wh_f + b_f)
 *	  g = tanh(x Wx_g + h_{t-1} Wh_g + b_g)
 *	  o = sigm(x Wx_o + h_{t-1} Wh_o + b_o)
 *	  c_t = f # c_{t-1} + i # g
 *	  h_t = o # tanh(c_t)
 * with h_0 = c_0 = 0.  Dropout is variational (Gal and Ghahramani 2016): one
 * mask per row over input features and one over h_{t-1}, fixed for all steps.
 */
#ifndef MR_LSTM_H
#define MR_LSTM_H

#include "mr_common.h"

/* What the forward pass keeps for the backward pass (step order) */
typedef struct MrLstmTrace
{
	float	   *gates;			/* (T, B, 4H) activations i, f, g, o */
	float	   *c;				/* (T, B, H) cell states */
	float	   *tanh_c;			/* (T, B, H) tanh(c_t) */
	float	   *h;				/* (T+1, B, H) h[0] = 0, h[t+1] = h_t */
	float	   *x_drop;			/* (T, B, I) masked input, if in_mask */
} MrLstmTrace;

/* Masks, or NULL for no dropout; values are 0 or 1/(1-p) */
typedef struct MrLstmMasks
{
	const float *in_mask;		/* (B, I) */
	const float *rec_mask;		/* (B, H) */
} MrLstmMasks;

/*
 * One step of B rows: G (B, 4H) holds the gate pre-activations and gets
 * the activations; c_{t-1} (NULL = zero) gives c_t, tanh(c_t) and h_t.
 */
void		mr_lstm_cell(float *G, const float *cprev, float *c, float *tanh_c, float *h,
						 int B, int H);

/*
 * Forward T steps over B rows.  X is (T, B, I) with row stride ldx.
 * Writes the trace (all of h, c, gates).  work must hold B*H floats when
 * rec_mask is set.
 */
void		mr_lstm_forward(MrLstmTrace *tr, const float *X, int ldx,
							const float *Wx, const float *Wh, const float *b,
							const MrLstmMasks *masks, float *work,
							int T, int B, int I, int H);

/*
 * Backward through time.  dH (T, B, H) holds dLoss/dh_t for every step and
 * is used as scratch (destroyed).  Accumulates (+=) into dWx, dWh, db,
 * unless dWh is NULL (then no parameter gradient is computed).
 * If dX is not NULL, writes (=) dLoss/dX into (T, B, I) with row stride
 * lddx.  work must hold 2*B*H + T*B*4H floats, plus T*B*H when rec_mask.
 */
void		mr_lstm_backward(float *dX, int lddx, float *dWx, float *dWh, float *db,
							 float *dH, const MrLstmTrace *tr, const float *X, int ldx,
							 const float *Wx, const float *Wh,
							 const MrLstmMasks *masks, float *work,
							 int T, int B, int I, int H);

/* Floats of work the backward pass needs */
size_t		mr_lstm_backward_work(int T, int B, int H, int rec_dropout);

#endif							/* MR_LSTM_H */
