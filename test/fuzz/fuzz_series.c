/*
 * fuzz_series.c
 *	  libFuzzer harness: measurement sequences (the core of rnnseq) through
 *	  training and prediction.
 *
 * The input's lines are training rows "label<TAB>time,variable,value;..."
 * (numbers as strtod reads them; variable names may be any bytes but , ;
 * and newline).  They are made what an rnnseq value can hold: events with
 * a time that is not finite are dropped, a value that is not finite is
 * missing (NaN, as NULL is), names and labels are UTF-8 without NUL and
 * names at most 256 bytes, and the events are sorted by time.  They are added to a series corpus and
 * resampled with a grid taken from the last byte.  Then:
 *	  - every input on the grid is what mr_series.h promises (a clipped
 *		value, a 0/1 observed flag, an elapsed fraction in [0, 1]), every
 *		variable has a finite mean and a positive finite scale;
 *	  - the model built from the rows is one the decoder accepts, and
 *		resampling each row again through it (variables looked up by name,
 *		as rnn_predict does) gives the very inputs it was trained on;
 *	  - inference on every row gives finite probabilities summing to 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_infer.h"
#include "mr_model.h"
#include "mr_rng.h"
#include "mr_series.h"
#include "mr_series_corpus.h"
#include "mr_utf8.h"

#define FUZZ_HARNESS "fuzz_series"
#include "fuzz_common.h"

#define MAX_ROWS	32
#define MAX_EVENTS	1024

/* One training row: its label and its events, sorted by time */
typedef struct Row
{
	const char *label;
	size_t		label_len;
	int64_t		start;			/* first event in the event arrays */
	int64_t		n;
} Row;

static double times[MAX_EVENTS],
			values[MAX_EVENTS];
static const char *names[MAX_EVENTS];
static size_t name_lens[MAX_EVENTS];

/* Parse a double from s[0..len) (NUL-terminated copy); 0 if none */
static double
parse_double(const char *s, size_t len)
{
	char		buf[64];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return strtod(buf, NULL);
}

/* Parse "time,var,value;..." into the event arrays from *n on, as rnnseq would hold them */
static void
parse_events(const char *s, size_t len, int64_t *n)
{
	size_t		i = 0;

	while (i < len && *n < MAX_EVENTS)
	{
		size_t		end = i,
					c1,
					c2;

		while (end < len && s[end] != ';')
			end++;
		/* fields: time , name , value */
		for (c1 = i; c1 < end && s[c1] != ','; c1++)
			;
		for (c2 = c1 + 1; c2 < end && s[c2] != ','; c2++)
			;
		if (c1 < end && c2 < end)
		{
			double		t = parse_double(s + i, c1 - i);

			/* rnnseq keeps finite times, and finite values or NULL */
			if (isfinite(t))
			{
				double		v = parse_double(s + c2 + 1, end - c2 - 1);

				times[*n] = t;
				names[*n] = s + c1 + 1;
				name_lens[*n] = c2 - c1 - 1;
				values[*n] = isfinite(v) ? v : NAN;
				(*n)++;
			}
		}
		i = end + 1;
	}
}

/* Stable insertion sort of events [start, start + n) by time */
static void
sort_events(int64_t start, int64_t n)
{
	for (int64_t i = start + 1; i < start + n; i++)
	{
		double		t = times[i],
					v = values[i];
		const char *nm = names[i];
		size_t		nl = name_lens[i];
		int64_t		j = i;

		for (; j > start && times[j - 1] > t; j--)
		{
			times[j] = times[j - 1];
			values[j] = values[j - 1];
			names[j] = names[j - 1];
			name_lens[j] = name_lens[j - 1];
		}
		times[j] = t;
		values[j] = v;
		names[j] = nm;
		name_lens[j] = nl;
	}
}

/* Valid UTF-8 without NUL: what a text datum can hold */
static int
server_text(const char *s, size_t len)
{
	return mr_utf8_valid((const unsigned char *) s, len) && memchr(s, 0, len) == NULL;
}

static int	cmp_width;

/* Order records of cmp_width 32-bit words */
static int
cmp_record(const void *a, const void *b)
{
	int			r = memcmp(a, b, 4 * (size_t) cmp_width);

	return r < 0 ? -1 : r > 0;
}

/* The rows' model must decode and give back each row's inputs */
static void
check_model(const MrSeriesCorpus *c, const MrSeriesRows *rows, const Row *tr, int T,
			double step, int origin, uint64_t seed)
{
	const MrAllocator *a = &mr_malloc_allocator;
	int32_t		V = rows->n_vars,
				K = rows->n_classes;
	int			F = MR_SERIES_INPUTS_PER_VAR * V,
				W = T * F + 1;	/* record: the inputs and the class */
	MrModel		m;
	MrModel    *d = NULL;
	MrError		err = {0};
	MrRng		rng;
	MrInfer    *inf = NULL;
	MrSeriesWork work;
	size_t		n_params;
	float	   *params,
			   *got,
			   *exp;
	int32_t    *vars = malloc(sizeof(int32_t) * MAX_EVENTS);

	memset(&m, 0, sizeof(m));
	m.input_kind = MR_INPUT_SERIES;
	m.truncating = MR_PAD_PRE;
	m.positive_class = -1;
	m.cfg = (MrNetConfig) {.n_features = F, .maxlen = T, .n_layers = 1, .hidden = {2},
	.pooling = MR_POOL_LAST, .n_classes = K};
	if (mr_net_check_config(&m.cfg, &err) != MR_OK)
		fail("the rows make a bad network configuration", err.detail);
	mr_net_param_count(&m.cfg, &n_params);
	params = malloc(sizeof(float) * n_params);
	got = malloc(sizeof(float) * (size_t) rows->n * W);
	exp = malloc(sizeof(float) * (size_t) rows->n * W);
	m.labels = malloc(sizeof(char *) * (size_t) K);
	m.label_len = malloc(sizeof(uint32_t) * (size_t) K);
	m.var_names = malloc(sizeof(char *) * (size_t) V);
	m.var_name_len = malloc(sizeof(uint32_t) * (size_t) V);
	if (!vars || !params || !got || !exp || !m.labels || !m.label_len || !m.var_names ||
		!m.var_name_len)
		fail("out of memory", NULL);
	mr_net_bind(&m.net, &m.cfg, params, n_params);
	mr_rng_seed(&rng, seed);
	mr_net_init(&m.net, &rng, a);
	m.params = params;
	for (int32_t k = 0; k < K; k++)
	{
		size_t		l;

		m.labels[k] = mr_vocab_key(mr_series_corpus_labels(c), rows->class_label[k], &l);
		m.label_len[k] = (uint32_t) l;
	}
	m.series_time_kind = MR_SERIES_TIME_NUMBER;
	m.series_origin = origin;
	m.series_step = step;
	m.n_vars = V;
	for (int32_t v = 0; v < V; v++)
	{
		size_t		l;

		m.var_names[v] = mr_vocab_key(mr_series_corpus_vars(c), rows->var_ids[v], &l);
		m.var_name_len[v] = (uint32_t) l;
	}
	m.var_mean = rows->mean;
	m.var_scale = rows->scale;
	if (encode_decode(&m, &d, &err) != MR_OK)
		fail("a model trained on these rows does not decode", err.detail);

	/* each row through the prediction path gives its training inputs */
	{
		MrSeriesSpec spec = {V, T, d->series_step, d->series_origin, d->var_mean, d->var_scale};

		if (mr_series_work_new(V, a, &work) != MR_OK || mr_infer_new(&d->net, a, &inf) != MR_OK)
			fail("out of memory", NULL);
		for (int64_t i = 0; i < rows->n; i++)
		{
			float	   *g = got + i * W,
					   *e = exp + i * W;
			float		probs[MAX_ROWS];
			double		sum = 0.0;
			int32_t		cls;

			memcpy(e, rows->feats + i * (W - 1), sizeof(float) * (W - 1));
			cls = rows->labels[i];
			memcpy(&e[W - 1], &cls, 4);
			for (int64_t j = 0; j < tr[i].n; j++)
				vars[j] = mr_vocab_lookup(d->var_index, names[tr[i].start + j],
										  name_lens[tr[i].start + j]);
			mr_series_row(&spec, times + tr[i].start, vars, values + tr[i].start, tr[i].n,
						  &work, g, NULL);
			cls = mr_vocab_lookup(d->label_index, tr[i].label, tr[i].label_len);
			memcpy(&g[W - 1], &cls, 4);
			mr_infer_row(inf, NULL, g, T, probs);
			for (int32_t k = 0; k < K; k++)
			{
				if (!isfinite(probs[k]) || probs[k] < 0.0f || probs[k] > 1.0f)
					fail("inference gave an invalid probability", NULL);
				sum += probs[k];
			}
			if (fabs(sum - 1.0) > 1e-3)
				fail("probabilities do not sum to 1", NULL);
		}
		cmp_width = W;
		qsort(got, (size_t) rows->n, sizeof(float) * W, cmp_record);
		qsort(exp, (size_t) rows->n, sizeof(float) * W, cmp_record);
		if (memcmp(got, exp, sizeof(float) * (size_t) rows->n * W) != 0)
			fail("resampling a training row for prediction does not give its training inputs", NULL);
	}

	mr_infer_free(inf, a);
	mr_series_work_free(&work, a);
	mr_model_free(d, a);
	free(m.labels);
	free(m.label_len);
	free(m.var_names);
	free(m.var_name_len);
	free(params);
	free(got);
	free(exp);
	free(vars);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double steps[8] = {1.0, 10.0, 60.0, 240.0, 0.5, 1e-300, 1e300, 3600.0};
	const MrAllocator *a = &mr_malloc_allocator;
	const char *text = (const char *) data;
	unsigned char b = size ? data[size - 1] : 0;
	int			T = 1 + (b & 15);
	double		step = steps[(b >> 4) & 7];
	int			origin = b >> 7;
	MrSeriesCorpus *c;
	MrSeriesRows rows;
	MrError		err = {0};
	Row			tr[MAX_ROWS];
	int			n_rows = 0;
	int64_t		n_events = 0;
	size_t		pos = 0;

	mr_blas_set_threads(1);
	c = mr_series_corpus_new(a, 1 << 20);
	if (!c)
		fail("out of memory", NULL);
	while (pos < size && n_rows < MAX_ROWS)
	{
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', size - pos);
		size_t		len = nl ? (size_t) (nl - line) : size - pos;
		const char *tab = memchr(line, '\t', len);
		Row		   *r = &tr[n_rows];
		MrStatus	st;

		pos += len + 1;
		if (!tab)
			continue;
		r->label = line;
		r->label_len = (size_t) (tab - line);
		r->start = n_events;
		parse_events(tab + 1, len - r->label_len - 1, &n_events);
		r->n = n_events - r->start;
		sort_events(r->start, r->n);
		/* labels and names as the server passes them: UTF-8 text */
		{
			int			ok = server_text(r->label, r->label_len);

			for (int64_t j = 0; j < r->n && ok; j++)
				ok = server_text(names[r->start + j], name_lens[r->start + j]) &&
					name_lens[r->start + j] <= MR_MAX_TOKEN_BYTES;	/* RNNSEQ_MAX_STRING */
			if (!ok)
			{
				n_events = r->start;
				continue;
			}
		}
		st = mr_series_corpus_add(c, times + r->start, names + r->start, name_lens + r->start,
								  values + r->start, r->n, r->label, r->label_len, &err);
		if (st != MR_OK)
		{
			/* the server raises an error and drops the corpus */
			if (st != MR_EINVAL && st != MR_ELIMIT)
				fail("adding a row failed", err.detail);
			mr_series_corpus_free(c);
			return 0;
		}
		n_rows++;
	}
	if (n_rows == 0 || mr_series_corpus_rows(c) != n_rows)
	{
		if (mr_series_corpus_rows(c) != n_rows)
			fail("the corpus lost a row", NULL);
		mr_series_corpus_free(c);
		return 0;
	}
	{
		MrStatus	st = mr_series_corpus_finish(c, T, step, origin, 0, &rows, &err);

		if (st != MR_OK)
		{
			if (st != MR_EINVAL && st != MR_ELIMIT)
				fail("mr_series_corpus_finish failed", err.detail);
			mr_series_corpus_free(c);
			return 0;
		}
	}

	/* the rows and statistics are in range */
	if (rows.n != n_rows || rows.n_vars < 1 || rows.n_vars > MR_SERIES_MAX_VARS ||
		rows.n_classes != mr_vocab_size(mr_series_corpus_labels(c)))
		fail("the resampled rows have the wrong shape", NULL);
	for (int32_t v = 0; v < rows.n_vars; v++)
		if (!isfinite(rows.mean[v]) || !(isfinite(rows.scale[v]) && rows.scale[v] > 0.0f))
			fail("a variable's mean or scale is not a proper number", NULL);
	for (int64_t i = 0; i < rows.n; i++)
	{
		int32_t		V = rows.n_vars;

		if (rows.lengths[i] != T || rows.labels[i] < 0 || rows.labels[i] >= rows.n_classes)
			fail("a row's length or label is out of range", NULL);
		for (int t = 0; t < T; t++)
		{
			const float *f = rows.feats + ((size_t) i * T + t) * 3 * V;

			for (int32_t v = 0; v < V; v++)
				if (!(f[v] >= -MR_SERIES_CLIP && f[v] <= MR_SERIES_CLIP) ||
					!(f[V + v] == 0.0f || f[V + v] == 1.0f) ||
					!(f[2 * V + v] >= 0.0f && f[2 * V + v] <= 1.0f))
					fail("a resampled input is out of its range", NULL);
		}
	}
	if (rows.n_classes >= 2 && rows.n_classes <= MAX_ROWS)
		check_model(c, &rows, tr, T, step, origin, size);
	mr_series_rows_free(&rows, a);
	mr_series_corpus_free(c);
	return 0;
}
