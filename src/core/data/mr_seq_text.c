/*
 * mr_seq_text.c
 *	  The rnnseq's text form: JSON in, canonical JSON out (see mr_seq.h).
 *	  Scalars are read by the core's JSON scanners (mr_json.h); the
 *	  grammar of a sequence, and its messages, are here.
 */
#include "mr_seq.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mr_json.h"
#include "mr_seq_time.h"

/* Bytes of the input quoted in a syntax error */
#define INPUT_QUOTE_MAX 60

/* ----------------------------------------------------------------------
 * text output
 * ---------------------------------------------------------------------- */

/* The text form of a value; see mr_seq.h */
void
mr_seq_print(const MrSeqView *v, MrFormatDouble fmt, MrBuf *out)
{
	if (v->n_dropped > 0)
		mr_buf_printf(out, "{\"kind\": \"%s\", \"time_type\": \"%s\", \"dropped\": %d, \"events\": ",
					  mr_seq_kind_name(v->kind), mr_seq_time_name(v->time_kind), v->n_dropped);
	mr_buf_putc(out, '[');
	for (int32_t i = 0; i < v->n; i++)
	{
		int32_t		k = v->str[i];

		if (i > 0)
			mr_buf_puts(out, ", ");
		if (v->kind >= MR_SEQ_TIMED)
		{
			mr_buf_putc(out, '[');
			mr_seq_append_time(out, v->time_kind, v->times[i], fmt);
			mr_buf_puts(out, ", ");
		}
		if (k < 0)
			mr_buf_puts(out, "null");
		else
		{
			size_t		len;
			const char *s = mr_seq_string(v, k, &len);

			mr_buf_json_string_del(out, s, len);
		}
		if (v->kind == MR_SEQ_MEASURES)
		{
			mr_buf_puts(out, ", ");
			if (v->value_null[i])
				mr_buf_puts(out, "null");
			else
				mr_buf_json_number(out, v->values[i], fmt);
		}
		if (v->kind >= MR_SEQ_TIMED)
			mr_buf_putc(out, ']');
	}
	mr_buf_putc(out, ']');
	if (v->n_dropped > 0)
		mr_buf_putc(out, '}');
}

/* ----------------------------------------------------------------------
 * text input
 * ---------------------------------------------------------------------- */

typedef struct SeqParser
{
	const char *input;			/* the whole text, quoted in messages */
	size_t		len;
	const char *p;				/* next byte */
	const char *end;
	const MrSeqHooks *hooks;
	const MrTextEncoding *enc;
	int32_t		elem;			/* element being read, from 1; 0 outside */
	MrSeqBuilder b;				/* kind and time kind: the shape so far */
	MrBuf		str[3];			/* decoded strings of one element's items */
	MrBuf		num;			/* a number's text */
	MrError    *err;
} SeqParser;

typedef enum SeqItemType
{
	ITEM_NUMBER,
	ITEM_STRING,
	ITEM_NULL,
	ITEM_OTHER					/* true, false, an array or object */
} SeqItemType;

static MrStatus syntax_error(SeqParser *ps, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/* Invalid input, quoting its start, with a detail saying why */
static MrStatus
syntax_error(SeqParser *ps, const char *fmt,...)
{
	va_list		args;
	size_t		cut = ps->len > INPUT_QUOTE_MAX ?
		ps->enc->clip(ps->input, ps->len, INPUT_QUOTE_MAX, ps->enc->state) : ps->len;
	char		detail[512];

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	mr_error_message(ps->err, MR_ESYNTAX, "invalid input syntax for type rnnseq: \"%.*s%s\"",
					 (int) cut, ps->input, cut < ps->len ? "..." : "");
	mr_error_detail(ps->err, "%s", detail);
	return MR_ESYNTAX;
}

/* A malformed JSON token: "Element 3 has <what>." */
static MrStatus
lexical_error(SeqParser *ps, const char *what)
{
	if (ps->elem > 0)
		return syntax_error(ps, "Element %d has %s.", ps->elem, what);
	return syntax_error(ps, "The value has %s.", what);
}

/*
 * An element that does not have the shape of the sequence's kind
 * (in_array: the element is an array, so it cannot start a token sequence)
 */
static MrStatus
shape_error(SeqParser *ps, int in_array)
{
	switch (ps->b.kind)
	{
		case MR_SEQ_TOKENS:
			return syntax_error(ps, "Element %d must be a string or null.", ps->elem);
		case MR_SEQ_TIMED:
			return syntax_error(ps, "Element %d must be [time, token].", ps->elem);
		case MR_SEQ_MEASURES:
			return syntax_error(ps, "Element %d must be [time, variable, value].", ps->elem);
	}
	if (in_array)
		return syntax_error(ps, "Element %d must be [time, token] or [time, variable, value].", ps->elem);
	return syntax_error(ps, "Element %d must be a string, null, [time, token] or [time, variable, value].",
						ps->elem);
}

static void
skip_ws(SeqParser *ps)
{
	ps->p = mr_json_skip_space(ps->p, ps->end);
}

static int
at(const SeqParser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

/* Read a string at ps->p (its quote) into out, in the database's encoding */
static MrStatus
parse_string(SeqParser *ps, MrBuf *out)
{
	switch (mr_json_scan_string(&ps->p, ps->end, ps->enc, out))
	{
		case MR_JSON_OK:
			return MR_OK;
		case MR_JSON_UNTERMINATED:
			return lexical_error(ps, "an unterminated string");
		case MR_JSON_CONTROL:
			return lexical_error(ps, "an unescaped control character in a string");
		case MR_JSON_NUL:
			return lexical_error(ps, "\\u0000, which cannot be stored");
		case MR_JSON_UNENCODABLE:
			return lexical_error(ps, "a character the database encoding cannot hold");
		case MR_JSON_INVALID_TEXT:
			return lexical_error(ps, "a string that is not valid in the database encoding");
		case MR_JSON_NOMEM:
			return mr_set_error(ps->err, MR_ENOMEM, "Out of memory for a string.");
		default:
			return lexical_error(ps, "an invalid escape sequence in a string");
	}
}

/* Read a number at ps->p */
static MrStatus
parse_number(SeqParser *ps, double *val)
{
	switch (mr_json_scan_number(&ps->p, ps->end, &ps->num, val))
	{
		case MR_JSON_OK:
			return MR_OK;
		case MR_JSON_NUMBER_RANGE:
			{
				size_t		n = ps->num.len;

				mr_error_message(ps->err, MR_ERANGE, "number out of range for type rnnseq");
				if (ps->elem > 0)
					mr_error_detail(ps->err, "\"%.40s%s\" in element %d does not fit in double precision.",
									ps->num.data, n > 40 ? "..." : "", ps->elem);
				else
					mr_error_detail(ps->err, "\"%.40s%s\" does not fit in double precision.",
									ps->num.data, n > 40 ? "..." : "");
				return MR_ERANGE;
			}
		case MR_JSON_NOMEM:
			return mr_set_error(ps->err, MR_ENOMEM, "Out of memory for a number.");
		default:
			return lexical_error(ps, "an invalid number");
	}
}

/* Read one scalar: a string (into str), a number (into *num) or null */
static MrStatus
parse_item(SeqParser *ps, MrBuf *str, double *num, SeqItemType *type)
{
	char		c;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return syntax_error(ps, "Unexpected end of input.");
	c = *ps->p;
	if (c == '"')
	{
		*type = ITEM_STRING;
		return parse_string(ps, str);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
	{
		*type = ITEM_NUMBER;
		return parse_number(ps, num);
	}
	if (c == 'n' && mr_json_match_literal(&ps->p, ps->end, "null"))
	{
		*type = ITEM_NULL;
		return MR_OK;
	}
	if (c == '[' || c == '{' ||
		(c == 't' && mr_json_match_literal(&ps->p, ps->end, "true")) ||
		(c == 'f' && mr_json_match_literal(&ps->p, ps->end, "false")))
	{
		*type = ITEM_OTHER;
		return MR_OK;
	}
	return lexical_error(ps, "a value that is not valid JSON");
}

/* The time of the current element from its first item */
static MrStatus
element_time(SeqParser *ps, SeqItemType type, double num, double *t)
{
	int			time_kind;

	if (type == ITEM_NULL)
		return syntax_error(ps, "Element %d has a null time.", ps->elem);
	if (type == ITEM_NUMBER)
	{
		time_kind = MR_SEQ_TIME_NUMBER;
		*t = num;
	}
	else
	{
		int64_t		us = 0;

		switch (mr_seq_parse_timestamp(ps->str[0].data, ps->str[0].len, &us))
		{
			case MR_TS_OK:
				break;
			case MR_TS_SYNTAX:
				return syntax_error(ps, "Element %d has an invalid timestamp; the format is YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or an offset +hh:mm.",
									ps->elem);
			case MR_TS_FIELD:
				return syntax_error(ps, "Element %d has a timestamp with a field out of range.", ps->elem);
			case MR_TS_RANGE:
				mr_error_message(ps->err, MR_ETIME, "timestamp out of range for type rnnseq");
				mr_error_detail(ps->err, "Element %d is not between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.",
								ps->elem);
				return MR_ETIME;
		}
		time_kind = MR_SEQ_TIME_TIMESTAMP;
		*t = mr_seq_usecs_seconds(us);
	}
	if (ps->b.time_kind == MR_SEQ_TIME_NONE)
		ps->b.time_kind = time_kind;
	else if (ps->b.time_kind != time_kind)
		return syntax_error(ps, "Times must be all numbers or all timestamps; element %d differs.", ps->elem);
	return MR_OK;
}

/* Intern one of the element's strings */
static MrStatus
intern(SeqParser *ps, const MrBuf *s, int32_t *sid)
{
	return mr_seq_builder_intern(&ps->b, s->data ? s->data : "", s->len, ps->enc, sid, ps->err);
}

#define TRY(expr) do { MrStatus _st = (expr); if (_st != MR_OK) return _st; } while (0)

/* Read one element of the event array and add its event */
static MrStatus
parse_element(SeqParser *ps)
{
	SeqItemType type[3];
	double		num[3] = {0, 0, 0};
	int			k = 0;
	double		t = 0;
	int32_t		sid;

	skip_ws(ps);
	if (!at(ps, '['))
	{
		/* a bare token */
		if (ps->b.kind >= MR_SEQ_TIMED)
			return shape_error(ps, 0);
		TRY(parse_item(ps, &ps->str[0], &num[0], &type[0]));
		if (type[0] != ITEM_STRING && type[0] != ITEM_NULL)
			return shape_error(ps, 0);
		ps->b.kind = MR_SEQ_TOKENS;
		sid = -1;
		if (type[0] == ITEM_STRING)
			TRY(intern(ps, &ps->str[0], &sid));
		return mr_seq_builder_add(&ps->b, 0.0, sid, 0, 0.0, ps->err);
	}
	if (ps->b.kind == MR_SEQ_TOKENS)
		return shape_error(ps, 0);
	ps->p++;
	skip_ws(ps);
	if (!at(ps, ']'))
	{
		for (;;)
		{
			if (k == 3)
				return shape_error(ps, 1);
			TRY(parse_item(ps, &ps->str[k], &num[k], &type[k]));
			if (type[k] == ITEM_OTHER)
				return shape_error(ps, 1);
			k++;
			skip_ws(ps);
			if (at(ps, ','))
			{
				ps->p++;
				continue;
			}
			if (at(ps, ']'))
				break;
			if (ps->p >= ps->end)
				return syntax_error(ps, "Unexpected end of input.");
			return syntax_error(ps, "Expected \",\" or \"]\" in element %d.", ps->elem);
		}
	}
	ps->p++;

	/* the first element decides the kind (no event was added yet: no arrays to redo) */
	if (ps->b.kind == MR_SEQ_EMPTY && (k == 2 || k == 3))
		ps->b.kind = k == 2 ? MR_SEQ_TIMED : MR_SEQ_MEASURES;
	else if (k != (ps->b.kind == MR_SEQ_TIMED ? 2 : 3))
		return shape_error(ps, 1);

	TRY(element_time(ps, type[0], num[0], &t));
	if (ps->b.kind == MR_SEQ_TIMED)
	{
		if (type[1] == ITEM_NUMBER)
			return syntax_error(ps, "Element %d must have a string or null as its token.", ps->elem);
		sid = -1;
		if (type[1] == ITEM_STRING)
			TRY(intern(ps, &ps->str[1], &sid));
		return mr_seq_builder_add(&ps->b, t, sid, 0, 0.0, ps->err);
	}
	if (type[1] == ITEM_NULL)
		return syntax_error(ps, "Element %d has a null variable.", ps->elem);
	if (type[1] != ITEM_STRING)
		return syntax_error(ps, "Element %d must have a string as its variable.", ps->elem);
	if (type[2] == ITEM_STRING)
		return syntax_error(ps, "Element %d must have a number or null as its value.", ps->elem);
	TRY(intern(ps, &ps->str[1], &sid));
	return mr_seq_builder_add(&ps->b, t, sid, type[2] == ITEM_NULL, num[2], ps->err);
}

/* Read the event array at ps->p (a '[') */
static MrStatus
parse_events(SeqParser *ps)
{
	ps->p++;
	skip_ws(ps);
	if (at(ps, ']'))
	{
		ps->p++;
		return MR_OK;
	}
	for (;;)
	{
		if ((ps->elem & 1023) == 0 && ps->hooks && ps->hooks->should_stop &&
			ps->hooks->should_stop(ps->hooks->state))
			return mr_set_error(ps->err, MR_ECANCELED, "Reading a sequence was canceled.");
		ps->elem++;
		TRY(parse_element(ps));
		skip_ws(ps);
		if (at(ps, ','))
		{
			ps->p++;
			continue;
		}
		if (at(ps, ']'))
		{
			ps->p++;
			break;
		}
		if (ps->p >= ps->end)
			return syntax_error(ps, "Unexpected end of input.");
		return syntax_error(ps, "Expected \",\" or \"]\" after element %d.", ps->elem);
	}
	ps->elem = 0;
	return MR_OK;
}

/* Read "key": with the expected key, or fail */
static MrStatus
expect_key(SeqParser *ps, const char *key, int first)
{
	skip_ws(ps);
	if (!first)
	{
		if (!at(ps, ','))
			return syntax_error(ps, "Expected \",\" before the key \"%s\".", key);
		ps->p++;
		skip_ws(ps);
	}
	if (!at(ps, '"'))
		return syntax_error(ps, "Expected the key \"%s\"; the keys are \"kind\", \"time_type\", \"dropped\" and \"events\", in this order.",
							key);
	TRY(parse_string(ps, &ps->str[0]));
	if (strcmp(ps->str[0].data ? ps->str[0].data : "", key) != 0)
		return syntax_error(ps, "Expected the key \"%s\"; the keys are \"kind\", \"time_type\", \"dropped\" and \"events\", in this order.",
							key);
	skip_ws(ps);
	if (!at(ps, ':'))
		return syntax_error(ps, "Expected \":\" after the key \"%s\".", key);
	ps->p++;
	return MR_OK;
}

/* The string item just read, if it was one */
static const char *
item_text(SeqParser *ps, SeqItemType type)
{
	return type == ITEM_STRING && ps->str[0].data ? ps->str[0].data : "";
}

/* Read the object form of a sequence with skipped rows, at ps->p (a '{') */
static MrStatus
parse_object(SeqParser *ps)
{
	double		num = 0;
	SeqItemType type;
	int			kind,
				time_kind;

	ps->p++;
	TRY(expect_key(ps, "kind", 1));
	TRY(parse_item(ps, &ps->str[0], &num, &type));
	if (strcmp(item_text(ps, type), "timed_tokens") != 0 && strcmp(item_text(ps, type), "measurements") != 0)
		return syntax_error(ps, "\"kind\" must be \"timed_tokens\" or \"measurements\".");
	kind = ps->str[0].data[0] == 't' ? MR_SEQ_TIMED : MR_SEQ_MEASURES;

	TRY(expect_key(ps, "time_type", 0));
	TRY(parse_item(ps, &ps->str[0], &num, &type));
	if (strcmp(item_text(ps, type), "number") != 0 && strcmp(item_text(ps, type), "timestamp") != 0)
		return syntax_error(ps, "\"time_type\" must be \"number\" or \"timestamp\".");
	time_kind = ps->str[0].data[0] == 'n' ? MR_SEQ_TIME_NUMBER : MR_SEQ_TIME_TIMESTAMP;
	ps->b.kind = kind;
	ps->b.time_kind = time_kind;

	TRY(expect_key(ps, "dropped", 0));
	TRY(parse_item(ps, &ps->str[0], &num, &type));
	if (type != ITEM_NUMBER || num != floor(num) || num < 1 || num > INT32_MAX)
		return syntax_error(ps, "\"dropped\" must be a whole number from 1 to %d.", INT32_MAX);
	ps->b.n_dropped = (int64_t) num;

	TRY(expect_key(ps, "events", 0));
	skip_ws(ps);
	if (!at(ps, '['))
		return syntax_error(ps, "\"events\" must be an array.");
	TRY(parse_events(ps));
	skip_ws(ps);
	if (!at(ps, '}'))
		return syntax_error(ps, "Expected \"}\" after the events.");
	ps->p++;
	return MR_OK;
}

/* Parse the text form; see mr_seq.h */
MrStatus
mr_seq_parse_text(const char *text, size_t len, const MrSeqHooks *hooks,
				  const MrAllocator *a, uint8_t **value, size_t *size, MrError *err)
{
	SeqParser	ps;
	MrStatus	st;

	*value = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.input = text;
	ps.len = len;
	ps.p = text;
	ps.end = text + len;
	ps.hooks = hooks;
	ps.enc = hooks && hooks->enc ? hooks->enc : &mr_utf8_encoding;
	ps.err = err;
	for (int i = 0; i < 3; i++)
		mr_buf_init(&ps.str[i], a);
	mr_buf_init(&ps.num, a);
	if (mr_seq_builder_init(&ps.b, a, MR_SEQ_EMPTY, MR_SEQ_TIME_NONE) != MR_OK)
		return mr_set_error(err, MR_ENOMEM, "Out of memory for a sequence.");

	skip_ws(&ps);
	if (at(&ps, '['))
		st = parse_events(&ps);
	else if (at(&ps, '{'))
		st = parse_object(&ps);
	else
		st = syntax_error(&ps, "A sequence must start with \"[\".");
	if (st == MR_OK)
	{
		skip_ws(&ps);
		if (ps.p != ps.end)
			st = syntax_error(&ps, "Unexpected text after the end of the sequence.");
	}
	if (st == MR_OK)
		st = mr_seq_build(&ps.b, a, value, size, err);
	mr_seq_builder_free(&ps.b);
	for (int i = 0; i < 3; i++)
		mr_buf_free(&ps.str[i]);
	mr_buf_free(&ps.num);
	return st;
}

