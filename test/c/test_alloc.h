/*
 * test_alloc.h
 *	  An allocator for the unit tests that counts live blocks and fails
 *	  every allocation after the first fail_after ones (-1: never), so that
 *	  each ENOMEM path can be hit and nothing left allocated goes unseen.
 */
#ifndef TEST_ALLOC_H
#define TEST_ALLOC_H

#include <stdlib.h>

#include "mr_common.h"

typedef struct TestAlloc
{
	long		fail_after;
	long		calls;
	long		live;
} TestAlloc;

/* alloc callback of TestAlloc */
static inline void *
test_alloc_fn(size_t size, void *state)
{
	TestAlloc  *t = state;
	void	   *p;

	if (t->fail_after >= 0 && t->calls >= t->fail_after)
		return NULL;
	t->calls++;
	p = malloc(size ? size : 1);
	if (p)
		t->live++;
	return p;
}

/* free callback of TestAlloc */
static inline void
test_free_fn(void *ptr, void *state)
{
	TestAlloc  *t = state;

	t->live--;
	free(ptr);
}

/* A TestAlloc-backed allocator, counts reset */
static inline MrAllocator
test_allocator(TestAlloc *t, long fail_after)
{
	MrAllocator a = {test_alloc_fn, test_free_fn, t};

	t->fail_after = fail_after;
	t->calls = 0;
	t->live = 0;
	return a;
}

#endif							/* TEST_ALLOC_H */
