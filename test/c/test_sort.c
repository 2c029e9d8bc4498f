/*
 * test_sort.c
 *	  mr_sort: sorted, stable, any element size, and the edge sizes around
 *	  its runs of 16.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_rng.h"
#include "mr_sort.h"
#include "mr_test.h"

/* An element with a key that repeats and its original position */
typedef struct Item
{
	int32_t		key;
	int32_t		pos;
	unsigned char pad[MR_SORT_MAX_ELEM - 8];	/* the largest element there is */
} Item;

static int
item_cmp(const void *a, const void *b, void *arg)
{
	int32_t		ka = ((const Item *) a)->key,
				kb = ((const Item *) b)->key;

	(void) arg;
	return (ka > kb) - (ka < kb);
}

static int
u64_desc(const void *a, const void *b, void *arg)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	(void) arg;
	return (x < y) - (x > y);
}

static int
i32_asc(const void *a, const void *b, void *arg)
{
	int32_t		x = *(const int32_t *) a,
				y = *(const int32_t *) b;

	(void) arg;
	return (x > y) - (x < y);
}

/* n items with keys in [0, keys): sorted by key, equal keys in their old order */
static int
sorted_and_stable(size_t n, int keys, MrRng *rng)
{
	Item	   *a = calloc(n ? n : 1, sizeof(Item));
	int			ok = 1;

	for (size_t i = 0; i < n; i++)
	{
		a[i].key = (int32_t) mr_rng_below(rng, (uint64_t) keys);
		a[i].pos = (int32_t) i;
		a[i].pad[0] = (unsigned char) (a[i].key * 7 + 1);
	}
	ok = mr_sort(a, n, sizeof(Item), item_cmp, NULL, &mr_malloc_allocator) == MR_OK;
	for (size_t i = 1; ok && i < n; i++)
		ok = a[i - 1].key < a[i].key || (a[i - 1].key == a[i].key && a[i - 1].pos < a[i].pos);
	for (size_t i = 0; ok && i < n; i++)
		ok = a[i].pad[0] == (unsigned char) (a[i].key * 7 + 1);
	free(a);
	return ok;
}

void
test_sort(void)
{
	static const size_t sizes[] = {0, 1, 2, 15, 16, 17, 31, 32, 33, 1000, 100000};
	MrRng		rng;
	int			ok = 1;

	mr_rng_seed(&rng, 42);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
	{
		ok = ok && sorted_and_stable(sizes[i], 3, &rng);
		ok = ok && sorted_and_stable(sizes[i], 1000000, &rng);
	}
	MR_CHECK(ok, "64-byte elements of 0 to 100,000, few and many distinct keys: sorted, equal keys in input order");

	{
		size_t		n = 50001;
		uint64_t   *a = malloc(n * sizeof(uint64_t));
		uint64_t   *tmp = malloc(n * sizeof(uint64_t));

		ok = 1;
		for (size_t i = 0; i < n; i++)
			a[i] = mr_rng_u64(&rng) % 100;
		mr_sort_with(a, tmp, n, sizeof(uint64_t), u64_desc, NULL);
		for (size_t i = 1; i < n; i++)
			ok = ok && a[i - 1] >= a[i];
		MR_CHECK(ok, "8-byte keys sorted descending with caller scratch");
		free(a);
		free(tmp);
	}
	{
		int32_t		a[40],
					b[40];

		for (int i = 0; i < 40; i++)
			a[i] = b[i] = 40 - i;
		mr_sort_with(a, b, 40, sizeof(int32_t), i32_asc, NULL);
		ok = 1;
		for (int i = 0; i < 40; i++)
			ok = ok && a[i] == i + 1;
		MR_CHECK(ok, "a reversed run of 4-byte ints comes out ascending");
	}
	MR_CHECK(mr_sort(NULL, 5, 0, i32_asc, NULL, &mr_malloc_allocator) == MR_EINVAL &&
			 mr_sort(NULL, 5, MR_SORT_MAX_ELEM + 1, i32_asc, NULL, &mr_malloc_allocator) == MR_EINVAL,
			 "an element of 0 or more than %d bytes is refused", MR_SORT_MAX_ELEM);
}
