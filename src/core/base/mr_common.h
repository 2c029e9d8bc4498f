/*
 * mr_common.h
 *	  Status codes, allocator and hooks shared by the medrnn numeric core.
 *
 * The core (src/core) is plain C99 plus <cblas.h>.  It never includes
 * postgres.h: the server glue in src/pg hands it an allocator (palloc in a
 * memory context it owns) and hooks (CHECK_FOR_INTERRUPTS, NOTICEs), so the
 * same code builds and is unit-tested with "cc ... -lopenblas -lm".
 *
 * Shape letters used in every core header:
 *	  B batch rows, T time steps, V vocabulary rows, E embedding width,
 *	  F dense features per step, I layer input width, H hidden units,
 *	  D pooled width (H or 2H), K classes.
 */
#ifndef MR_COMMON_H
#define MR_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum MrStatus
{
	MR_OK = 0,
	MR_ENOMEM,					/* an allocation failed */
	MR_EBADMAGIC,				/* not a medrnn model */
	MR_EVERSION,				/* model format newer than this build */
	MR_ETRUNCATED,				/* fewer bytes than the layout needs */
	MR_EDIMS,					/* a size or count out of range */
	MR_ENONFINITE,				/* NaN or infinity where a number is needed */
	MR_ECHECKSUM,				/* checksum mismatch */
	MR_ECORRUPT,				/* any other inconsistency in a model */
	MR_ECANCELED,				/* a hook asked to stop */
	MR_EDIVERGED,				/* training produced a non-finite loss */
	MR_EINVAL,					/* an argument (an option) out of its documented range */
	MR_ELIMIT,					/* a memory budget would be exceeded */
	MR_EDATA,					/* the rows cannot train a model (none, one class) */
	MR_EMISMATCH,				/* an input of another kind than expected */
	MR_ESYNTAX,					/* text that does not parse */
	MR_ERANGE,					/* a number beyond its type's range */
	MR_ETIME,					/* a date or time beyond the supported range */
	MR_ETOOBIG					/* over a hard limit of a value's size */
} MrStatus;

/*
 * A status with what to tell the user, in PostgreSQL's message style and in
 * UTF-8: a primary message (short, lower case, no final period; empty when
 * the caller's default message for the status fits), a detail and a hint
 * (full sentences; empty when there is none).  The server glue reports it
 * as an ereport with an SQLSTATE chosen by the status.
 */
typedef struct MrError
{
	MrStatus	status;
	char		message[1024];
	char		detail[2048];
	char		hint[512];
} MrError;

/*
 * A message for the user that is not an error: a NOTICE or a WARNING, its
 * text in an MrError's message, detail and hint (the status is MR_OK)
 */
#define MR_NOTICE	1
#define MR_WARNING	2
typedef void (*MrNoticeFn) (int level, const MrError *msg, void *state);

/*
 * Where the core gets memory.  alloc returns NULL on failure (the server
 * version never does: palloc raises an ERROR instead, which is fine because
 * the whole context is thrown away).  free may be a no-op.
 */
typedef struct MrAllocator
{
	void	   *(*alloc) (size_t size, void *state);
	void		(*free) (void *ptr, void *state);
	void	   *state;
} MrAllocator;

/* The plain malloc/free allocator used by tests and tools. */
extern const MrAllocator mr_malloc_allocator;

/*
 * An arena: an allocator whose memory all goes at once (mr_arena_free),
 * what a memory context is to the server, for tests and tools.  Its free
 * is a no-op.
 */
typedef struct MrArena
{
	MrAllocator allocator;		/* hand &arena->allocator to the core */
	const MrAllocator *parent;	/* where the blocks come from */
	void	   *blocks;			/* newest first */
} MrArena;

void		mr_arena_init(MrArena *arena, const MrAllocator *parent);
void		mr_arena_free(MrArena *arena);

void	   *mr_alloc(const MrAllocator *a, size_t size);
void	   *mr_alloc0(const MrAllocator *a, size_t size);
void		mr_free(const MrAllocator *a, void *ptr);

/* Overflow-checked size arithmetic: return 0 on overflow, 1 otherwise. */
int			mr_mul_size(size_t a, size_t b, size_t *out);
int			mr_add_size(size_t a, size_t b, size_t *out);

/* Set err's status and detail (no message, no hint); returns the status */
MrStatus	mr_set_error(MrError *err, MrStatus status, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;

/* Set err's status and primary message (no detail, no hint); returns the status */
MrStatus	mr_error_message(MrError *err, MrStatus status, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;

/* Add a detail or a hint to err */
void		mr_error_detail(MrError *err, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;
void		mr_error_hint(MrError *err, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/* Text for a status, e.g. "model checksum mismatch". */
const char *mr_status_text(MrStatus status);

/*
 * Hard limits.  They bound every allocation a model or an option can ask
 * for, so a hostile model cannot make the decoder allocate gigabytes.
 */
#define MR_MAX_LAYERS		8
#define MR_MAX_HIDDEN		4096
#define MR_MAX_EMBED		4096
#define MR_MAX_VOCAB		1000000
#define MR_MAX_MAXLEN		10000
#define MR_MAX_CLASSES		100000
#define MR_MAX_FEATURES		4096
#define MR_MAX_TOKEN_BYTES	256		/* longer words are cut (on a UTF-8 boundary) */
#define MR_MAX_LABEL_BYTES	1024
#define MR_MAX_EPOCHS		100000

#endif							/* MR_COMMON_H */
