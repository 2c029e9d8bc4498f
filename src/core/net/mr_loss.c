/*
 * mr_loss.c
 *	  Losses of the sigmoid, linear and next-token heads (see mr_loss.h).
 */
#include "mr_loss.h"

#include <math.h>
#include <string.h>

/* Binary cross-entropy per known label; see mr_loss.h */
double
mr_loss_sigmoid(MrActs *acts, int K, const int32_t *idx, const int8_t *multi,
				const float *label_weight, double *correct, int B_total)
{
	double		loss = 0.0,
				hits = 0.0;
	float		scale = 1.0f / ((float) B_total * (float) K);

	for (int b = 0; b < acts->B; b++)
	{
		const float *z = acts->logits + (size_t) b * K;
		const float *p = acts->probs + (size_t) b * K;
		const int8_t *y = multi + (size_t) idx[b] * K;
		float	   *dl = acts->dlogits + (size_t) b * K;
		int			known = 0,
					right = 0;

		for (int k = 0; k < K; k++)
		{
			float		w;

			if (y[k] < 0)
			{
				dl[k] = 0.0f;
				continue;
			}
			w = label_weight ? label_weight[(size_t) y[k] * K + k] : 1.0f;
			/* -[y log p + (1-y) log(1-p)] = max(z, 0) - z y + log(1 + e^-|z|) */
			loss += w * (fmax(z[k], 0.0) - (double) z[k] * y[k] + log1p(exp(-fabs((double) z[k]))));
			dl[k] = w * (p[k] - (float) y[k]) * scale;
			known++;
			right += (p[k] >= 0.5f) == (y[k] == 1);
		}
		if (known > 0)
			hits += (double) right / known;
	}
	if (correct)
		*correct = hits;
	return loss / ((double) B_total * K);
}

/* Squared error or Huber's loss; see mr_loss.h */
double
mr_loss_linear(MrActs *acts, const int32_t *idx, const float *values,
			   float huber_delta, int B_total)
{
	double		loss = 0.0;

	for (int b = 0; b < acts->B; b++)
	{
		float		e = acts->logits[b] - values[idx[b]];

		if (huber_delta > 0.0f && fabsf(e) > huber_delta)
		{
			loss += huber_delta * (fabs((double) e) - 0.5 * huber_delta);
			acts->dlogits[b] = (e > 0.0f ? huber_delta : -huber_delta) / (float) B_total;
		}
		else if (huber_delta > 0.0f)
		{
			loss += 0.5 * (double) e * e;
			acts->dlogits[b] = e / (float) B_total;
		}
		else
		{
			loss += (double) e * e;
			acts->dlogits[b] = 2.0f * e / (float) B_total;
		}
	}
	return loss / B_total;
}

/* Next-token cross-entropy; see mr_loss.h */
double
mr_loss_next_token(MrActs *acts, const MrBatch *batch, int K, int64_t tokens_total,
				   double *correct)
{
	int			B = acts->B,
				T = batch->T;
	double		loss = 0.0,
				hits = 0.0;
	float		scale = tokens_total > 0 ? 1.0f / (float) tokens_total : 0.0f;

	/* the outputs turn into their gradient in place (one buffer, mr_net.h) */
	for (int t = 0; t < T; t++)
		for (int b = 0; b < B; b++)
		{
			size_t		r = (size_t) t * B + b;
			float	   *p = acts->probs + r * K;
			int32_t		y;
			int			best = 0;

			if (t + 1 >= batch->lengths[b])
			{
				memset(p, 0, sizeof(float) * K);
				continue;
			}
			y = batch->ids[(size_t) (t + 1) * B + b];
			if (y < 0 || y >= K)
				y = 0;
			for (int k = 1; k < K; k++)
				if (p[k] > p[best])
					best = k;
			hits += best == y;
			/* -log p_y; a probability below float's range counts as 1e-30 */
			loss -= log(fmax((double) p[y], 1e-30));
			for (int k = 0; k < K; k++)
				p[k] *= scale;
			p[y] -= scale;
		}
	if (correct)
		*correct = hits;
	return tokens_total > 0 ? loss / (double) tokens_total : 0.0;
}
