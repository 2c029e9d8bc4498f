/*
 * mr_html.h
 *	  Writing HTML text safely: every string that came from data or from a
 *	  model (labels, tokens, names, option values) goes through
 *	  mr_html_text, so it is shown as text and never parsed as markup.
 *
 * The report is one HTML document with no script; these are the only ways
 * its writer puts outside text into it.
 */
#ifndef MR_HTML_H
#define MR_HTML_H

#include <stddef.h>

#include "mr_buf.h"

/*
 * s[0..n) (UTF-8) as HTML text or attribute value: & < > " ' as character
 * references; C0 control characters other than tab, newline and carriage
 * return, DEL, and bytes that are not valid UTF-8 as U+FFFD, so the
 * document stays well-formed whatever the data holds
 */
void		mr_html_text(MrBuf *b, const char *s, size_t n);

/* The same for a NUL-terminated string */
void		mr_html_cstr(MrBuf *b, const char *s);

/*
 * A number for people: fixed with `digits` decimals, or an en dash for NaN
 * (undefined: no positives, no rows) and the infinities
 */
void		mr_html_number(MrBuf *b, double v, int digits);

#endif							/* MR_HTML_H */
