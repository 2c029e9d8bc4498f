/*
 * mr_mathfun.h
 *	  exp, sigmoid and tanh that the compiler can vectorize.
 *
 * libm's expf and tanhf are calls the compiler cannot vectorize, and they
 * took a quarter of training time in the LSTM gates.  These are inline,
 * branch-free and accurate to a few float ulps (the exp is Cephes' expf:
 * range reduction by ln 2 in two parts and a degree-6 polynomial; the unit
 * tests bound the error against libm).  Sigmoid and tanh are built on it:
 *	  sigmoid(x) = 1 / (1 + exp(-x))
 *	  tanh(x)    = sign(x) (1 - e) / (1 + e),  e = exp(-2|x|)
 * so both saturate cleanly and never produce NaN for finite input.
 */
#ifndef MR_MATHFUN_H
#define MR_MATHFUN_H

#include <stdint.h>
#include <string.h>

/* e^x for x in [-87.3, 88.3]; inputs outside are clamped */
static inline float
mr_expf(float x)
{
	float		n,
				r,
				p;
	int32_t		bits;
	float		scale;

	x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
	/* n = round(x / ln 2), by the add-and-subtract 1.5 * 2^23 trick */
	n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
	/* r = x - n ln 2, with ln 2 split so n * C1 is exact */
	r = x - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	/*
	 * 2^n built in the exponent field; n is in [-126, 127] after clamping.
	 * A NaN input stays NaN (through p) but must not reach the int cast.
	 */
	bits = ((n == n ? (int32_t) n : 0) + 127) << 23;
	memcpy(&scale, &bits, sizeof(scale));
	return p * scale;
}

static inline float
mr_sigmoidf(float x)
{
	return 1.0f / (1.0f + mr_expf(-x));
}

static inline float
mr_tanhf(float x)
{
	float		ax = x < 0.0f ? -x : x;
	float		e = mr_expf(-2.0f * ax);
	float		t = (1.0f - e) / (1.0f + e);

	return x < 0.0f ? -t : t;
}

#endif							/* MR_MATHFUN_H */
