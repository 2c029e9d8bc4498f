/*
 * mr_window.c
 *	  A row's token ids in a window of T steps (see mr_window.h).
 */
#include "mr_window.h"

/* Start an empty window over ring (T slots) */
void
mr_window_init(MrWindow *w, int32_t *ring, int T, int truncating)
{
	w->ring = ring;
	w->T = T;
	w->truncating = truncating;
	w->seen = 0;
}

/* Keep the id if it can still end up in the window */
int
mr_window_push(MrWindow *w, int32_t id)
{
	if (w->truncating == MR_PAD_POST)
	{
		if (w->seen < w->T)
			w->ring[w->seen] = id;
		w->seen++;
		return w->seen >= w->T;
	}
	w->ring[w->seen % w->T] = id;
	w->seen++;
	return 0;
}

/* Lay the kept ids out in order, padded to T */
int32_t
mr_window_finish(const MrWindow *w, int padding, int32_t *out)
{
	int			T = w->T;
	int32_t		L = (int32_t) (w->seen < T ? w->seen : T);
	int			first = padding == MR_PAD_PRE ? T - L : 0;

	for (int t = 0; t < T; t++)
		out[t] = 0;
	for (int32_t i = 0; i < L; i++)
	{
		int64_t		src;

		if (w->truncating == MR_PAD_POST || w->seen <= T)
			src = i;
		else
			src = (w->seen - L + i) % T;	/* oldest surviving id first */
		out[first + i] = w->ring[src];
	}
	return L;
}

/* Where the known ids of a row land; see mr_window.h */
void
mr_window_placement(int64_t n_known, int T, int padding, int truncating,
					int64_t *skip, int32_t *kept, int32_t *first)
{
	*kept = (int32_t) (n_known < T ? n_known : T);
	/* "pre" truncation keeps the last T known ids, "post" the first T */
	*skip = truncating == MR_PAD_PRE ? n_known - *kept : 0;
	*first = padding == MR_PAD_PRE ? T - *kept : 0;
}
