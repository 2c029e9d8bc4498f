/*
 * mr_series.h
 *	  Irregular measurements (time, variable, value) to a regular grid of
 *	  network inputs, the way a clinical pipeline prepares vital signs.
 *
 * The grid has T bins of width step starting at the origin (time 0, or
 * the row's first event).  For every variable v and bin b the network sees
 * three inputs, after GRU-D (Che et al., "Recurrent Neural Networks for
 * Multivariate Time Series with Missing Values", Sci. Rep. 2018):
 *	  value	   the mean of v's measurements in b, standardised with the
 *			   training rows' mean and standard deviation of v and clipped
 *			   to +-10; carried forward from the last bin that had one;
 *			   0 (the training mean) before v's first measurement
 *	  observed 1 if v was measured in b, else 0
 *	  elapsed  bins since v was last measured (0 in a bin with a
 *			   measurement; b + 1 before the first), divided by T
 * so a sparse, irregular record is used as it is rather than imputed away:
 * the network can tell a carried-forward value from a fresh one and knows
 * how old it is.  A measurement whose value is missing (NULL), or larger
 * than MR_SERIES_MAX_ABS in magnitude, counts as not measured.  Events
 * before the origin or after the last bin are ignored.
 *
 * Feature layout per bin: [value_0..value_{V-1}, observed_0.., elapsed_0..].
 */
#ifndef MR_SERIES_H
#define MR_SERIES_H

#include <math.h>
#include <stdint.h>

#include "mr_common.h"

#define MR_SERIES_INPUTS_PER_VAR 3
#define MR_SERIES_MAX_VARS (MR_MAX_FEATURES / MR_SERIES_INPUTS_PER_VAR)
#define MR_SERIES_CLIP 10.0f
/* A value beyond this magnitude is taken as missing: no measurement is that large */
#define MR_SERIES_MAX_ABS 1e30

/* Is v a usable measurement (not NaN, not absurdly large)? */
static inline int
mr_series_value_ok(double v)
{
	return v >= -MR_SERIES_MAX_ABS && v <= MR_SERIES_MAX_ABS;
}

typedef enum MrSeriesOrigin
{
	MR_ORIGIN_ZERO = 0,			/* time 0 (e.g. minutes since admission) */
	MR_ORIGIN_FIRST = 1			/* the row's first event */
} MrSeriesOrigin;

typedef struct MrSeriesSpec
{
	int32_t		n_vars;			/* V */
	int32_t		T;				/* bins */
	double		step;			/* bin width, in the row's time unit */
	int32_t		origin;			/* MrSeriesOrigin */
	const float *mean;			/* (V) training mean of each variable */
	const float *scale;			/* (V) training standard deviation, > 0 */
} MrSeriesSpec;

/* Scratch for mr_series_row: 4 V values, reusable across rows */
typedef struct MrSeriesWork
{
	double	   *sum;			/* (V) this bin's sum per variable */
	int32_t    *count;			/* (V) this bin's measurements */
	float	   *last;			/* (V) last standardised value */
	int32_t    *since;			/* (V) bins since the last measurement, -1 never */
} MrSeriesWork;

MrStatus	mr_series_work_new(int32_t n_vars, const MrAllocator *a, MrSeriesWork *w);
void		mr_series_work_free(MrSeriesWork *w, const MrAllocator *a);

/* Bin of time t for a row whose first event is at first (-1 outside the grid) */
int32_t		mr_series_bin(const MrSeriesSpec *spec, double t, double first);

/*
 * Fill out (T, 3V) from n events sorted by time: times, variable index in
 * [0, V) (or -1: a variable the model does not know, ignored) and value
 * (NaN for missing).  Returns the number of events that fell on the grid;
 * *span (if not NULL) gets the bins up to and including the last that
 * holds an event of a known variable (0 when none does): the row's length
 * for a masked model, whose grid ends at the row's last event.
 */
int64_t		mr_series_row(const MrSeriesSpec *spec, const double *times, const int32_t *vars,
						  const double *values, int64_t n, MrSeriesWork *w, float *out,
						  int32_t *span);

#endif							/* MR_SERIES_H */
