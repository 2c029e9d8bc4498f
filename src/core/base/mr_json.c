/*
 * mr_json.c
 *	  JSON scanners and a value tree (see mr_json.h).
 */
#include "mr_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Step over JSON white space: space, tab, newline, carriage return */
const char *
mr_json_skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* The value of four hex digits at p, or -1 */
static long
hex4(const char *p, const char *end)
{
	long		c = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++)
	{
		char		h = p[i];

		if (h >= '0' && h <= '9')
			c = c * 16 + (h - '0');
		else if (h >= 'a' && h <= 'f')
			c = c * 16 + (h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			c = c * 16 + (h - 'A' + 10);
		else
			return -1;
	}
	return c;
}

/* Decode a JSON string; see mr_json.h */
MrJsonScan
mr_json_scan_string(const char **pp, const char *end, const MrTextEncoding *enc, MrBuf *out)
{
	const char *p = *pp + 1;

	if (enc == NULL)
		enc = &mr_utf8_encoding;
	mr_buf_reset(out);
	for (;;)
	{
		unsigned char c;
		const char *run = p;

		/* a run of plain bytes at once */
		while (p < end && *p != '"' && *p != '\\' && (unsigned char) *p >= 0x20)
			p++;
		mr_buf_append(out, run, (size_t) (p - run));
		if (p >= end)
			return MR_JSON_UNTERMINATED;
		c = (unsigned char) *p;
		if (c == '"')
			break;
		if (c < 0x20)
			return MR_JSON_CONTROL;
		/* an escape; a backslash that ends the text escapes nothing */
		if (++p >= end)
			return MR_JSON_BAD_ESCAPE;
		c = (unsigned char) *p++;
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				mr_buf_putc(out, (char) c);
				break;
			case 'b':
				mr_buf_putc(out, '\b');
				break;
			case 'f':
				mr_buf_putc(out, '\f');
				break;
			case 'n':
				mr_buf_putc(out, '\n');
				break;
			case 'r':
				mr_buf_putc(out, '\r');
				break;
			case 't':
				mr_buf_putc(out, '\t');
				break;
			case 'u':
				{
					long		cp = hex4(p, end);
					char		bytes[MR_TEXT_MAX_CHAR];
					int			n;

					if (cp < 0)
						return MR_JSON_BAD_ESCAPE;
					p += 4;
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						long		lo;

						/* a high surrogate needs its low one, as \uXXXX */
						if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
							return MR_JSON_BAD_ESCAPE;
						lo = hex4(p + 2, end);
						if (lo < 0xDC00 || lo > 0xDFFF)
							return MR_JSON_BAD_ESCAPE;
						p += 6;
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					}
					else if (cp >= 0xDC00 && cp <= 0xDFFF)
						return MR_JSON_BAD_ESCAPE;
					if (cp == 0)
						return MR_JSON_NUL;
					if (cp < 0x80)
					{
						mr_buf_putc(out, (char) cp);
						break;
					}
					n = enc->from_unicode((uint32_t) cp, bytes, enc->state);
					if (n <= 0)
						return MR_JSON_UNENCODABLE;
					mr_buf_append(out, bytes, (size_t) n);
					break;
				}
			default:
				return MR_JSON_BAD_ESCAPE;
		}
	}
	if (out->failed)
		return MR_JSON_NOMEM;
	if (!enc->valid(out->data ? out->data : "", out->len, enc->state))
		return MR_JSON_INVALID_TEXT;
	*pp = p + 1;
	return MR_JSON_OK;
}

static int
is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Read a JSON number; see mr_json.h */
MrJsonScan
mr_json_scan_number(const char **pp, const char *end, MrBuf *scratch, double *v)
{
	const char *p = *pp;
	double		val;
	int			saved;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (is_digit(p, end))
		while (is_digit(p, end))
			p++;
	else
		return MR_JSON_BAD_NUMBER;
	if (p < end && *p == '.')
	{
		p++;
		if (!is_digit(p, end))
			return MR_JSON_BAD_NUMBER;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return MR_JSON_BAD_NUMBER;
		while (is_digit(p, end))
			p++;
	}
	/* "01", "1.5.2", "2x": a number runs straight into more of one */
	if (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
					(*p >= 'A' && *p <= 'Z') || *p == '.' || *p == '_' || *p == '+' || *p == '-'))
		return MR_JSON_BAD_NUMBER;

	/* strtod wants a terminated string */
	mr_buf_reset(scratch);
	mr_buf_append(scratch, *pp, (size_t) (p - *pp));
	if (scratch->failed)
		return MR_JSON_NOMEM;
	saved = errno;
	errno = 0;
	val = strtod(scratch->data, NULL);
	/* as float8 input: overflow, and underflow to zero, are out of range */
	if (errno == ERANGE && (val == 0.0 || val >= HUGE_VAL || val <= -HUGE_VAL))
	{
		errno = saved;
		return MR_JSON_NUMBER_RANGE;
	}
	errno = saved;
	*v = val;
	*pp = p;
	return MR_JSON_OK;
}

/* Step over a literal; see mr_json.h */
int
mr_json_match_literal(const char **pp, const char *end, const char *word)
{
	size_t		len = strlen(word);
	const char *p = *pp;

	if ((size_t) (end - p) < len || memcmp(p, word, len) != 0)
		return 0;
	p += len;
	if (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					(*p >= '0' && *p <= '9') || *p == '_'))
		return 0;
	*pp = p;
	return 1;
}

/* ----------------------------------------------------------------------
 * the value tree
 * ---------------------------------------------------------------------- */

typedef struct Parser
{
	const char *start;
	const char *p;
	const char *end;
	const MrAllocator *a;
	MrBuf		str;
	MrError    *err;
	MrStatus	st;
} Parser;

/* Record the first failure, with where it happened */
static int
fail(Parser *ps, MrStatus st, const char *why)
{
	if (ps->st == MR_OK)
		ps->st = mr_set_error(ps->err, st, "%s at byte %zu.", why, (size_t) (ps->p - ps->start) + 1);
	return 0;
}

/* A copy of bytes with a NUL, from the parser's allocator */
static const char *
copy_text(Parser *ps, const char *s, size_t n)
{
	char	   *c = mr_alloc(ps->a, n + 1);

	if (!c)
	{
		fail(ps, MR_ENOMEM, "Out of memory");
		return NULL;
	}
	if (n)
		memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

static const char *
scan_message(MrJsonScan s)
{
	switch (s)
	{
		case MR_JSON_UNTERMINATED:
			return "An unterminated string";
		case MR_JSON_CONTROL:
			return "An unescaped control character in a string";
		case MR_JSON_BAD_ESCAPE:
			return "An invalid escape sequence";
		case MR_JSON_NUL:
			return "A \\u0000 escape, which text cannot hold,";
		case MR_JSON_UNENCODABLE:
			return "A character the encoding cannot hold";
		case MR_JSON_INVALID_TEXT:
			return "Text that is not valid UTF-8";
		case MR_JSON_BAD_NUMBER:
			return "An invalid number";
		case MR_JSON_NUMBER_RANGE:
			return "A number out of the range of double precision";
		default:
			return "Out of memory";
	}
}

/* Read a string into a fresh NUL-terminated copy */
static int
parse_string(Parser *ps, const char **text, size_t *len)
{
	MrJsonScan	s = mr_json_scan_string(&ps->p, ps->end, NULL, &ps->str);

	if (s != MR_JSON_OK)
		return fail(ps, s == MR_JSON_NOMEM ? MR_ENOMEM : MR_EINVAL, scan_message(s));
	*len = ps->str.len;
	*text = copy_text(ps, ps->str.data ? ps->str.data : "", ps->str.len);
	return *text != NULL;
}

/* Grow a list of n items of elem bytes to hold one more */
static void *
grow_list(Parser *ps, void *list, int n, size_t elem)
{
	void	   *nl;

	if (n & (n - 1))
		return list;			/* room left: lists grow at powers of two */
	nl = mr_alloc(ps->a, elem * (size_t) (n ? 2 * n : 1));
	if (!nl)
	{
		fail(ps, MR_ENOMEM, "Out of memory");
		return NULL;
	}
	if (n)
		memcpy(nl, list, elem * (size_t) n);
	mr_free(ps->a, list);
	return nl;
}

static int	parse_value(Parser *ps, MrJson *v, int depth);

/*
 * After an array element or object member: 1 when a ',' says another
 * follows, 0 at the closing bracket, -1 (with the error set) otherwise
 */
static int
next_item(Parser *ps, char close)
{
	ps->p = mr_json_skip_space(ps->p, ps->end);
	if (ps->p < ps->end && (*ps->p == ',' || *ps->p == close))
		return *ps->p++ == ',';
	fail(ps, MR_EINVAL, close == ']' ? "Expected \",\" or \"]\"" : "Expected \",\" or \"}\"");
	return -1;
}

/* An array, at its '[' */
static int
parse_array(Parser *ps, MrJson *v, int depth)
{
	int			more;

	v->type = MR_JSON_ARRAY;
	ps->p = mr_json_skip_space(ps->p + 1, ps->end);
	if (ps->p < ps->end && *ps->p == ']')
	{
		ps->p++;
		return 1;
	}
	for (;;)
	{
		if (!(v->items = grow_list(ps, v->items, v->n, sizeof(MrJson))))
			return 0;
		memset(&v->items[v->n], 0, sizeof(MrJson));
		if (!parse_value(ps, &v->items[v->n], depth + 1))
			return 0;
		v->n++;
		if ((more = next_item(ps, ']')) != 1)
			return more == 0;
	}
}

/* An object, at its '{' */
static int
parse_object(Parser *ps, MrJson *v, int depth)
{
	int			more;

	v->type = MR_JSON_OBJECT;
	ps->p = mr_json_skip_space(ps->p + 1, ps->end);
	if (ps->p < ps->end && *ps->p == '}')
	{
		ps->p++;
		return 1;
	}
	for (;;)
	{
		if (!(v->items = grow_list(ps, v->items, v->n, sizeof(MrJson))) ||
			!(v->keys = grow_list(ps, v->keys, v->n, sizeof(char *))) ||
			!(v->key_lens = grow_list(ps, v->key_lens, v->n, sizeof(size_t))))
			return 0;
		memset(&v->items[v->n], 0, sizeof(MrJson));
		ps->p = mr_json_skip_space(ps->p, ps->end);
		if (ps->p >= ps->end || *ps->p != '"')
			return fail(ps, MR_EINVAL, "Expected a member name");
		if (!parse_string(ps, &v->keys[v->n], &v->key_lens[v->n]))
			return 0;
		ps->p = mr_json_skip_space(ps->p, ps->end);
		if (ps->p >= ps->end || *ps->p != ':')
			return fail(ps, MR_EINVAL, "Expected \":\"");
		ps->p++;
		if (!parse_value(ps, &v->items[v->n], depth + 1))
			return 0;
		v->n++;
		if ((more = next_item(ps, '}')) != 1)
			return more == 0;
	}
}

/* Any value */
static int
parse_value(Parser *ps, MrJson *v, int depth)
{
	const char *start;
	MrJsonScan	s;

	if (depth > MR_JSON_MAX_DEPTH)
		return fail(ps, MR_EINVAL, "Nesting too deep");
	ps->p = mr_json_skip_space(ps->p, ps->end);
	if (ps->p >= ps->end)
		return fail(ps, MR_EINVAL, "The text ends where a value should be");
	start = ps->p;
	switch (*ps->p)
	{
		case '{':
			return parse_object(ps, v, depth);
		case '[':
			return parse_array(ps, v, depth);
		case '"':
			v->type = MR_JSON_STRING;
			return parse_string(ps, &v->text, &v->len);
		default:
			break;
	}
	if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
	{
		v->type = MR_JSON_NUMBER;
		if ((s = mr_json_scan_number(&ps->p, ps->end, &ps->str, &v->number)) != MR_JSON_OK)
			return fail(ps, s == MR_JSON_NOMEM ? MR_ENOMEM : MR_EINVAL, scan_message(s));
		v->len = (size_t) (ps->p - start);
		v->text = copy_text(ps, start, v->len);
		return v->text != NULL;
	}
	if (mr_json_match_literal(&ps->p, ps->end, "null"))
		v->type = MR_JSON_NULL;
	else if (mr_json_match_literal(&ps->p, ps->end, "true"))
	{
		v->type = MR_JSON_BOOL;
		v->boolean = 1;
	}
	else if (mr_json_match_literal(&ps->p, ps->end, "false"))
		v->type = MR_JSON_BOOL;
	else
		return fail(ps, MR_EINVAL, "Not a JSON value");
	return 1;
}

/* Parse a whole text; see mr_json.h */
MrStatus
mr_json_parse(const char *text, size_t len, const MrAllocator *a, MrJson **out, MrError *err)
{
	Parser		ps;
	MrJson	   *root = mr_alloc0(a, sizeof(MrJson));

	*out = NULL;
	if (!root)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a JSON value.");
	memset(&ps, 0, sizeof(ps));
	ps.start = ps.p = text;
	ps.end = text + len;
	ps.a = a;
	ps.err = err;
	mr_buf_init(&ps.str, a);
	if (parse_value(&ps, root, 0))
	{
		ps.p = mr_json_skip_space(ps.p, ps.end);
		if (ps.p != ps.end)
			fail(&ps, MR_EINVAL, "Text after the value");
	}
	mr_buf_free(&ps.str);
	if (ps.st != MR_OK)
		return ps.st;
	*out = root;
	return MR_OK;
}

/* The last member named key; see mr_json.h */
const MrJson *
mr_json_member(const MrJson *obj, const char *key)
{
	const MrJson *found = NULL;

	if (!obj || obj->type != MR_JSON_OBJECT)
		return NULL;
	for (int i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			found = &obj->items[i];
	return found;
}

/* A value's type for messages */
const char *
mr_json_type_name(const MrJson *v)
{
	switch (v->type)
	{
		case MR_JSON_NULL:
			return "null";
		case MR_JSON_BOOL:
			return "a boolean";
		case MR_JSON_NUMBER:
			return "a number";
		case MR_JSON_STRING:
			return "a string";
		default:
			return "an array or object";
	}
}
