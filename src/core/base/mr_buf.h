/*
 * mr_buf.h
 *	  A growing byte buffer, and the JSON the core writes into it.
 *
 * The core writes JSON in a few places (the options a model records, the
 * text form of an rnnseq).  Whatever writes it, the same value must give
 * the same bytes (a model's options are part of its fingerprint), so the
 * two things that could vary are written once here: how a string is
 * escaped (as PostgreSQL's escape_json does) and how a number is printed
 * (shortest round-trip form, by a formatter the caller may supply: the
 * server passes PostgreSQL's, so JSON numbers read the same as float8
 * output; the core's own is used without a server).
 */
#ifndef MR_BUF_H
#define MR_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "mr_common.h"

/* Room for any double in shortest round-trip form, with its NUL */
#define MR_DOUBLE_TEXT_LEN 32

/*
 * Write v (finite) in the shortest decimal form that reads back as v,
 * NUL-terminated, into out
 */
typedef void (*MrFormatDouble) (double v, char out[MR_DOUBLE_TEXT_LEN]);

/*
 * The core's formatter: the fewest significant digits that read back as v,
 * in fixed notation for decimal exponents -4 to 14 and as d.ddde+XX
 * otherwise, the layout of PostgreSQL's float8 output.
 */
void		mr_format_double(double v, char out[MR_DOUBLE_TEXT_LEN]);

typedef struct MrBuf
{
	char	   *data;			/* NUL-terminated while not failed */
	size_t		len;
	size_t		cap;
	const MrAllocator *a;
	int			failed;			/* an allocation failed: contents are lost */
} MrBuf;

void		mr_buf_init(MrBuf *b, const MrAllocator *a);
void		mr_buf_free(MrBuf *b);
void		mr_buf_reset(MrBuf *b);
void		mr_buf_append(MrBuf *b, const char *s, size_t n);
void		mr_buf_puts(MrBuf *b, const char *s);
void		mr_buf_putc(MrBuf *b, char c);
void		mr_buf_printf(MrBuf *b, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/*
 * A JSON string of s[0..n): quote, backslash and the control characters
 * escaped as escape_json does (\b \f \n \r \t, others as \u00XX); every
 * other byte as it is
 */
void		mr_buf_json_string(MrBuf *b, const char *s, size_t n);

/* The same, with DEL (0x7f) also written as \u007f (the rnnseq text form) */
void		mr_buf_json_string_del(MrBuf *b, const char *s, size_t n);

/* A JSON number by fmt (NULL: mr_format_double), or null when not finite */
void		mr_buf_json_number(MrBuf *b, double v, MrFormatDouble fmt);

#endif							/* MR_BUF_H */
