/*
 * mr_common.c
 *	  Allocator helpers, overflow-checked sizes and status texts.
 */
#include "mr_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
malloc_alloc(size_t size, void *state)
{
	(void) state;
	return malloc(size ? size : 1);
}

static void
malloc_free(void *ptr, void *state)
{
	(void) state;
	free(ptr);
}

const MrAllocator mr_malloc_allocator = {malloc_alloc, malloc_free, NULL};

/* Allocate size bytes; NULL on failure */
void *
mr_alloc(const MrAllocator *a, size_t size)
{
	return a->alloc(size, a->state);
}

/* Allocate size zeroed bytes; NULL on failure */
void *
mr_alloc0(const MrAllocator *a, size_t size)
{
	void	   *p = a->alloc(size, a->state);

	if (p)
		memset(p, 0, size);
	return p;
}

/* Release memory from mr_alloc (NULL is fine) */
void
mr_free(const MrAllocator *a, void *ptr)
{
	if (ptr && a->free)
		a->free(ptr, a->state);
}

/* a * b, or 0 on overflow */
int
mr_mul_size(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return 0;
	*out = a * b;
	return 1;
}

/* a + b, or 0 on overflow */
int
mr_add_size(size_t a, size_t b, size_t *out)
{
	if (b > SIZE_MAX - a)
		return 0;
	*out = a + b;
	return 1;
}

/* Record a status and its detail sentence */
MrStatus
mr_set_error(MrError *err, MrStatus status, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		err->status = status;
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
	return status;
}

/* Short description of a status */
const char *
mr_status_text(MrStatus status)
{
	switch (status)
	{
		case MR_OK:
			return "ok";
		case MR_ENOMEM:
			return "out of memory";
		case MR_EBADMAGIC:
			return "not a medrnn model";
		case MR_EVERSION:
			return "unsupported model format version";
		case MR_ETRUNCATED:
			return "model is truncated";
		case MR_EDIMS:
			return "dimension out of range";
		case MR_ENONFINITE:
			return "non-finite value";
		case MR_ECHECKSUM:
			return "checksum mismatch";
		case MR_ECORRUPT:
			return "inconsistent model";
		case MR_ECANCELED:
			return "canceled";
		case MR_EDIVERGED:
			return "training diverged";
		case MR_EINVAL:
			return "invalid argument";
		case MR_ELIMIT:
			return "memory limit exceeded";
	}
	return "unrecognized status";
}
