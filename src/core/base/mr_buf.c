/*
 * mr_buf.c
 *	  A growing byte buffer and JSON writing (see mr_buf.h).
 */
#include "mr_buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest round-trip decimal, laid out as PostgreSQL prints a float8 */
void
mr_format_double(double v, char out[MR_DOUBLE_TEXT_LEN])
{
	char		e[MR_DOUBLE_TEXT_LEN];
	char		digits[24];
	int			nd = 0,
				x,
				p;
	const char *s;
	char	   *o = out;

	if (!isfinite(v))
	{
		snprintf(out, MR_DOUBLE_TEXT_LEN, "%s", isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (v == 0.0)
	{
		snprintf(out, MR_DOUBLE_TEXT_LEN, "%s", signbit(v) ? "-0" : "0");
		return;
	}
	/* the fewest significant digits that read back as v */
	for (p = 0; p < 17; p++)
	{
		snprintf(e, sizeof(e), "%.*e", p, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is [-]d[.ddd]e[+-]XX: collect the digits and the exponent */
	s = e;
	if (*s == '-')
		*o++ = *s++;
	for (; *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	x = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (x >= -4 && x < 15)
	{
		/* fixed notation */
		if (x < 0)
		{
			*o++ = '0';
			*o++ = '.';
			for (int i = 0; i < -x - 1; i++)
				*o++ = '0';
			memcpy(o, digits, nd);
			o += nd;
		}
		else
		{
			for (int i = 0; i <= x; i++)
				*o++ = i < nd ? digits[i] : '0';
			if (nd > x + 1)
			{
				*o++ = '.';
				memcpy(o, digits + x + 1, nd - x - 1);
				o += nd - x - 1;
			}
		}
		*o = '\0';
		return;
	}
	*o++ = digits[0];
	if (nd > 1)
	{
		*o++ = '.';
		memcpy(o, digits + 1, nd - 1);
		o += nd - 1;
	}
	snprintf(o, MR_DOUBLE_TEXT_LEN - (o - out), "e%c%02d", x < 0 ? '-' : '+', abs(x));
}

/* Start an empty buffer whose memory comes from a */
void
mr_buf_init(MrBuf *b, const MrAllocator *a)
{
	memset(b, 0, sizeof(*b));
	b->a = a;
}

/* Release the buffer's memory */
void
mr_buf_free(MrBuf *b)
{
	mr_free(b->a, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Empty the buffer, keeping its memory */
void
mr_buf_reset(MrBuf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Make room for n more bytes and a NUL; 0 if that failed */
static int
reserve(MrBuf *b, size_t n)
{
	size_t		need,
				cap;
	char	   *nd;

	if (b->failed)
		return 0;
	if (!mr_add_size(b->len, n, &need) || !mr_add_size(need, 1, &need))
	{
		b->failed = 1;
		return 0;
	}
	if (need <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		if (!mr_mul_size(cap, 2, &cap))
		{
			b->failed = 1;
			return 0;
		}
	nd = mr_alloc(b->a, cap);
	if (!nd)
	{
		b->failed = 1;
		return 0;
	}
	if (b->len)
		memcpy(nd, b->data, b->len);
	mr_free(b->a, b->data);
	b->data = nd;
	b->cap = cap;
	return 1;
}

/* Append n bytes */
void
mr_buf_append(MrBuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a C string */
void
mr_buf_puts(MrBuf *b, const char *s)
{
	mr_buf_append(b, s, strlen(s));
}

/* Append one byte */
void
mr_buf_putc(MrBuf *b, char c)
{
	mr_buf_append(b, &c, 1);
}

/* Append printf output */
void
mr_buf_printf(MrBuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;
	char		small[256];

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
	{
		b->failed = 1;
		return;
	}
	if ((size_t) n < sizeof(small))
	{
		mr_buf_append(b, small, (size_t) n);
		return;
	}
	if (!reserve(b, (size_t) n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* A JSON string, escaped as escape_json does; DEL too when escape_del */
static void
json_string(MrBuf *b, const char *s, size_t n, int escape_del)
{
	mr_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		switch (c)
		{
			case '"':
				mr_buf_puts(b, "\\\"");
				break;
			case '\\':
				mr_buf_puts(b, "\\\\");
				break;
			case '\b':
				mr_buf_puts(b, "\\b");
				break;
			case '\f':
				mr_buf_puts(b, "\\f");
				break;
			case '\n':
				mr_buf_puts(b, "\\n");
				break;
			case '\r':
				mr_buf_puts(b, "\\r");
				break;
			case '\t':
				mr_buf_puts(b, "\\t");
				break;
			default:
				if (c < 0x20 || (escape_del && c == 0x7f))
					mr_buf_printf(b, "\\u%04x", c);
				else
					mr_buf_putc(b, (char) c);
		}
	}
	mr_buf_putc(b, '"');
}

void
mr_buf_json_string(MrBuf *b, const char *s, size_t n)
{
	json_string(b, s, n, 0);
}

void
mr_buf_json_string_del(MrBuf *b, const char *s, size_t n)
{
	json_string(b, s, n, 1);
}

/* A JSON number, or null */
void
mr_buf_json_number(MrBuf *b, double v, MrFormatDouble fmt)
{
	char		s[MR_DOUBLE_TEXT_LEN];

	if (!isfinite(v))
	{
		mr_buf_puts(b, "null");
		return;
	}
	(fmt ? fmt : mr_format_double) (v, s);
	mr_buf_puts(b, s);
}
