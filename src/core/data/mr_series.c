/*
 * mr_series.c
 *	  Resampling measurements onto the network's time grid (see mr_series.h).
 */
#include "mr_series.h"

#include <string.h>

MrStatus
mr_series_work_new(int32_t n_vars, const MrAllocator *a, MrSeriesWork *w)
{
	size_t		V = n_vars > 0 ? (size_t) n_vars : 1;

	w->sum = mr_alloc(a, sizeof(double) * V);
	w->count = mr_alloc(a, sizeof(int32_t) * V);
	w->last = mr_alloc(a, sizeof(float) * V);
	w->since = mr_alloc(a, sizeof(int32_t) * V);
	if (!w->sum || !w->count || !w->last || !w->since)
	{
		mr_series_work_free(w, a);
		return MR_ENOMEM;
	}
	return MR_OK;
}

void
mr_series_work_free(MrSeriesWork *w, const MrAllocator *a)
{
	mr_free(a, w->sum);
	mr_free(a, w->count);
	mr_free(a, w->last);
	mr_free(a, w->since);
	memset(w, 0, sizeof(*w));
}

/* Bin index of time t, or -1 before the origin or past the last bin */
int32_t
mr_series_bin(const MrSeriesSpec *spec, double t, double first)
{
	double		origin = spec->origin == MR_ORIGIN_FIRST ? first : 0.0;
	double		b = floor((t - origin) / spec->step);

	if (!(b >= 0.0) || b >= (double) spec->T)
		return -1;
	return (int32_t) b;
}

/* Write bin b's inputs from the measurements gathered in it, then reset them */
static void
close_bin(const MrSeriesSpec *spec, MrSeriesWork *w, int32_t b, float *out)
{
	int32_t		V = spec->n_vars;
	float	   *value = out + (size_t) b * MR_SERIES_INPUTS_PER_VAR * V;
	float	   *observed = value + V;
	float	   *elapsed = observed + V;

	for (int32_t v = 0; v < V; v++)
	{
		if (w->count[v] > 0)
		{
			float		z = (float) ((w->sum[v] / w->count[v] - spec->mean[v]) / spec->scale[v]);

			/* clip outliers (and typos in the record) so one cannot swamp the rest */
			if (z > MR_SERIES_CLIP)
				z = MR_SERIES_CLIP;
			else if (z < -MR_SERIES_CLIP)
				z = -MR_SERIES_CLIP;
			w->last[v] = z;
			w->since[v] = 0;
			observed[v] = 1.0f;
		}
		else
		{
			/* never measured: b + 1 bins since the start of the grid */
			w->since[v] = w->since[v] < 0 ? b + 1 : w->since[v] + 1;
			observed[v] = 0.0f;
		}
		value[v] = w->last[v];
		elapsed[v] = (float) w->since[v] / (float) spec->T;
		w->sum[v] = 0.0;
		w->count[v] = 0;
	}
}

/* Resample one row; see mr_series.h */
int64_t
mr_series_row(const MrSeriesSpec *spec, const double *times, const int32_t *vars,
			  const double *values, int64_t n, MrSeriesWork *w, float *out, int32_t *span)
{
	int32_t		V = spec->n_vars;
	int32_t		cur = 0;		/* the bin being filled */
	int32_t		last = -1;		/* the last bin with an event */
	int64_t		used = 0;
	double		first = n > 0 ? times[0] : 0.0;

	for (int32_t v = 0; v < V; v++)
	{
		w->sum[v] = 0.0;
		w->count[v] = 0;
		w->last[v] = 0.0f;
		w->since[v] = -1;
	}
	for (int64_t i = 0; i < n; i++)
	{
		int32_t		b = mr_series_bin(spec, times[i], first);

		if (b < 0)
			continue;
		/* events are sorted, so bins only move forward */
		while (cur < b)
			close_bin(spec, w, cur++, out);
		used++;
		if (vars[i] >= 0 && vars[i] < V)
			last = b;			/* an event of a variable the model knows */
		if (vars[i] >= 0 && vars[i] < V && mr_series_value_ok(values[i]))
		{
			w->sum[vars[i]] += values[i];
			w->count[vars[i]]++;
		}
	}
	while (cur < spec->T)
		close_bin(spec, w, cur++, out);
	if (span)
		*span = last + 1;
	return used;
}
