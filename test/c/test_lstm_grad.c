/*
 * test_lstm_grad.c
 *	  Finite-difference checks of one LSTM layer's backward pass, element by
 *	  element: dWx, dWh, db and dX, with and without dropout masks.
 *
 * The loss is a fixed random linear function of every output,
 * L = sum_t <R_t, h_t>, so dL/dh_t = R_t reaches every step through BPTT.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_lstm.h"
#include "mr_mathfun.h"
#include "mr_rng.h"
#include "mr_test.h"

enum
{
	T = 5, B = 2, I = 3, H = 4
};

typedef struct Case
{
	float		X[T * B * I];
	float		Wx[I * 4 * H];
	float		Wh[H * 4 * H];
	float		b[4 * H];
	float		R[T * B * H];
	float		in_mask[B * I];
	float		rec_mask[B * H];
	MrLstmMasks masks;
	int			use_masks;
	/* trace */
	float		gates[T * B * 4 * H];
	float		c[T * B * H];
	float		tanh_c[T * B * H];
	float		h[(T + 1) * B * H];
	float		x_drop[T * B * I];
	float		work[2 * B * H + T * B * 4 * H + T * B * H];
} Case;

static double
loss(Case *k)
{
	MrLstmTrace tr = {k->gates, k->c, k->tanh_c, k->h, k->x_drop};
	double		L = 0.0;

	mr_lstm_forward(&tr, k->X, I, k->Wx, k->Wh, k->b,
					k->use_masks ? &k->masks : NULL, k->work, T, B, I, H);
	for (int i = 0; i < T * B * H; i++)
		L += (double) k->R[i] * k->h[B * H + i];
	return L;
}

/* Compare analytic d/dx[i] with central differences for every element */
static int
check_tensor(Case *k, float *x, const float *g, int n, const char *name)
{
	int			ok = 1;
	const float eps = 1e-2f;

	for (int i = 0; i < n; i++)
	{
		float		save = x[i];
		double		lp,
					lm,
					num;

		x[i] = save + eps;
		lp = loss(k);
		x[i] = save - eps;
		lm = loss(k);
		x[i] = save;
		num = (lp - lm) / (2.0 * eps);
		if (fabs(num - g[i]) > 2e-3 + 1e-2 * fabs(num))
		{
			if (ok)
				mr_diag("%s[%d]: analytic %.6g, numeric %.6g", name, i, g[i], num);
			ok = 0;
		}
	}
	return ok;
}

static void
run_case(int use_masks)
{
	static Case k;
	MrRng		rng;
	float		dWx[I * 4 * H],
				dWh[H * 4 * H],
				db[4 * H],
				dX[T * B * I],
				dH[T * B * H];
	MrLstmTrace tr;

	memset(&k, 0, sizeof(k));
	mr_rng_seed(&rng, 7 + use_masks);
	for (int i = 0; i < T * B * I; i++)
		k.X[i] = mr_rng_uniform(&rng) * 2 - 1;
	for (int i = 0; i < I * 4 * H; i++)
		k.Wx[i] = (mr_rng_uniform(&rng) * 2 - 1) * 0.8f;
	for (int i = 0; i < H * 4 * H; i++)
		k.Wh[i] = (mr_rng_uniform(&rng) * 2 - 1) * 0.8f;
	for (int i = 0; i < 4 * H; i++)
		k.b[i] = (mr_rng_uniform(&rng) * 2 - 1) * 0.5f;
	for (int i = 0; i < T * B * H; i++)
		k.R[i] = mr_rng_uniform(&rng) * 2 - 1;
	for (int i = 0; i < B * I; i++)
		k.in_mask[i] = mr_rng_uniform(&rng) < 0.3f ? 0.0f : 1.0f / 0.7f;
	for (int i = 0; i < B * H; i++)
		k.rec_mask[i] = mr_rng_uniform(&rng) < 0.3f ? 0.0f : 1.0f / 0.7f;
	k.masks.in_mask = k.in_mask;
	k.masks.rec_mask = k.rec_mask;
	k.use_masks = use_masks;

	loss(&k);
	tr = (MrLstmTrace) {k.gates, k.c, k.tanh_c, k.h, k.x_drop};
	memset(dWx, 0, sizeof(dWx));
	memset(dWh, 0, sizeof(dWh));
	memset(db, 0, sizeof(db));
	memcpy(dH, k.R, sizeof(dH));
	mr_lstm_backward(dX, I, dWx, dWh, db, dH, &tr, k.X, I, k.Wx, k.Wh,
					 use_masks ? &k.masks : NULL, k.work, T, B, I, H);

	MR_CHECK(check_tensor(&k, k.Wx, dWx, I * 4 * H, "dWx"), "LSTM dWx matches finite differences%s", use_masks ? " (dropout masks)" : "");
	MR_CHECK(check_tensor(&k, k.Wh, dWh, H * 4 * H, "dWh"), "LSTM dWh matches finite differences%s", use_masks ? " (dropout masks)" : "");
	MR_CHECK(check_tensor(&k, k.b, db, 4 * H, "db"), "LSTM db matches finite differences%s", use_masks ? " (dropout masks)" : "");
	MR_CHECK(check_tensor(&k, k.X, dX, T * B * I, "dX"), "LSTM dX matches finite differences%s", use_masks ? " (dropout masks)" : "");
}

/* The vectorizable exp, sigmoid and tanh against libm */
static void
check_mathfun(void)
{
	double		worst_exp = 0.0,
				worst_sig = 0.0,
				worst_tanh = 0.0;

	for (float x = -90.0f; x <= 90.0f; x += 0.00731f)
	{
		double		e = exp((double) x);
		/* mr_expf clamps its argument to [-87.3, 88.3]: compare inside that range */
		double		re = x > -87.0f && x < 88.0f ? fabs(mr_expf(x) - e) / e : 0.0;
		double		ds = fabs(mr_sigmoidf(x) - 1.0 / (1.0 + exp(-(double) x)));
		double		dt = fabs(mr_tanhf(x) - tanh((double) x));

		if (re > worst_exp)
			worst_exp = re;
		if (ds > worst_sig)
			worst_sig = ds;
		if (dt > worst_tanh)
			worst_tanh = dt;
	}
	MR_CHECK(worst_exp < 4e-7 && worst_sig < 2e-7 && worst_tanh < 4e-7,
			 "exp (rel %.2g), sigmoid (abs %.2g) and tanh (abs %.2g) match libm",
			 worst_exp, worst_sig, worst_tanh);
	MR_CHECK(isnan(mr_expf(NAN)) && mr_expf(1000.0f) > 1e38f && mr_expf(-1000.0f) >= 0.0f &&
			 mr_sigmoidf(-1000.0f) < 1e-37f && mr_tanhf(1000.0f) == 1.0f,
			 "NaN stays NaN, and large inputs saturate");
}

void
test_lstm_grad(void)
{
	check_mathfun();
	run_case(0);
	run_case(1);
}
