/*
 * mr_sort.h
 *	  The core's one sort: stable, O(n log n) on every input.
 *
 * Everything in medrnn that sorts (ranking words, putting training rows in
 * their canonical order, label order, metrics over scores, events of a
 * sequence) needs the same properties: equal elements keep their order, so
 * "first seen" tie-breaks and canonical orders are well defined, and no
 * input makes it quadratic (scores come with many ties, which hurts a
 * quicksort).  So it is written once: insertion-sorted runs of 16, then
 * bottom-up merges that take from the left on a tie.
 */
#ifndef MR_SORT_H
#define MR_SORT_H

#include <stddef.h>

#include "mr_common.h"

/* The largest element mr_sort moves (a row index, a packed key, an event) */
#define MR_SORT_MAX_ELEM 64

/* Order of two elements: < 0, 0 or > 0, as for qsort */
typedef int (*MrCompareFn) (const void *a, const void *b, void *arg);

/*
 * Sort n elements of elem bytes (1..MR_SORT_MAX_ELEM) at base by cmp,
 * stably; tmp is scratch for n elements
 */
void		mr_sort_with(void *base, void *tmp, size_t n, size_t elem,
						 MrCompareFn cmp, void *arg);

/* The same with scratch from a: MR_ENOMEM if there is none, MR_EINVAL for a bad elem */
MrStatus	mr_sort(void *base, size_t n, size_t elem, MrCompareFn cmp, void *arg,
					const MrAllocator *a);

#endif							/* MR_SORT_H */
