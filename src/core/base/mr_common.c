/*
 * mr_common.c
 *	  Allocator helpers, overflow-checked sizes and status texts.
 */
#include "mr_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_utf8.h"

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

/* Each arena block starts with a link to the one before, padded to 16 bytes */
#define ARENA_HEADER 16

static void *
arena_alloc(size_t size, void *state)
{
	MrArena    *ar = state;
	char	   *b;

	if (size > SIZE_MAX - ARENA_HEADER)
		return NULL;
	b = mr_alloc(ar->parent, size + ARENA_HEADER);
	if (!b)
		return NULL;
	memcpy(b, &ar->blocks, sizeof(ar->blocks));
	ar->blocks = b;
	return b + ARENA_HEADER;
}

/* Start an empty arena on parent */
void
mr_arena_init(MrArena *arena, const MrAllocator *parent)
{
	arena->allocator.alloc = arena_alloc;
	arena->allocator.free = NULL;
	arena->allocator.state = arena;
	arena->parent = parent;
	arena->blocks = NULL;
}

/* Free everything the arena handed out */
void
mr_arena_free(MrArena *arena)
{
	char	   *b = arena->blocks;

	while (b)
	{
		char	   *next;

		memcpy(&next, b, sizeof(next));
		mr_free(arena->parent, b);
		b = next;
	}
	arena->blocks = NULL;
}

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

/*
 * Format into a fixed field; a text cut short by the field is cut back to
 * a whole UTF-8 character, so a message stays valid text
 */
static void format_field(char *field, size_t size, const char *fmt, va_list ap)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 0)))
#endif
			;

static void
format_field(char *field, size_t size, const char *fmt, va_list ap)
{
	int			n = vsnprintf(field, size, fmt, ap);

	if (n >= 0 && (size_t) n >= size)
		field[mr_utf8_prefix((const unsigned char *) field, size - 1, size - 1)] = '\0';
}

/* Record a status and its detail sentence */
MrStatus
mr_set_error(MrError *err, MrStatus status, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		err->status = status;
		err->message[0] = '\0';
		err->hint[0] = '\0';
		va_start(ap, fmt);
		format_field(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
	return status;
}

/* Record a status and its primary message */
MrStatus
mr_error_message(MrError *err, MrStatus status, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		err->status = status;
		err->detail[0] = '\0';
		err->hint[0] = '\0';
		va_start(ap, fmt);
		format_field(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return status;
}

/* Add a detail sentence */
void
mr_error_detail(MrError *err, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		va_start(ap, fmt);
		format_field(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
}

/* Add a hint sentence */
void
mr_error_hint(MrError *err, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		va_start(ap, fmt);
		format_field(err->hint, sizeof(err->hint), fmt, ap);
		va_end(ap);
	}
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
		case MR_EDATA:
			return "no usable training data";
		case MR_EMISMATCH:
			return "input of the wrong kind";
		case MR_ESYNTAX:
			return "invalid syntax";
		case MR_ERANGE:
			return "number out of range";
		case MR_ETIME:
			return "time out of range";
		case MR_ETOOBIG:
			return "value too large";
	}
	return "unrecognized status";
}
