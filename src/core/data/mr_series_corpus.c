/*
 * mr_series_corpus.c
 *	  Collecting measurement rows for training (see mr_series_corpus.h).
 */
#include "mr_series_corpus.h"

#include <math.h>
#include <string.h>

#include "mr_rows.h"
#include "mr_series.h"
#include "mr_sort.h"
#include "mr_utf8.h"

struct MrSeriesCorpus
{
	MrAllocator a;
	size_t		max_bytes;
	MrVocab    *vars;
	/* all rows' events, concatenated */
	double	   *times;
	int32_t    *var;
	double	   *values;
	size_t		n_events;
	size_t		cap_events;
	/* per row: labels, hashes, where each row's events end */
	MrRows		rows;
};

MrSeriesCorpus *
mr_series_corpus_new(const MrAllocator *a, size_t max_bytes)
{
	MrSeriesCorpus *c = mr_alloc0(a, sizeof(MrSeriesCorpus));

	if (!c)
		return NULL;
	c->a = *a;
	c->max_bytes = max_bytes;
	c->vars = mr_vocab_new(a, 64);
	if (!c->vars || mr_rows_init(&c->rows, a) != MR_OK)
	{
		mr_series_corpus_free(c);
		return NULL;
	}
	return c;
}

/* Labels are encoded targets; see mr_series_corpus.h */
void
mr_series_corpus_set_targets(MrSeriesCorpus *c)
{
	mr_rows_set_targets(&c->rows);
}

void
mr_series_corpus_free(MrSeriesCorpus *c)
{
	MrAllocator a;

	if (!c)
		return;
	a = c->a;
	if (c->vars)
		mr_vocab_free(c->vars);
	mr_rows_free(&c->rows);
	mr_free(&a, c->times);
	mr_free(&a, c->var);
	mr_free(&a, c->values);
	mr_free(&a, c);
}

int64_t
mr_series_corpus_rows(const MrSeriesCorpus *c)
{
	return c->rows.n;
}

const MrVocab *
mr_series_corpus_vars(const MrSeriesCorpus *c)
{
	return c->vars;
}

const MrVocab *
mr_series_corpus_labels(const MrSeriesCorpus *c)
{
	return c->rows.labels;
}

size_t
mr_series_corpus_memory(const MrSeriesCorpus *c)
{
	return mr_vocab_memory(c->vars) + mr_rows_memory(&c->rows) +
		c->cap_events * (2 * sizeof(double) + sizeof(int32_t));
}

/* Reallocate buf to hold cap elements of size elem, keeping n of them */
static int
resize(const MrAllocator *a, void **buf, size_t n, size_t cap, size_t elem)
{
	size_t		bytes;
	void	   *nb;

	if (!mr_mul_size(cap, elem, &bytes) || !(nb = mr_alloc(a, bytes)))
		return 0;
	if (n)
		memcpy(nb, *buf, n * elem);
	mr_free(a, *buf);
	*buf = nb;
	return 1;
}

/* Add one row; see mr_series_corpus.h */
MrStatus
mr_series_corpus_add(MrSeriesCorpus *c, const double *times,
					 const char *const *vars, const size_t *var_lens,
					 const double *values, int64_t n,
					 const char *label, size_t label_len, MrError *err)
{
	uint64_t	h = MR_ROWS_HASH_START;
	MrStatus	st;

	if (label_len > MR_MAX_LABEL_BYTES)
		return mr_set_error(err, MR_EINVAL, "A label has %zu bytes; the limit is %d.",
							label_len, MR_MAX_LABEL_BYTES);
	if (c->n_events + (size_t) n > c->cap_events)
	{
		size_t		cap = c->cap_events ? c->cap_events : 4096;

		while (cap < c->n_events + (size_t) n)
			cap *= 2;
		if (!resize(&c->a, (void **) &c->times, c->n_events, cap, sizeof(double)) ||
			!resize(&c->a, (void **) &c->var, c->n_events, cap, sizeof(int32_t)) ||
			!resize(&c->a, (void **) &c->values, c->n_events, cap, sizeof(double)))
			return mr_set_error(err, MR_ENOMEM, "Out of memory for events.");
		c->cap_events = cap;
	}
	for (int64_t i = 0; i < n; i++)
	{
		size_t		len = mr_utf8_prefix((const unsigned char *) vars[i], var_lens[i], MR_MAX_TOKEN_BYTES);
		int32_t		id = -1;

		/*
		 * A nameless variable cannot be told apart from any other: the event
		 * stays in the row (it can be the row's first, which places the
		 * grid) but is not a measurement of anything, as at prediction.
		 */
		if (len > 0 && (id = mr_vocab_add(c->vars, vars[i], len, 0)) < 0)
			return mr_set_error(err, MR_ENOMEM, "Out of memory for variable names.");
		c->times[c->n_events] = times[i];
		c->var[c->n_events] = id;
		c->values[c->n_events] = mr_series_value_ok(values[i]) ? values[i] : NAN;
		c->n_events++;
		h = mr_rows_hash(h, &times[i], sizeof(double));
		h = mr_rows_hash(h, &len, sizeof(len));
		h = mr_rows_hash(h, vars[i], len);
		h = mr_rows_hash(h, &values[i], sizeof(double));
	}
	if ((st = mr_rows_add(&c->rows, (int64_t) c->n_events, h, label, label_len, err)) != MR_OK)
		return st;
	if (c->max_bytes > 0 && mr_series_corpus_memory(c) > c->max_bytes)
		return mr_set_error(err, MR_ELIMIT,
							"The training rows need more than %zu bytes (%lld rows, %zu events so far).",
							c->max_bytes, (long long) c->rows.n, c->n_events);
	return MR_OK;
}

/* Two byte strings: memcmp, shorter first on a tie */
static int
bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int			r = memcmp(a, b, la < lb ? la : lb);

	return r != 0 ? r : (la < lb ? -1 : la > lb);
}

/* Two rows' events (hashes and labels are compared by mr_rows) */
static int
events_cmp(int64_t a, int64_t b, void *arg)
{
	const MrSeriesCorpus *c = arg;
	int64_t		ia = mr_rows_start(&c->rows, a),
				ib = mr_rows_start(&c->rows, b);
	int64_t		ea = c->rows.end[a],
				eb = c->rows.end[b];
	size_t		la,
				lb;
	const char *ka,
			   *kb;
	int			r;

	for (; ia < ea && ib < eb; ia++, ib++)
	{
		if (c->times[ia] != c->times[ib])
			return c->times[ia] < c->times[ib] ? -1 : 1;
		if (c->var[ia] != c->var[ib])
		{
			/* a nameless event (-1) sorts as the empty name */
			ka = c->var[ia] >= 0 ? mr_vocab_key(c->vars, c->var[ia], &la) : (la = 0, "");
			kb = c->var[ib] >= 0 ? mr_vocab_key(c->vars, c->var[ib], &lb) : (lb = 0, "");
			if ((r = bytes_cmp(ka, la, kb, lb)) != 0)
				return r;
		}
		if (memcmp(&c->values[ia], &c->values[ib], sizeof(double)) != 0)
			return memcmp(&c->values[ia], &c->values[ib], sizeof(double));
	}
	return (ia < ea) - (ib < eb);
}

void
mr_series_rows_free(MrSeriesRows *rows, const MrAllocator *a)
{
	mr_free(a, rows->var_ids);
	mr_free(a, rows->mean);
	mr_free(a, rows->scale);
	mr_free(a, rows->class_label);
	mr_free(a, rows->class_count);
	mr_free(a, rows->feats);
	mr_free(a, rows->lengths);
	mr_free(a, rows->labels);
	memset(rows, 0, sizeof(*rows));
}

/* Standardise and resample; see mr_series_corpus.h */
MrStatus
mr_series_corpus_finish(MrSeriesCorpus *c, int T, double step, int origin, int spans,
						MrSeriesRows *out, MrError *err)
{
	const MrAllocator *a = &c->a;
	int32_t		n_seen = mr_vocab_size(c->vars);
	int32_t		K = mr_vocab_size(c->rows.labels);
	int64_t		n = c->rows.n;
	int64_t    *order = NULL;
	double	   *sum = NULL,		/* running mean per variable */
			   *sumsq = NULL;	/* running sum of squared deviations */
	int64_t    *count = NULL;
	int32_t    *name_order = NULL,
			   *final_var = NULL,	/* corpus var id -> variable index, -1 unused */
			   *label_class = NULL,
			   *row_vars = NULL;
	MrSeriesSpec spec;
	MrSeriesWork work;
	size_t		cells;
	int32_t		V = 0;
	MrStatus	st = MR_ENOMEM;

	memset(out, 0, sizeof(*out));
	memset(&work, 0, sizeof(work));
	if (T < 1 || !(step > 0.0) || !isfinite(step))
		return mr_set_error(err, MR_EINVAL, "The grid needs at least one bin of positive width.");
	spec.T = T;
	spec.step = step;
	spec.origin = origin;

	order = mr_alloc(a, sizeof(int64_t) * ((size_t) n + 1));
	sum = mr_alloc0(a, sizeof(double) * ((size_t) n_seen + 1));
	sumsq = mr_alloc0(a, sizeof(double) * ((size_t) n_seen + 1));
	count = mr_alloc0(a, sizeof(int64_t) * ((size_t) n_seen + 1));
	name_order = mr_alloc(a, sizeof(int32_t) * ((size_t) n_seen + 1));
	final_var = mr_alloc(a, sizeof(int32_t) * ((size_t) n_seen + 1));
	label_class = mr_alloc(a, sizeof(int32_t) * ((size_t) K + 1));
	row_vars = mr_alloc(a, sizeof(int32_t) * (c->n_events + 1));
	out->class_label = mr_alloc(a, sizeof(int32_t) * ((size_t) K + 1));
	out->class_count = mr_alloc0(a, sizeof(int64_t) * ((size_t) K + 1));
	out->lengths = mr_alloc(a, sizeof(int32_t) * ((size_t) n + 1));
	out->labels = mr_alloc(a, sizeof(int32_t) * ((size_t) n + 1));
	if (!order || !sum || !sumsq || !count || !name_order || !final_var ||
		!label_class || !row_vars || !out->class_label || !out->class_count ||
		!out->lengths || !out->labels)
		goto fail;

	/* which variables are measured on the grid, and their statistics */
	for (int64_t r = 0; r < n; r++)
	{
		int64_t		start = mr_rows_start(&c->rows, r);
		double		first = start < c->rows.end[r] ? c->times[start] : 0.0;

		for (int64_t i = start; i < c->rows.end[r]; i++)
		{
			int32_t		v = c->var[i];
			double		x = c->values[i],
						d;

			if (v < 0 || isnan(x) || mr_series_bin(&spec, c->times[i], first) < 0)
				continue;
			/* Welford: the running mean and sum of squared deviations */
			count[v]++;
			d = x - sum[v];
			sum[v] += d / count[v];
			sumsq[v] += d * (x - sum[v]);
		}
	}
	if (mr_vocab_sort_by_key(c->vars, name_order) != MR_OK)
		goto fail;
	for (int32_t i = 0; i < n_seen; i++)
		final_var[i] = -1;
	for (int32_t i = 0; i < n_seen; i++)
		if (count[name_order[i]] > 0)
			final_var[name_order[i]] = V++;
	if (V == 0)
	{
		st = mr_set_error(err, MR_EINVAL, "No row has a measurement with a value on the time grid.");
		goto fail;
	}
	if (V > MR_SERIES_MAX_VARS)
	{
		st = mr_set_error(err, MR_EINVAL, "The rows measure %d variables; the limit is %d.",
						  (int) V, MR_SERIES_MAX_VARS);
		goto fail;
	}
	if (!mr_mul_size((size_t) n, (size_t) T * MR_SERIES_INPUTS_PER_VAR * V, &cells))
	{
		st = mr_set_error(err, MR_ELIMIT, "Too many rows.");
		goto fail;
	}
	if (c->max_bytes > 0 && cells * sizeof(float) + mr_series_corpus_memory(c) > c->max_bytes)
	{
		st = mr_set_error(err, MR_ELIMIT,
						  "The resampled rows need %zu MB (%lld rows x %d bins x %d inputs).",
						  cells * sizeof(float) / (1024 * 1024), (long long) n, T,
						  (int) (MR_SERIES_INPUTS_PER_VAR * V));
		goto fail;
	}
	out->n_vars = V;
	out->var_ids = mr_alloc(a, sizeof(int32_t) * (size_t) V);
	out->mean = mr_alloc(a, sizeof(float) * (size_t) V);
	out->scale = mr_alloc(a, sizeof(float) * (size_t) V);
	out->feats = mr_alloc(a, sizeof(float) * (cells ? cells : 1));
	if (!out->var_ids || !out->mean || !out->scale || !out->feats ||
		mr_series_work_new(V, a, &work) != MR_OK)
		goto fail;
	for (int32_t i = 0; i < n_seen; i++)
	{
		int32_t		v = final_var[i];
		double		mean,
					var;

		if (v < 0)
			continue;
		mean = sum[i];
		var = sumsq[i] / count[i];
		out->var_ids[v] = i;
		out->mean[v] = (float) mean;
		/* a constant (or single) measurement has no spread: do not scale it */
		out->scale[v] = var > 1e-12 * (1.0 + mean * mean) ? (float) sqrt(var) : 1.0f;
	}
	spec.n_vars = V;
	spec.mean = out->mean;
	spec.scale = out->scale;

	/* classes in label byte order */
	if (mr_rows_classes(&c->rows, out->class_label, label_class) != MR_OK)
		goto fail;
	out->n_classes = K;

	/* rows in canonical order, resampled */
	if (mr_rows_order(&c->rows, 1, events_cmp, (void *) c, order, a) != MR_OK)
		goto fail;
	for (size_t i = 0; i < c->n_events; i++)
		row_vars[i] = c->var[i] >= 0 ? final_var[c->var[i]] : -1;
	for (int64_t i = 0; i < n; i++)
	{
		int64_t		r = order[i];
		int64_t		start = mr_rows_start(&c->rows, r);

		int32_t		span;

		out->events_on_grid += mr_series_row(&spec, c->times + start, row_vars + start,
											 c->values + start, c->rows.end[r] - start, &work,
											 out->feats + (size_t) i * T * MR_SERIES_INPUTS_PER_VAR * V,
											 &span);
		out->lengths[i] = spans ? span : T;
		out->labels[i] = label_class[c->rows.label[r]];
		out->class_count[out->labels[i]]++;
	}
	out->n = n;
	out->events = (int64_t) c->n_events;
	st = MR_OK;

fail:
	if (st == MR_ENOMEM)
		mr_set_error(err, MR_ENOMEM, "Out of memory while resampling the training rows.");
	if (st != MR_OK)
		mr_series_rows_free(out, a);
	mr_series_work_free(&work, a);
	mr_free(a, order);
	mr_free(a, sum);
	mr_free(a, sumsq);
	mr_free(a, count);
	mr_free(a, name_order);
	mr_free(a, final_var);
	mr_free(a, label_class);
	mr_free(a, row_vars);
	return st;
}
