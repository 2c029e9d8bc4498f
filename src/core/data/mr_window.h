/*
 * mr_window.h
 *	  Placing a row's token ids in a window of T steps, as Keras'
 *	  pad_sequences does.
 *
 * Out-of-vocabulary tokens are dropped before they reach the window; then
 * a row longer than T loses its first ("pre", the default) or last
 * ("post") ids, and a shorter one is padded with id 0 before ("pre") or
 * after ("post").  Training rows (mr_corpus) and prediction inputs
 * (mr_predict) are windowed by this one piece of code, so they agree.
 */
#ifndef MR_WINDOW_H
#define MR_WINDOW_H

#include <stdint.h>

typedef enum MrPadding
{
	MR_PAD_PRE = 0,				/* padding before the real steps (Keras) */
	MR_PAD_POST = 1
} MrPadding;

/*
 * Collects ids into a window as they arrive.  With truncating "pre" only
 * the last T ids survive (a ring buffer), so a 1 MB text needs no more
 * than T slots and no allocation.
 */
typedef struct MrWindow
{
	int32_t    *ring;			/* T slots, caller-provided */
	int			T;
	int			truncating;		/* MrPadding */
	int64_t		seen;			/* ids offered so far */
} MrWindow;

void		mr_window_init(MrWindow *w, int32_t *ring, int T, int truncating);
/* Offer the next id; returns 1 once a "post" window is full (stop early) */
int			mr_window_push(MrWindow *w, int32_t id);
/* Write the padded row (T ids) and return its real length */
int32_t		mr_window_finish(const MrWindow *w, int padding, int32_t *out);

/*
 * Where the window puts the known ids of a row: of n_known ids offered in
 * order, the k-th (0-based) lands at step first + (k - skip) if
 * skip <= k < skip + kept, and is cut off otherwise.  (For explanations,
 * which list every token with the step that read it.)
 */
void		mr_window_placement(int64_t n_known, int T, int padding, int truncating,
								int64_t *skip, int32_t *kept, int32_t *first);

#endif							/* MR_WINDOW_H */
