/*
 * mr_lstm.c
 *	  LSTM layer forward and backward through time (see mr_lstm.h).
 *
 * All matrix products go through mr_sgemm: one GEMM for the input
 * projections of every step, one small GEMM per step for the recurrence,
 * and after the time loop one GEMM each for dWx, dWh and dX.  Nothing is
 * allocated here; callers hand in the trace and work buffers.
 */
#include "mr_lstm.h"

#include <math.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_mathfun.h"

/*
 * Gate nonlinearities of one step in place, for B rows of [i f g o]:
 * sigmoid on i, f and o, tanh on g.  Plain loops over contiguous ranges,
 * so the compiler vectorizes them.
 */
static void
gate_activations(float *G, int B, int H)
{
	for (int r = 0; r < B; r++)
	{
		float	   *g = G + (size_t) r * 4 * H;

		for (int j = 0; j < 2 * H; j++)
			g[j] = mr_sigmoidf(g[j]);
		for (int j = 2 * H; j < 3 * H; j++)
			g[j] = mr_tanhf(g[j]);
		for (int j = 3 * H; j < 4 * H; j++)
			g[j] = mr_sigmoidf(g[j]);
	}
}

/* One step's cell update for B rows; see mr_lstm.h */
void
mr_lstm_cell(float *G, const float *cprev, float *c, float *tanh_c, float *h,
			 int B, int H)
{
	gate_activations(G, B, H);
	for (int r = 0; r < B; r++)
	{
		const float *gi = G + (size_t) r * 4 * H;
		const float *gf = gi + H;
		const float *gg = gi + 2 * H;
		const float *go = gi + 3 * H;
		float	   *cr = c + (size_t) r * H;
		float	   *tcr = tanh_c + (size_t) r * H;
		float	   *hr = h + (size_t) r * H;

		/* c_t = f # c_{t-1} + i # g;  h_t = o # tanh(c_t) */
		if (cprev)
		{
			const float *cp = cprev + (size_t) r * H;

			for (int j = 0; j < H; j++)
				cr[j] = gf[j] * cp[j] + gi[j] * gg[j];
		}
		else
			for (int j = 0; j < H; j++)
				cr[j] = gi[j] * gg[j];
		for (int j = 0; j < H; j++)
		{
			tcr[j] = mr_tanhf(cr[j]);
			hr[j] = go[j] * tcr[j];
		}
	}
}

/* Copy X (T, B, I; stride ldx) times a per-row mask (B, I) into out (T, B, I) */
static void
apply_row_mask(float *out, const float *X, int ldx, const float *mask,
			   int T, int B, int I)
{
	for (int t = 0; t < T; t++)
		for (int b = 0; b < B; b++)
		{
			const float *x = X + ((size_t) t * B + b) * ldx;
			const float *m = mask + (size_t) b * I;
			float	   *o = out + ((size_t) t * B + b) * I;

			for (int i = 0; i < I; i++)
				o[i] = x[i] * m[i];
		}
}

/* Forward pass over T steps; see mr_lstm.h */
void
mr_lstm_forward(MrLstmTrace *tr, const float *X, int ldx,
				const float *Wx, const float *Wh, const float *b,
				const MrLstmMasks *masks, float *work,
				int T, int B, int I, int H)
{
	const int	G4 = 4 * H;
	const float *in_mask = masks ? masks->in_mask : NULL;
	const float *rec_mask = masks ? masks->rec_mask : NULL;
	const float *xin = X;
	int			ldin = ldx;

	if (in_mask)
	{
		apply_row_mask(tr->x_drop, X, ldx, in_mask, T, B, I);
		xin = tr->x_drop;
		ldin = I;
	}

	/* gates (T*B, 4H) = X Wx + b: the input projection of all steps at once */
	mr_sgemm(0, 0, T * B, G4, I, 1.0f, xin, ldin, Wx, G4, 0.0f, tr->gates, G4);
	for (size_t r = 0; r < (size_t) T * B; r++)
	{
		float	   *g = tr->gates + r * G4;

		for (int j = 0; j < G4; j++)
			g[j] += b[j];
	}

	memset(tr->h, 0, sizeof(float) * (size_t) B * H);
	for (int t = 0; t < T; t++)
	{
		float	   *G = tr->gates + (size_t) t * B * G4;
		const float *hprev = tr->h + (size_t) t * B * H;
		const float *cprev = t > 0 ? tr->c + (size_t) (t - 1) * B * H : NULL;
		float	   *c = tr->c + (size_t) t * B * H;
		float	   *tc = tr->tanh_c + (size_t) t * B * H;
		float	   *h = tr->h + (size_t) (t + 1) * B * H;

		/* gates += h_{t-1} Wh (h_0 = 0 contributes nothing) */
		if (t > 0)
		{
			if (rec_mask)
			{
				for (size_t k = 0; k < (size_t) B * H; k++)
					work[k] = hprev[k] * rec_mask[k];
				hprev = work;
			}
			mr_sgemm(0, 0, B, G4, H, 1.0f, hprev, H, Wh, G4, 1.0f, G, G4);
		}

		mr_lstm_cell(G, cprev, c, tc, h, B, H);
	}
}

/* Floats of work mr_lstm_backward needs */
size_t
mr_lstm_backward_work(int T, int B, int H, int rec_dropout)
{
	size_t		n = 2 * (size_t) B * H + (size_t) T * B * 4 * H;

	if (rec_dropout)
		n += (size_t) T * B * H;
	return n;
}

/* Backward pass through time; see mr_lstm.h */
void
mr_lstm_backward(float *dX, int lddx, float *dWx, float *dWh, float *db,
				 float *dH, const MrLstmTrace *tr, const float *X, int ldx,
				 const float *Wx, const float *Wh,
				 const MrLstmMasks *masks, float *work,
				 int T, int B, int I, int H)
{
	const int	G4 = 4 * H;
	const float *in_mask = masks ? masks->in_mask : NULL;
	const float *rec_mask = masks ? masks->rec_mask : NULL;
	float	   *dh_next = work;
	float	   *dc_next = dh_next + (size_t) B * H;
	float	   *dG = dc_next + (size_t) B * H;	/* (T, B, 4H) pre-activation grads */
	const float *hprev_all = tr->h; /* (T, B, H): h_0 .. h_{T-1} */

	memset(dh_next, 0, sizeof(float) * 2 * (size_t) B * H);
	for (int t = T - 1; t >= 0; t--)
	{
		const float *G = tr->gates + (size_t) t * B * G4;
		const float *tc = tr->tanh_c + (size_t) t * B * H;
		const float *cprev = t > 0 ? tr->c + (size_t) (t - 1) * B * H : NULL;
		float	   *dht = dH + (size_t) t * B * H;
		float	   *dGt = dG + (size_t) t * B * G4;

		for (int r = 0; r < B; r++)
		{
			const float *gi = G + (size_t) r * G4;
			const float *gf = gi + H;
			const float *gg = gi + 2 * H;
			const float *go = gi + 3 * H;
			const float *tcr = tc + (size_t) r * H;
			const float *cp = cprev ? cprev + (size_t) r * H : NULL;
			float	   *dhr = dht + (size_t) r * H;
			float	   *dhn = dh_next + (size_t) r * H;
			float	   *dcn = dc_next + (size_t) r * H;
			float	   *di = dGt + (size_t) r * G4;
			float	   *df = di + H;
			float	   *dg = di + 2 * H;
			float	   *dout = di + 3 * H;

			for (int j = 0; j < H; j++)
			{
				float		i = gi[j],
							f = gf[j],
							g = gg[j],
							o = go[j],
							tv = tcr[j];
				float		dh = dhr[j] + dhn[j];
				/* through h_t = o # tanh(c_t) into c_t, plus the carried dc */
				float		dc = dcn[j] + dh * o * (1.0f - tv * tv);

				dout[j] = dh * tv * o * (1.0f - o);
				di[j] = dc * g * i * (1.0f - i);
				dg[j] = dc * i * (1.0f - g * g);
				/* df needs c_{t-1}; keep dc in df for now */
				df[j] = dc * f * (1.0f - f);
				dcn[j] = dc * f;
			}
			/* df = dc # c_{t-1} # f (1 - f); c_0 = 0 */
			if (cp)
				for (int j = 0; j < H; j++)
					df[j] *= cp[j];
			else
				for (int j = 0; j < H; j++)
					df[j] = 0.0f;
		}

		/* dh_{t-1} = dG_t Wh^T (through the recurrent dropout mask) */
		if (t > 0)
		{
			mr_sgemm(0, 1, B, H, G4, 1.0f, dGt, G4, Wh, G4, 0.0f, dh_next, H);
			if (rec_mask)
				for (size_t k = 0; k < (size_t) B * H; k++)
					dh_next[k] *= rec_mask[k];
		}
	}

	/* parameter gradients (skipped when only the input gradient is wanted) */
	if (dWh)
	{
		/* dWh += sum_t (h_{t-1} # mask)^T dG_t, as one GEMM over all steps */
		if (rec_mask)
		{
			float	   *hd = dG + (size_t) T * B * G4;

			for (int t = 0; t < T; t++)
				for (size_t k = 0; k < (size_t) B * H; k++)
					hd[(size_t) t * B * H + k] = hprev_all[(size_t) t * B * H + k] * rec_mask[k];
			hprev_all = hd;
		}
		mr_sgemm(1, 0, H, G4, T * B, 1.0f, hprev_all, H, dG, G4, 1.0f, dWh, G4);

		/* dWx += X^T dG;  db += column sums of dG */
		if (in_mask)
			mr_sgemm(1, 0, I, G4, T * B, 1.0f, tr->x_drop, I, dG, G4, 1.0f, dWx, G4);
		else
			mr_sgemm(1, 0, I, G4, T * B, 1.0f, X, ldx, dG, G4, 1.0f, dWx, G4);
		for (size_t r = 0; r < (size_t) T * B; r++)
		{
			const float *g = dG + r * G4;

			for (int j = 0; j < G4; j++)
				db[j] += g[j];
		}
	}

	/* dX = dG Wx^T, through the input dropout mask */
	if (dX)
	{
		mr_sgemm(0, 1, T * B, I, G4, 1.0f, dG, G4, Wx, G4, 0.0f, dX, lddx);
		if (in_mask)
			for (int t = 0; t < T; t++)
				for (int r = 0; r < B; r++)
				{
					float	   *d = dX + ((size_t) t * B + r) * lddx;
					const float *m = in_mask + (size_t) r * I;

					for (int i = 0; i < I; i++)
						d[i] *= m[i];
				}
	}
}
