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
	MR_EINVAL,					/* an argument out of its documented range */
	MR_ELIMIT					/* a memory budget would be exceeded */
} MrStatus;

/* A status with a human-readable detail (a full sentence, for errdetail). */
typedef struct MrError
{
	MrStatus	status;
	char		detail[256];
} MrError;

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

void	   *mr_alloc(const MrAllocator *a, size_t size);
void	   *mr_alloc0(const MrAllocator *a, size_t size);
void		mr_free(const MrAllocator *a, void *ptr);

/* Overflow-checked size arithmetic: return 0 on overflow, 1 otherwise. */
int			mr_mul_size(size_t a, size_t b, size_t *out);
int			mr_add_size(size_t a, size_t b, size_t *out);

/* Fill err (if not NULL) and return its status. */
MrStatus	mr_set_error(MrError *err, MrStatus status, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
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
