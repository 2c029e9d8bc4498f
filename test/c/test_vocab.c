/*
 * test_vocab.c
 *	  The interning table: ids, counts, growth, ordering, limits, ENOMEM.
 */
#include "mr_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_vocab.h"

/*
 * An allocator that counts what is live and fails every allocation after
 * the first fail_after ones (-1: never), so each ENOMEM path can be hit.
 */
typedef struct TestAlloc
{
	long		fail_after;
	long		calls;
	long		live;			/* blocks allocated and not freed */
	size_t		live_bytes;
} TestAlloc;

/* Header in front of each block, to know its size on free */
typedef union BlockHead
{
	size_t		size;
	long double ld;				/* keep the block after it aligned */
	void	   *p;
	long long	ll;
} BlockHead;

/* alloc callback of TestAlloc */
static void *
test_alloc_fn(size_t size, void *state)
{
	TestAlloc  *t = state;
	BlockHead  *h;

	if (t->fail_after >= 0 && t->calls >= t->fail_after)
		return NULL;
	t->calls++;
	h = malloc(sizeof(BlockHead) + size);
	if (h == NULL)
		return NULL;
	h->size = size;
	t->live++;
	t->live_bytes += size;
	return h + 1;
}

/* free callback of TestAlloc */
static void
test_free_fn(void *ptr, void *state)
{
	TestAlloc  *t = state;
	BlockHead  *h = (BlockHead *) ptr - 1;

	t->live--;
	t->live_bytes -= h->size;
	free(h);
}

/* An MrAllocator over t */
static MrAllocator
test_allocator(TestAlloc *t, long fail_after)
{
	MrAllocator a;

	memset(t, 0, sizeof(TestAlloc));
	t->fail_after = fail_after;
	a.alloc = test_alloc_fn;
	a.free = test_free_fn;
	a.state = t;
	return a;
}

/* 1 if id's key is exactly key[0..len) */
static int
key_is(const MrVocab *v, int32_t id, const char *key, size_t len)
{
	size_t		got_len = 99;
	const char *got = mr_vocab_key(v, id, &got_len);

	return got != NULL && got_len == len && (len == 0 || memcmp(got, key, len) == 0);
}

/* Ids in first-seen order, counts, lookups, odd keys */
static void
test_basic(void)
{
	TestAlloc	t;
	MrAllocator a = test_allocator(&t, -1);
	MrVocab    *v = mr_vocab_new(&a, 0);
	size_t		len = 99;
	int32_t		order[1];

	MR_CHECK(v != NULL && mr_vocab_size(v) == 0, "new table is empty");
	MR_CHECK(mr_vocab_lookup(v, "a", 1) == -1, "lookup in an empty table: -1");
	MR_CHECK(mr_vocab_rank_by_count(v, order) == MR_OK && mr_vocab_sort_by_key(v, order) == MR_OK,
			 "sorting an empty table is fine");
	MR_CHECK(mr_vocab_add(v, "the", 3, 0) == 0, "first key gets id 0");
	MR_CHECK(mr_vocab_add(v, "cat", 3, 0) == 1, "second key gets id 1");
	MR_CHECK(mr_vocab_add(v, "the", 3, 0) == 0, "a seen key keeps its id");
	MR_CHECK(mr_vocab_add(v, "them", 4, 0) == 2, "a longer key with a common prefix is new");
	MR_CHECK(mr_vocab_add(v, "th", 2, 0) == 3, "a shorter key with a common prefix is new");
	MR_CHECK(mr_vocab_add(v, "the", 3, 0) == 0, "and the original is still found");
	MR_CHECK(mr_vocab_size(v) == 4, "size 4");
	MR_CHECK(mr_vocab_count(v, 0) == 3 && mr_vocab_count(v, 1) == 1 && mr_vocab_count(v, 2) == 1,
			 "counts 3, 1, 1");
	MR_CHECK(key_is(v, 0, "the", 3) && key_is(v, 1, "cat", 3) && key_is(v, 2, "them", 4) &&
			 key_is(v, 3, "th", 2), "keys by id");
	MR_CHECK(mr_vocab_lookup(v, "cat", 3) == 1 && mr_vocab_lookup(v, "dog", 3) == -1 &&
			 mr_vocab_lookup(v, "ca", 2) == -1 && mr_vocab_lookup(v, "cats", 4) == -1 &&
			 mr_vocab_lookup(v, "", 0) == -1, "lookups of present and absent keys");
	MR_CHECK(mr_vocab_count(v, 1) == 1, "lookup does not count");

	MR_CHECK(mr_vocab_add(v, "", 0, 0) == 4 && mr_vocab_lookup(v, "", 0) == 4 &&
			 key_is(v, 4, "", 0),
			 "the empty key is a key like any other");
	MR_CHECK(mr_vocab_add(v, "a\0b", 3, 0) == 5 && mr_vocab_add(v, "a\0c", 3, 0) == 6 &&
			 mr_vocab_add(v, "a", 1, 0) == 7 && mr_vocab_lookup(v, "a\0b", 3) == 5,
			 "keys with NUL bytes are compared by length and bytes");
	MR_CHECK(mr_vocab_add(v, "\xCE\xB1\xCF\x82", 4, 0) == 8 &&
			 mr_vocab_lookup(v, "\xCE\xB1\xCF\x83", 4) == -1,
			 "UTF-8 keys are bytes");

	MR_CHECK(mr_vocab_key(v, 9, &len) == NULL && len == 0 && mr_vocab_key(v, -1, &len) == NULL,
			 "key of an id out of range: NULL");
	MR_CHECK(mr_vocab_count(v, 9) == 0 && mr_vocab_count(v, -5) == 0,
			 "count of an id out of range: 0");
	MR_CHECK(mr_vocab_memory(v) == t.live_bytes && t.live_bytes > 0,
			 "memory() is what the allocator holds (%zu bytes)", t.live_bytes);
	MR_CHECK(mr_vocab_rank_by_count(v, NULL) == MR_EINVAL &&
			 mr_vocab_rank_by_count(NULL, order) == MR_EINVAL,
			 "NULL arguments to sorting: MR_EINVAL");
	MR_CHECK(mr_vocab_add(NULL, "x", 1, 0) == -1 && mr_vocab_lookup(NULL, "x", 1) == -1 &&
			 mr_vocab_size(NULL) == 0 && mr_vocab_memory(NULL) == 0, "NULL table");
	mr_vocab_free(v);
	mr_vocab_free(NULL);
	MR_CHECK(t.live == 0 && t.live_bytes == 0, "free releases everything");
}

/* Many thousands of keys: growth keeps ids, counts and key pointers */
static void
test_growth(void)
{
	TestAlloc	t;
	MrAllocator a = test_allocator(&t, -1);
	MrVocab    *v = mr_vocab_new(&a, 4);
	const int	n = 200000;
	char		key[32];
	const char *first_key;
	size_t		len;
	int			bad = 0;
	size_t		mem_small;

	mr_vocab_add(v, "k0", 2, 0);
	first_key = mr_vocab_key(v, 0, &len);
	mem_small = mr_vocab_memory(v);
	for (int i = 0; i < n; i++)
	{
		int			klen = snprintf(key, sizeof(key), "k%d", i);

		if (mr_vocab_add(v, key, (size_t) klen, 0) != i)
			bad++;
	}
	MR_CHECK(bad == 0 && mr_vocab_size(v) == n, "%d keys get ids 0..%d in order", n, n - 1);
	/* every third key once more */
	for (int i = 0; i < n; i += 3)
	{
		int			klen = snprintf(key, sizeof(key), "k%d", i);

		mr_vocab_add(v, key, (size_t) klen, 0);
	}
	bad = 0;
	for (int i = 0; i < n; i++)
	{
		int			klen = snprintf(key, sizeof(key), "k%d", i);
		int64_t		want = (i % 3 == 0 ? 2 : 1) + (i == 0);

		if (mr_vocab_lookup(v, key, (size_t) klen) != i || mr_vocab_count(v, i) != want ||
			!key_is(v, i, key, (size_t) klen))
			bad++;
		klen = snprintf(key, sizeof(key), "x%d", i);
		if (mr_vocab_lookup(v, key, (size_t) klen) != -1)
			bad++;
	}
	MR_CHECK(bad == 0, "after growth every key is found with its count, absent keys are not");
	MR_CHECK(mr_vocab_key(v, 0, &len) == first_key, "key pointers survive growth (arena)");
	MR_CHECK(mr_vocab_memory(v) > mem_small && mr_vocab_memory(v) == t.live_bytes,
			 "memory grew to %zu bytes and matches the allocator", mr_vocab_memory(v));
	MR_CHECK(mr_vocab_memory(v) < (size_t) n * 100, "memory stays under 100 bytes per key");
	mr_vocab_free(v);
	MR_CHECK(t.live == 0, "all blocks freed");

	/* a key longer than an arena chunk */
	{
		size_t		big = 200000;
		char	   *k = malloc(big);

		memset(k, 'z', big);
		v = mr_vocab_new(&a, 0);
		mr_vocab_add(v, "small", 5, 0);
		MR_CHECK(mr_vocab_add(v, k, big, 0) == 1 && mr_vocab_add(v, "after", 5, 0) == 2 &&
				 mr_vocab_lookup(v, k, big) == 1 && key_is(v, 0, "small", 5) &&
				 key_is(v, 2, "after", 5) && key_is(v, 1, k, big),
				 "a 200 kB key, and keys around it");
		mr_vocab_free(v);
		free(k);
		MR_CHECK(t.live == 0, "all blocks freed");
	}
}

/* Next value of a 64-bit xorshift generator */
static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* rank_by_count: descending count, ties by first-seen id */
static void
test_rank(void)
{
	MrVocab    *v = mr_vocab_new(&mr_malloc_allocator, 0);
	int32_t		order[8];
	const int	n = 5000;
	int32_t    *big;
	int			r = 0;
	int			bad = 0;
	uint64_t	seed = 42;
	char		key[32];

	/* c:1 a:3 d:3 b:2 e:1 f:3 (first seen in that order) */
	const char *seq[] = {"c", "a", "d", "a", "b", "d", "e", "a", "f", "b", "d", "f", "f"};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		mr_vocab_add(v, seq[i], 1, 0);
	MR_CHECK(mr_vocab_rank_by_count(v, order) == MR_OK, "rank small table");
	/* ids: c0 a1 d2 b3 e4 f5; counts 1 3 3 2 1 3 */
	MR_CHECK(order[0] == 1 && order[1] == 2 && order[2] == 5 && order[3] == 3 &&
			 order[4] == 0 && order[5] == 4,
			 "a d f (3, first-seen order), b (2), c e (1)");
	MR_CHECK(mr_vocab_sort_by_key(v, order) == MR_OK && order[0] == 1 && order[1] == 3 &&
			 order[2] == 0 && order[3] == 2 && order[4] == 4 && order[5] == 5,
			 "sort by key: a b c d e f");
	mr_vocab_free(v);

	/* many ties: compare with a counting-sort reference */
	v = mr_vocab_new(&mr_malloc_allocator, 0);
	for (int i = 0; i < n; i++)
	{
		int			klen = snprintf(key, sizeof(key), "w%d", i);
		int			c = 1 + (int) (xorshift(&seed) % 6);

		for (int k = 0; k < c; k++)
			mr_vocab_add(v, key, (size_t) klen, 0);
	}
	big = malloc(sizeof(int32_t) * n);
	MR_CHECK(mr_vocab_rank_by_count(v, big) == MR_OK, "rank %d keys", n);
	for (int c = 6; c >= 1; c--)
		for (int id = 0; id < n; id++)
			if (mr_vocab_count(v, id) == c && big[r++] != id)
				bad++;
	MR_CHECK(r == n && bad == 0, "rank equals a stable sort by descending count (%d differ)", bad);
	free(big);
	mr_vocab_free(v);
}

/* sort_by_key: memcmp order, shorter first on a common prefix */
static void
test_sort_by_key(void)
{
	MrVocab    *v = mr_vocab_new(&mr_malloc_allocator, 0);
	static const struct
	{
		const char *key;
		size_t		len;
	}			keys[] = {
		{"b", 1}, {"a", 1}, {"ab", 2}, {"", 0}, {"abc", 3}, {"\xFF", 1}, {"a\0", 2},
		{"B", 1}, {"\xC3\xA9", 2}, {"aa", 2},
	};
	/* "" < "B" < "a" < "a\0" < "aa" < "ab" < "abc" < "b" < "\xC3\xA9" < "\xFF" */
	static const int want[] = {3, 7, 1, 6, 9, 2, 4, 0, 8, 5};
	int32_t		order[10];
	int			ok = 1;
	int32_t    *big;
	uint64_t	seed = 7;
	const int	n = 20000;
	char		key[16];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		mr_vocab_add(v, keys[i].key, keys[i].len, 0);
	MR_CHECK(mr_vocab_sort_by_key(v, order) == MR_OK, "sort 10 keys");
	for (int i = 0; i < 10; i++)
		ok &= order[i] == want[i];
	MR_CHECK(ok, "bytes compare unsigned, a prefix sorts first");
	mr_vocab_free(v);

	/* random binary keys: adjacent pairs in order, and a permutation */
	v = mr_vocab_new(&mr_malloc_allocator, 0);
	for (int i = 0; i < n; i++)
	{
		size_t		klen = (size_t) (xorshift(&seed) % 5);

		for (size_t k = 0; k < klen; k++)
			key[k] = (char) (xorshift(&seed) % 4 == 0 ? 0x80 : 'a' + xorshift(&seed) % 3);
		mr_vocab_add(v, key, klen, 0);
	}
	big = malloc(sizeof(int32_t) * (size_t) mr_vocab_size(v));
	MR_CHECK(mr_vocab_sort_by_key(v, big) == MR_OK, "sort %d distinct random keys", mr_vocab_size(v));
	ok = 1;
	{
		char	   *seen = calloc((size_t) mr_vocab_size(v), 1);

		for (int32_t i = 0; i < mr_vocab_size(v); i++)
		{
			if (big[i] < 0 || big[i] >= mr_vocab_size(v) || seen[big[i]])
				ok = 0;
			else
				seen[big[i]] = 1;
			if (i > 0 && ok)
			{
				size_t		la;
				size_t		lb;
				const char *ka = mr_vocab_key(v, big[i - 1], &la);
				const char *kb = mr_vocab_key(v, big[i], &lb);
				size_t		m = la < lb ? la : lb;
				int			c = m ? memcmp(ka, kb, m) : 0;

				if (c > 0 || (c == 0 && la >= lb))
					ok = 0;
			}
		}
		free(seen);
	}
	MR_CHECK(ok, "random keys sorted strictly ascending, each id once");
	free(big);
	mr_vocab_free(v);
}

/* max_keys stops new keys but still counts known ones */
static void
test_max_keys(void)
{
	MrVocab    *v = mr_vocab_new(&mr_malloc_allocator, 0);

	MR_CHECK(mr_vocab_add(v, "a", 1, 3) == 0 && mr_vocab_add(v, "b", 1, 3) == 1 &&
			 mr_vocab_add(v, "c", 1, 3) == 2, "three keys under max_keys 3");
	MR_CHECK(mr_vocab_add(v, "d", 1, 3) == -1 && mr_vocab_size(v) == 3 &&
			 mr_vocab_lookup(v, "d", 1) == -1, "a fourth key: -1, not added");
	MR_CHECK(mr_vocab_add(v, "a", 1, 3) == 0 && mr_vocab_count(v, 0) == 2,
			 "a known key is still counted at the limit");
	MR_CHECK(mr_vocab_add(v, "d", 1, 0) == 3 && mr_vocab_add(v, "e", 1, -1) == 4,
			 "max_keys <= 0 means no limit");
	MR_CHECK(mr_vocab_add(v, "f", 1, 2) == -1, "a limit below the size refuses new keys");
	mr_vocab_free(v);
	v = mr_vocab_new(&mr_malloc_allocator, SIZE_MAX);
	MR_CHECK(v != NULL && mr_vocab_memory(v) < 64 * 1024 * 1024 && mr_vocab_add(v, "a", 1, 0) == 0,
			 "an absurd expected size is only a hint (%zu bytes)", mr_vocab_memory(v));
	mr_vocab_free(v);
	MR_CHECK(mr_vocab_new(NULL, 0) == NULL, "NULL allocator: NULL");
}

/* Every allocation failing in turn: -1 or NULL, table intact, no leak */
static void
test_enomem(void)
{
	int			crashes_or_leaks = 0;
	int			inconsistent = 0;
	int			saw_add_fail = 0;
	int			saw_new_fail = 0;
	int			saw_sort_fail = 0;
	char		key[32];

	for (long fail_after = 0; fail_after < 40; fail_after++)
	{
		TestAlloc	t;
		MrAllocator a = test_allocator(&t, fail_after);
		MrVocab    *v = mr_vocab_new(&a, 0);
		int			added = 0;
		int32_t    *order;

		if (v == NULL)
		{
			saw_new_fail = 1;
			if (t.live != 0)
				crashes_or_leaks++;
			continue;
		}
		/* long keys so arena chunks fill up too */
		for (int i = 0; i < 50000; i++)
		{
			int			klen = snprintf(key, sizeof(key), "key-%d-padding-padding", i);

			if (mr_vocab_add(v, key, (size_t) klen, 0) != i)
			{
				saw_add_fail = 1;
				break;
			}
			added++;
		}
		if (mr_vocab_size(v) != added)
			inconsistent++;
		for (int i = 0; i < added; i++)
		{
			int			klen = snprintf(key, sizeof(key), "key-%d-padding-padding", i);

			/* known keys need no memory, so they keep working */
			if (mr_vocab_lookup(v, key, (size_t) klen) != i ||
				mr_vocab_add(v, key, (size_t) klen, 0) != i)
				inconsistent++;
		}
		if (mr_vocab_memory(v) != t.live_bytes)
			inconsistent++;
		order = malloc(sizeof(int32_t) * (size_t) (added + 1));
		if (added > 1 && mr_vocab_rank_by_count(v, order) == MR_ENOMEM)
			saw_sort_fail = 1;
		free(order);
		mr_vocab_free(v);
		if (t.live != 0 || t.live_bytes != 0)
			crashes_or_leaks++;
	}
	MR_CHECK(saw_new_fail && saw_add_fail && saw_sort_fail,
			 "failures hit mr_vocab_new, mr_vocab_add and the sort's scratch buffer");
	MR_CHECK(inconsistent == 0, "after a failed add the table is intact (%d problems)", inconsistent);
	MR_CHECK(crashes_or_leaks == 0, "nothing leaks after any failure (%d leaks)", crashes_or_leaks);
}

/* Suite entry point */
void
test_vocab(void)
{
	test_basic();
	test_growth();
	test_rank();
	test_sort_by_key();
	test_max_keys();
	test_enomem();
}
