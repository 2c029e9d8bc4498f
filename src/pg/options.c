/*
 * options.c
 *	  rnn_train's jsonb options into the core's MrOptions (see options.h).
 *
 * The jsonb value becomes the core's JSON tree (strings in UTF-8, numbers
 * with the text numeric_out gives them, members in jsonb's order), which
 * mr_options_parse checks against the table of options.  Intervals ("1
 * hour") are read by the server's own interval input.
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "medrnn.h"
#include "options.h"

/* A NUL-terminated UTF-8 copy of server-encoding bytes */
static const char *
utf8_copy(const char *s, int len, size_t *out_len)
{
	char	   *u = pg_server_to_any(s, len, PG_UTF8);

	if (u == s)
		u = pnstrdup(s, len);
	*out_len = strlen(u);
	return u;
}

static void container_to_json(JsonbContainer *c, MrJson *out);

/* One jsonb value as the core's JSON */
static void
value_to_json(JsonbValue *v, MrJson *out)
{
	memset(out, 0, sizeof(*out));
	switch (v->type)
	{
		case jbvNull:
			out->type = MR_JSON_NULL;
			break;
		case jbvBool:
			out->type = MR_JSON_BOOL;
			out->boolean = v->val.boolean;
			break;
		case jbvNumeric:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(v->val.numeric)));

				out->type = MR_JSON_NUMBER;
				out->text = s;
				out->len = strlen(s);
				out->number = strtod(s, NULL);
				break;
			}
		case jbvString:
			out->type = MR_JSON_STRING;
			out->text = utf8_copy(v->val.string.val, v->val.string.len, &out->len);
			break;
		case jbvBinary:
			container_to_json(v->val.binary.data, out);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/* A jsonb array or object, member by member in jsonb's order */
static void
container_to_json(JsonbContainer *c, MrJson *out)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = (int) JsonContainerSize(c),
				i = 0;
	bool		object = JsonContainerIsObject(c);

	out->type = object ? MR_JSON_OBJECT : MR_JSON_ARRAY;
	out->items = palloc0(sizeof(MrJson) * (n + 1));
	if (object)
	{
		out->keys = palloc(sizeof(char *) * (n + 1));
		out->key_lens = palloc(sizeof(size_t) * (n + 1));
	}
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			out->keys[i] = utf8_copy(v.val.string.val, v.val.string.len, &out->key_lens[i]);
			tok = JsonbIteratorNext(&it, &v, true);
			Assert(tok == WJB_VALUE);
			value_to_json(&v, &out->items[i++]);
		}
		else if (tok == WJB_ELEM)
			value_to_json(&v, &out->items[i++]);
	}
	out->n = i;
}

/* "1 hour" as seconds, by interval_in (which reports a syntax error itself) */
static int
parse_interval(const char *text, double *seconds, void *state)
{
	char	   *s = MedrnnUtf8ToServer(text, strlen(text));
	Datum		iv = DirectFunctionCall3(interval_in, CStringGetDatum(s),
										 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));

	*seconds = DatumGetFloat8(DirectFunctionCall2(interval_part, CStringGetTextDatum("epoch"), iv));
	return 1;
}

/* Parse options; see options.h */
void
MedrnnParseOptions(Jsonb *options, MrOptions *o)
{
	MrJson		root;
	MrOptionsHooks hooks = {parse_interval, MedrnnNotice, NULL};
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrError		err;

	if (options != NULL)
	{
		memset(&root, 0, sizeof(root));
		if (JB_ROOT_IS_SCALAR(options))
			root.type = MR_JSON_STRING;		/* a scalar is not an object: refused */
		else
			container_to_json(&options->root, &root);
	}
	if (mr_options_parse(o, options ? &root : NULL, &hooks, &a, &err) != MR_OK)
		MedrnnReportError(&err);
}
