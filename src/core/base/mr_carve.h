/*
 * mr_carve.h
 *	  Carving buffers out of one block, or counting the bytes they need.
 *
 * The network's parameters, a batch's activations, the one-row inference
 * state and the whole training state are each one allocation cut into
 * named pieces.  Each is described once, by a function that takes its
 * pieces in order from an MrCarve: run with no block it sums their sizes
 * (what a memory budget checks), run on a block of that size it points
 * every piece into it.  So an estimate and the allocation it estimates
 * cannot disagree.
 *
 * Pieces start at addresses that are multiples of the alignment.  A
 * count assumes the worst start a block can have (align - 1 bytes of
 * padding before the first piece); after the first piece the padding does
 * not depend on where the block is.
 */
#ifndef MR_CARVE_H
#define MR_CARVE_H

#include <stddef.h>
#include <stdint.h>

#include "mr_common.h"

typedef struct MrCarve
{
	char	   *base;			/* the block, or NULL to only count */
	uintptr_t	origin;			/* the block's address (0 when counting) */
	size_t		off;			/* bytes taken so far */
	size_t		align;			/* pieces start at multiples of this (a power of two) */
	int			overflow;		/* a size did not fit in size_t */
} MrCarve;

/* Start carving base (NULL: count only), pieces aligned to align bytes */
static inline void
mr_carve_init(MrCarve *c, void *base, size_t align)
{
	c->base = base;
	c->origin = (uintptr_t) base;
	c->off = 0;
	c->align = align;
	c->overflow = 0;
}

/*
 * Take count elements of elem bytes: where they are when carving, NULL
 * when counting
 */
static inline void *
mr_carve_take(MrCarve *c, size_t count, size_t elem)
{
	size_t		bytes,
				start,
				end;

	if (c->overflow)
		return NULL;
	/* the next address that is a multiple of align, as an offset */
	start = (size_t) ((c->origin + c->off + c->align - 1) & ~(uintptr_t) (c->align - 1)) - c->origin;
	if (start < c->off || !mr_mul_size(count, elem, &bytes) || !mr_add_size(start, bytes, &end))
	{
		c->overflow = 1;
		return NULL;
	}
	c->off = end;
	return c->base ? c->base + start : NULL;
}

/* Bytes a block needs for the pieces taken; MR_EDIMS on overflow */
static inline MrStatus
mr_carve_size(const MrCarve *c, size_t *bytes)
{
	if (c->overflow || !mr_add_size(c->off, c->align - 1, bytes))
		return MR_EDIMS;
	return MR_OK;
}

/* count elements of a type: MR_CARVE(c, float, n) */
#define MR_CARVE(c, type, count) ((type *) mr_carve_take((c), (count), sizeof(type)))

#endif							/* MR_CARVE_H */
