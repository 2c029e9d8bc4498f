/*
 * mr_html.c
 *	  HTML escaping and number display for the report (see mr_html.h).
 */
#include "mr_html.h"

#include <math.h>
#include <string.h>

#include "mr_utf8.h"

#define REPLACEMENT "\xEF\xBF\xBD"	/* U+FFFD */

/* HTML text; see mr_html.h */
void
mr_html_text(MrBuf *b, const char *s, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		unsigned char c = (unsigned char) s[i];
		size_t		run = i;
		uint32_t	cp;
		int			len;

		/* copy the longest run of bytes that need nothing */
		while (run < n && (unsigned char) s[run] >= 0x20 && (unsigned char) s[run] < 0x7f &&
			   !strchr("&<>\"'", s[run]))
			run++;
		if (run > i)
		{
			mr_buf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		c = (unsigned char) s[i];
		switch (c)
		{
			case '&':
				mr_buf_puts(b, "&amp;");
				break;
			case '<':
				mr_buf_puts(b, "&lt;");
				break;
			case '>':
				mr_buf_puts(b, "&gt;");
				break;
			case '"':
				mr_buf_puts(b, "&quot;");
				break;
			case '\'':
				mr_buf_puts(b, "&#39;");
				break;
			case '\t':
			case '\n':
			case '\r':
				mr_buf_putc(b, (char) c);
				break;
			default:
				if (c < 0x80)
				{
					/* other controls and DEL */
					mr_buf_puts(b, REPLACEMENT);
					break;
				}
				/* a whole valid character as it is; anything else as U+FFFD */
				len = mr_utf8_decode((const unsigned char *) s + i, n - i, &cp);
				if (cp == MR_UTF8_REPLACEMENT)
					mr_buf_puts(b, REPLACEMENT);
				else
					mr_buf_append(b, s + i, (size_t) len);
				i += (size_t) len;
				continue;
		}
		i++;
	}
}

/* HTML text of a C string */
void
mr_html_cstr(MrBuf *b, const char *s)
{
	mr_html_text(b, s, strlen(s));
}

/* A number for people; see mr_html.h */
void
mr_html_number(MrBuf *b, double v, int digits)
{
	if (!isfinite(v))
		mr_buf_puts(b, "\xE2\x80\x93");	/* en dash */
	else
		mr_buf_printf(b, "%.*f", digits, v);
}
