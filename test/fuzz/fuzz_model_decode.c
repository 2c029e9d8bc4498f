/*
 * fuzz_model_decode.c
 *	  libFuzzer harness: mr_model_decode on arbitrary bytes, then use every
 *	  model it accepts.
 *
 * rnn_predict hands the decoder whatever bytea a SQL user passes, so no
 * input may crash it, leak, or trip a sanitizer.  Each input is decoded
 * twice: as given (the magic, header, length and checksum checks), and,
 * when it starts with the magic, with its length field and CRC-32C made
 * right, so that mutations get past the checksum into the sections.
 *
 * A model the decoder accepts must be usable (anything else abort()s,
 * which libFuzzer reports as a crash):
 *	  - encoding it again gives an image that decodes to the same model,
 *		and encoding that gives the same bytes;
 *	  - inference on a few windows (a fixed text or the model's own tokens,
 *		ids taken from the input, a full window, an empty one; for a
 *		measurement model, events taken from the input and resampled with
 *		the model's statistics) gives K finite probabilities in [0, 1] that
 *		sum to 1 (a language model's: of the token after the window).
 * Inference is skipped for models too big to run in a few milliseconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_infer.h"
#include "mr_predict.h"
#include "mr_model.h"
#include "mr_series.h"

#define FUZZ_HARNESS "fuzz_model_decode"
#include "fuzz_common.h"

/* Work limits for inference: multiply-adds of one forward pass, and T */
#define MAX_FORWARD_MACS	2000000.0
#define MAX_MAXLEN			1024

static const char fixed_text[] =
"Patient presents with fever, cough and chest pain; no history of neoplasms. "
"CC(=O)Oc1ccccc1C(=O)O [C@@H](N)C \xce\xa3\xce\x91\xce\xa3 \xc4\xb0STANBUL";

/* Multiply-adds of one batched forward pass over T steps */
static double
forward_macs(const MrNetConfig *cfg)
{
	double		macs = 0.0;

	for (int l = 0; l < cfg->n_layers; l++)
		macs += (double) mr_net_dirs(cfg) * cfg->maxlen * 4.0 * cfg->hidden[l] *
			(mr_net_layer_input(cfg, l) + cfg->hidden[l]);
	return macs + (double) mr_net_pooled_width(cfg) * cfg->n_classes;
}

/*
 * The head's K outputs: probabilities in [0, 1] (that sum to 1 for a
 * softmax), or for a regression one finite value whose prediction in the
 * label's units is finite too
 */
static const MrModel *checked_model;

static void
check_probs(const float *p, int K, const char *window)
{
	int			head = checked_model->cfg.head;
	double		sum = 0.0;
	char		msg[128];

	if (head == MR_HEAD_LINEAR)
	{
		if (!isfinite(p[0]) || !isfinite(mr_model_value(checked_model, p[0])))
		{
			snprintf(msg, sizeof(msg), "%s window: output %g", window, (double) p[0]);
			fail("inference gave a value that is not finite", msg);
		}
		return;
	}
	for (int k = 0; k < K; k++)
	{
		if (!isfinite(p[k]) || p[k] < 0.0f || p[k] > 1.0f)
		{
			snprintf(msg, sizeof(msg), "%s window: probability %d is %g", window, k, (double) p[k]);
			fail("inference gave an invalid probability", msg);
		}
		sum += p[k];
	}
	if ((head == MR_HEAD_SOFTMAX || head == MR_HEAD_NEXT_TOKEN) && fabs(sum - 1.0) > 1e-3)
	{
		snprintf(msg, sizeof(msg), "%s window: sum %.6f over %d classes", window, sum, K);
		fail("probabilities do not sum to 1", msg);
	}
}

/* Encode a decoded model again: it must decode, and re-encode identically */
static void
check_round_trip(const MrModel *m)
{
	const MrAllocator *a = &mr_malloc_allocator;
	uint8_t    *img1 = NULL,
			   *img2 = NULL;
	size_t		len1 = 0,
				len2 = 0;
	MrModel    *d = NULL;
	MrError		err = {0};

	if (mr_model_encode(m, a, &img1, &len1, &err) != MR_OK)
		fail("a decoded model cannot be encoded", err.detail);
	if (mr_model_decode(img1, len1, a, &d, &err) != MR_OK)
		fail("the encoding of a decoded model is rejected", err.detail);
	if (memcmp(&d->cfg, &m->cfg, sizeof(MrNetConfig)) != 0 ||
		d->input_kind != m->input_kind || d->tokenizer != m->tokenizer ||
		d->lowercase != m->lowercase || d->truncating != m->truncating ||
		d->positive_class != m->positive_class || d->n_tokens != m->n_tokens ||
		d->net.n_params != m->net.n_params ||
		memcmp(d->params, m->params, sizeof(float) * m->net.n_params) != 0 ||
		d->n_epochs != m->n_epochs || d->n_vars != m->n_vars ||
		d->series_time_kind != m->series_time_kind || d->series_origin != m->series_origin ||
		(m->n_vars > 0 &&
		 (d->series_step != m->series_step ||
		  memcmp(d->var_mean, m->var_mean, sizeof(float) * m->n_vars) != 0 ||
		  memcmp(d->var_scale, m->var_scale, sizeof(float) * m->n_vars) != 0)))
		fail("a re-encoded model decodes to a different model", NULL);
	if (mr_model_encode(d, a, &img2, &len2, &err) != MR_OK)
		fail("a re-decoded model cannot be encoded", err.detail);
	if (len1 != len2 || memcmp(img1, img2, len1) != 0)
		fail("encoding is not stable across a decode", NULL);
	mr_model_free(d, a);
	mr_free(a, img1);
	mr_free(a, img2);
}

/*
 * A measurement model's window: up to 256 events from the input (sorted
 * times, variables including unknown ones, values around the training
 * mean, some missing) resampled onto its grid, as rnn_predict does.  The
 * inputs must be what mr_series.h promises.
 */
static void
series_window(const MrModel *m, const uint8_t *data, size_t size, float *feats)
{
	const MrAllocator *a = &mr_malloc_allocator;
	int32_t		V = m->n_vars,
				T = m->cfg.maxlen;
	MrSeriesSpec spec = {V, T, m->series_step, m->series_origin, m->var_mean, m->var_scale};
	MrSeriesWork w;
	double		times[256],
				values[256];
	int32_t		vars[256];
	int64_t		n = 0;
	double		t = 0.0;

	for (size_t i = 0; i + 3 <= size && n < 256; i += 3, n++)
	{
		int32_t		v = (int32_t) (data[i + 1] % (uint32_t) (V + 1)) - 1;

		t += data[i] * m->series_step / 8.0;
		times[n] = t;
		vars[n] = v;
		values[n] = data[i + 2] == 255 ? NAN :
			(v >= 0 ? m->var_mean[v] + (data[i + 2] - 128) / 32.0 * m->var_scale[v] : 1.0);
	}
	if (mr_series_work_new(V, a, &w) != MR_OK)
		fail("out of memory", NULL);
	if (mr_series_row(&spec, times, vars, values, n, &w, feats, NULL) > n)
		fail("mr_series_row used more events than it was given", NULL);
	mr_series_work_free(&w, a);
	for (int32_t b = 0; b < T; b++)
		for (int32_t v = 0; v < V; v++)
		{
			const float *f = feats + (size_t) b * 3 * V;

			if (!(f[v] >= -MR_SERIES_CLIP && f[v] <= MR_SERIES_CLIP) ||
				!(f[V + v] == 0.0f || f[V + v] == 1.0f) ||
				!(f[2 * V + v] >= 0.0f && f[2 * V + v] <= 1.0f))
				fail("mr_series_row made an input out of its range", NULL);
		}
}

/* Run inference on a few windows derived from the input */
static void
check_inference(const MrModel *m, const uint8_t *data, size_t size)
{
	const MrAllocator *a = &mr_malloc_allocator;
	const MrNetConfig *cfg = &m->cfg;
	int			T = cfg->maxlen,
				K = cfg->n_classes,
				V = cfg->vocab_size,
				F = cfg->n_features;
	size_t		infer_bytes;
	MrInfer    *inf = NULL;
	int32_t    *ring,
			   *ids;
	float	   *probs,
			   *feats = NULL;
	int32_t		L;

	checked_model = m;

	if (T > MAX_MAXLEN || forward_macs(cfg) > MAX_FORWARD_MACS ||
		mr_infer_size(cfg, &infer_bytes) != MR_OK || infer_bytes > (64u << 20))
		return;
	if (mr_infer_new(&m->net, a, &inf) != MR_OK)
		fail("mr_infer_new failed on a decoded model", NULL);
	ring = malloc(sizeof(int32_t) * T);
	ids = malloc(sizeof(int32_t) * T);
	probs = malloc(sizeof(float) * K);
	if (!ring || !ids || !probs)
		fail("out of memory", NULL);

	if (m->input_kind == MR_INPUT_SERIES)
	{
		/* measurements: features only, every row is T steps long */
		if (!(feats = malloc(sizeof(float) * (size_t) T * F)))
			fail("out of memory", NULL);
		series_window(m, data, size, feats);
		mr_infer_row(inf, NULL, feats, T, probs);
		check_probs(probs, K, "series");
		memset(feats, 0, sizeof(float) * (size_t) T * F);
		mr_infer_row(inf, NULL, feats, (T + 1) / 2, probs);
		check_probs(probs, K, "zero");
		mr_infer_row(inf, NULL, feats, 0, probs);
		check_probs(probs, K, "empty");
		goto done;
	}

	/* the model's own input path: a fixed text, or its first tokens */
	if (m->input_kind == MR_INPUT_TEXT)
		L = mr_model_text_row(m, fixed_text, sizeof(fixed_text) - 1, ring, ids, NULL, NULL);
	else
	{
		const char *toks[8];
		size_t		lens[8];
		int			n = m->n_tokens < 8 ? m->n_tokens : 8;

		for (int i = 0; i < n; i++)
		{
			toks[i] = m->tokens[i];
			lens[i] = m->token_len[i];
		}
		L = mr_model_tokens_row(m, toks, lens, n, ring, ids, NULL);
	}
	if (L < 0 || L > T)
		fail("a row length is out of range", NULL);
	for (int t = 0; t < T; t++)
		if (ids[t] < 0 || ids[t] >= V)
			fail("a row id is out of range", NULL);
	mr_infer_row(inf, ids, NULL, L, probs);
	check_probs(probs, K, "text");

	/* ids from the input bytes, a few out of range (mr_infer_row maps them to 0) */
	for (int t = 0; t < T; t++)
	{
		uint32_t	v = size ? (uint32_t) data[(size_t) t * 7 % size] * 2654435761u : 0;

		ids[t] = (int32_t) (v % (uint32_t) (V + 2)) - 1;
	}
	mr_infer_row(inf, ids, NULL, (int32_t) (size % (size_t) (T + 1)), probs);
	check_probs(probs, K, "input");

	/* a full window of every id in turn, and an empty one */
	for (int t = 0; t < T; t++)
		ids[t] = t % V;
	mr_infer_row(inf, ids, NULL, T, probs);
	check_probs(probs, K, "full");
	mr_infer_row(inf, ids, NULL, 0, probs);
	check_probs(probs, K, "empty");

done:
	free(feats);
	free(ring);
	free(ids);
	free(probs);
	mr_infer_free(inf, a);
}

/* Decode buf; on success check the model and return 1 */
static int
decode_and_check(const uint8_t *buf, size_t len, const uint8_t *data, size_t size)
{
	MrModel    *m = NULL;
	MrError		err = {0};
	MrStatus	st = mr_model_decode(buf, len, &mr_malloc_allocator, &m, &err);

	if (st != MR_OK)
	{
		if (m != NULL)
			fail("a rejected model was returned", mr_status_text(st));
		if (err.status != st || err.detail[0] == '\0')
			fail("a rejection has no detail", mr_status_text(st));
		return 0;
	}
	if (m == NULL)
		fail("an accepted model is NULL", NULL);
	check_round_trip(m);
	check_inference(m, data, size);
	mr_model_free(m, &mr_malloc_allocator);
	return 1;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *copy;
	uint32_t	crc;

	mr_blas_set_threads(1);
	if (decode_and_check(data, size, data, size))
		return 0;
	/* again with the length and checksum the decoder wants */
	if (size < MR_MODEL_HEADER_BYTES + 4 || memcmp(data, MR_MODEL_MAGIC, 4) != 0)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (int i = 0; i < 4; i++)
		copy[8 + i] = (uint8_t) ((uint32_t) size >> (8 * i));
	crc = mr_crc32c(copy, size - 4);
	for (int i = 0; i < 4; i++)
		copy[size - 4 + i] = (uint8_t) (crc >> (8 * i));
	decode_and_check(copy, size, data, size);
	free(copy);
	return 0;
}
