/*
 * test_series.c
 *	  Resampling measurements onto the grid (values, masks, elapsed time,
 *	  carrying forward, clipping, missing values, the window) and the
 *	  training-row collector (variables, statistics, canonical order).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_series.h"
#include "mr_series_corpus.h"
#include "mr_test.h"

#define V 2
#define T 4

static float
feat(const float *out, int b, int kind, int v)
{
	return out[(size_t) b * 3 * V + kind * V + v];
}

static void
check_row(void)
{
	float		mean[V] = {10.0f, 0.0f},
				scale[V] = {2.0f, 1.0f};
	MrSeriesSpec spec = {V, T, 60.0, MR_ORIGIN_ZERO, mean, scale};
	MrSeriesWork w;
	float		out[T * 3 * V];
	/* var 0 at minutes 0 and 30 (bin 0), 130 (bin 2); var 1 at 70 (missing) and 75; a late one */
	double		times[] = {0, 30, 70, 75, 130, 500, -5};
	int32_t		vars[] = {0, 0, 1, 1, 0, 0, 0};
	double		values[] = {10, 14, NAN, 3, 1000, 12, 99};
	int64_t		used;
	int			ok = 1;

	mr_series_work_new(V, &mr_malloc_allocator, &w);
	/* the -5 event comes first once sorted; test it separately */
	int32_t		span = -1;

	used = mr_series_row(&spec, times, vars, values, 6, &w, out, &span);
	MR_CHECK(used == 5, "events on the grid are used, the one after the last bin is not (%lld)", (long long) used);
	MR_CHECK(span == 3, "the row spans the bins up to its last event on the grid, bin 2 (%d)", span);
	/* bin 0: var 0 mean 12 -> z = 1; var 1 never measured */
	ok &= feat(out, 0, 0, 0) == 1.0f && feat(out, 0, 1, 0) == 1.0f && feat(out, 0, 2, 0) == 0.0f;
	ok &= feat(out, 0, 0, 1) == 0.0f && feat(out, 0, 1, 1) == 0.0f && feat(out, 0, 2, 1) == 1.0f / T;
	MR_CHECK(ok, "bin 0: the bin's mean, standardised; an unmeasured variable is 0 with elapsed (b+1)/T");
	ok = 1;
	/* bin 1: var 0 carried forward, elapsed 1/T; var 1: the NaN is not a measurement, 3 is */
	ok &= feat(out, 1, 0, 0) == 1.0f && feat(out, 1, 1, 0) == 0.0f && feat(out, 1, 2, 0) == 1.0f / T;
	ok &= feat(out, 1, 0, 1) == 3.0f && feat(out, 1, 1, 1) == 1.0f && feat(out, 1, 2, 1) == 0.0f;
	MR_CHECK(ok, "bin 1: a value carried forward ages; a missing value is not a measurement");
	ok = 1;
	/* bin 2: 1000 -> z = 495, clipped to 10 */
	ok &= feat(out, 2, 0, 0) == MR_SERIES_CLIP && feat(out, 2, 1, 0) == 1.0f;
	/* bin 3: nothing; var 1 last measured in bin 1 */
	ok &= feat(out, 3, 0, 1) == 3.0f && feat(out, 3, 2, 1) == 2.0f / T && feat(out, 3, 1, 1) == 0.0f;
	MR_CHECK(ok, "outliers are clipped to +-%g; elapsed counts bins since the last measurement", MR_SERIES_CLIP);

	/* origin at the first event: the same events shifted by an hour give the same inputs */
	{
		float		out2[T * 3 * V];
		double		shifted[6];
		MrSeriesSpec first = spec;

		for (int i = 0; i < 6; i++)
			shifted[i] = times[i] + 3600.0;
		first.origin = MR_ORIGIN_FIRST;
		mr_series_row(&first, shifted, vars, values, 6, &w, out2, NULL);
		MR_CHECK(memcmp(out, out2, sizeof(out)) == 0, "with origin \"first\", a shifted record gives the same inputs");
	}
	/* an event before the origin is ignored; an unknown variable (-1) too */
	{
		double		t2[] = {-5, 10};
		int32_t		v2[] = {0, -1};
		double		x2[] = {99, 5};

		used = mr_series_row(&spec, t2, v2, x2, 2, &w, out, &span);
		MR_CHECK(used == 1 && feat(out, 0, 1, 0) == 0.0f && feat(out, 0, 1, 1) == 0.0f && span == 0,
				 "events before the origin and unknown variables are ignored, and span no bin (%d)", span);
	}
	MR_CHECK(mr_series_bin(&spec, 60.0, 0) == 1 && mr_series_bin(&spec, 59.999, 0) == 0 &&
			 mr_series_bin(&spec, 240.0, 0) == -1 && mr_series_bin(&spec, NAN, 0) == -1,
			 "bins are [k step, (k+1) step), and NaN times fall off the grid");
	mr_series_work_free(&w, &mr_malloc_allocator);
}

static void
check_corpus(void)
{
	MrSeriesCorpus *c1 = mr_series_corpus_new(&mr_malloc_allocator, 0);
	MrSeriesCorpus *c2 = mr_series_corpus_new(&mr_malloc_allocator, 0);
	MrSeriesRows r1,
				r2;
	MrError		err;
	const char *names[3] = {"HR", "Age", "HR"};
	size_t		lens[3] = {2, 3, 2};
	double		t[4][3] = {{0, 0, 60}, {0, 0, 30}, {0, 0, 120}, {0, 0, 5}};
	double		x[4][3] = {{80, 50, 90}, {100, 70, NAN}, {60, 30, 70}, {90, 40, 95}};
	const char *labs[4] = {"0", "1", "0", "1"};
	int			same;

	for (int i = 0; i < 4; i++)
	{
		mr_series_corpus_add(c1, t[i], names, lens, x[i], 3, labs[i], 1, &err);
		mr_series_corpus_add(c2, t[3 - i], names, lens, x[3 - i], 3, labs[3 - i], 1, &err);
	}
	MR_CHECK(mr_series_corpus_finish(c1, 3, 60.0, MR_ORIGIN_ZERO, 0, &r1, &err) == MR_OK &&
			 mr_series_corpus_finish(c2, 3, 60.0, MR_ORIGIN_ZERO, 0, &r2, &err) == MR_OK,
			 "resample the training rows");
	{
		size_t		l0,
					l1;
		const char *v0 = mr_vocab_key(mr_series_corpus_vars(c1), r1.var_ids[0], &l0);
		const char *v1 = mr_vocab_key(mr_series_corpus_vars(c1), r1.var_ids[1], &l1);

		MR_CHECK(r1.n_vars == 2 && l0 == 3 && memcmp(v0, "Age", 3) == 0 && l1 == 2 && memcmp(v1, "HR", 2) == 0,
				 "variables in name order");
	}
	/* HR on the grid (minutes 0..179): 80 90 100 60 70 90 95 -> mean 83.571... */
	MR_CHECK(fabsf(r1.mean[1] - 585.0f / 7.0f) < 1e-4f && fabsf(r1.mean[0] - 47.5f) < 1e-4f,
			 "means over the measurements on the grid (HR %.4f, Age %.4f)", r1.mean[1], r1.mean[0]);
	same = r1.n == r2.n && memcmp(r1.feats, r2.feats, sizeof(float) * r1.n * 3 * 3 * r1.n_vars) == 0 &&
		memcmp(r1.labels, r2.labels, sizeof(int32_t) * r1.n) == 0;
	MR_CHECK(same, "rows in any order give the same resampled rows");
	MR_CHECK(r1.events == 12 && r1.events_on_grid == 12 && r1.class_count[0] == 2,
			 "event and class counts");
	mr_series_rows_free(&r1, &mr_malloc_allocator);
	mr_series_rows_free(&r2, &mr_malloc_allocator);
	mr_series_corpus_free(c1);
	mr_series_corpus_free(c2);

	/* absurd values are missing; nameless variables are not variables */
	{
		MrSeriesCorpus *c = mr_series_corpus_new(&mr_malloc_allocator, 0);
		double		tt[3] = {0, 1, 2};
		double		xx[3] = {1e300, 4, 6};
		const char *nn[3] = {"HR", "", "HR"};
		size_t		ll[3] = {2, 0, 2};
		MrSeriesRows r;

		mr_series_corpus_add(c, tt, nn, ll, xx, 3, "a", 1, &err);
		mr_series_corpus_add(c, tt, nn, ll, xx, 3, "b", 1, &err);
		MrStatus	st = mr_series_corpus_finish(c, 2, 60.0, MR_ORIGIN_ZERO, 0, &r, &err);

		MR_CHECK(st == MR_OK && r.n_vars == 1 && r.mean[0] == 6.0f && isfinite(r.scale[0]) && r.events == 6,
				 "a value of 1e300 is missing; an event without a variable name measures nothing");
		mr_series_rows_free(&r, &mr_malloc_allocator);
		mr_series_corpus_free(c);
	}

	/* nothing measured on the grid is an error, not an empty model */
	{
		MrSeriesCorpus *c = mr_series_corpus_new(&mr_malloc_allocator, 0);
		double		tt[1] = {10000};
		double		xx[1] = {1};
		const char *nn[1] = {"HR"};
		size_t		ll[1] = {2};
		MrSeriesRows r;

		mr_series_corpus_add(c, tt, nn, ll, xx, 1, "a", 1, &err);
		MR_CHECK(mr_series_corpus_finish(c, 3, 60.0, MR_ORIGIN_ZERO, 0, &r, &err) == MR_EINVAL,
				 "no measurement on the grid is an error (%s)", err.detail);
		mr_series_corpus_free(c);
	}
}

void
test_series(void)
{
	check_row();
	check_corpus();
}
