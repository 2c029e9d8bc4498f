/*
 * mr_sort.c
 *	  Stable merge sort (see mr_sort.h).
 */
#include "mr_sort.h"

#include <stdint.h>
#include <string.h>

#define RUN 16

/* Copy one element; the common sizes compile to single moves */
static inline void
move(void *dst, const void *src, size_t elem)
{
	switch (elem)
	{
		case 4:
			memcpy(dst, src, 4);
			break;
		case 8:
			memcpy(dst, src, 8);
			break;
		default:
			memcpy(dst, src, elem);
	}
}

/* Sort; see mr_sort.h */
void
mr_sort_with(void *base, void *tmp, size_t n, size_t elem, MrCompareFn cmp, void *arg)
{
	char	   *a = base;
	char	   *src = a;
	char	   *dst = tmp;
	unsigned char x[MR_SORT_MAX_ELEM];

	if (n < 2 || elem == 0 || elem > MR_SORT_MAX_ELEM)
		return;
	/* insertion sort of short runs: cheap, and saves four merge passes */
	for (size_t lo = 0; lo < n; lo += RUN)
	{
		size_t		hi = lo + RUN < n ? lo + RUN : n;

		for (size_t i = lo + 1; i < hi; i++)
		{
			size_t		j = i;

			move(x, a + i * elem, elem);
			while (j > lo && cmp(x, a + (j - 1) * elem, arg) < 0)
			{
				move(a + j * elem, a + (j - 1) * elem, elem);
				j--;
			}
			move(a + j * elem, x, elem);
		}
	}
	/* merges of doubling width, back and forth between base and tmp */
	for (size_t width = RUN; width < n; width *= 2)
	{
		for (size_t lo = 0; lo < n; lo += 2 * width)
		{
			size_t		mid = lo + width < n ? lo + width : n;
			size_t		hi = mid + width < n ? mid + width : n;
			size_t		i = lo,
						j = mid,
						k = lo;

			/* the right one only when strictly smaller: stable */
			while (i < mid && j < hi)
			{
				if (cmp(src + j * elem, src + i * elem, arg) < 0)
					move(dst + k++ * elem, src + j++ * elem, elem);
				else
					move(dst + k++ * elem, src + i++ * elem, elem);
			}
			if (i < mid)
				memcpy(dst + k * elem, src + i * elem, (mid - i) * elem);
			else if (j < hi)
				memcpy(dst + k * elem, src + j * elem, (hi - j) * elem);
		}
		{
			char	   *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * elem);
}

/* Sort with scratch from an allocator; see mr_sort.h */
MrStatus
mr_sort(void *base, size_t n, size_t elem, MrCompareFn cmp, void *arg, const MrAllocator *a)
{
	size_t		bytes;
	void	   *tmp;

	if (elem == 0 || elem > MR_SORT_MAX_ELEM)
		return MR_EINVAL;
	if (n < 2)
		return MR_OK;
	if (!mr_mul_size(n, elem, &bytes))
		return MR_ENOMEM;
	tmp = mr_alloc(a, bytes);
	if (tmp == NULL)
		return MR_ENOMEM;
	mr_sort_with(base, tmp, n, elem, cmp, arg);
	mr_free(a, tmp);
	return MR_OK;
}
