/*
 * labels.c
 *	  Label columns: the task their type implies, and label sets and
 *	  labelled results encoded as the core reads them (see labels.h and
 *	  src/core/model/mr_targets.h).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "labels.h"
#include "mr_targets.h"

static bool
is_number_type(Oid t)
{
	return t == FLOAT4OID || t == FLOAT8OID || t == NUMERICOID;
}

static bool
is_integer_type(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID;
}

/* The task of a label column; see labels.h */
int
MedrnnLabelTask(Oid typid, const char *label_col, int task_option, MedrnnLabelForm *form)
{
	Oid			base = getBaseType(typid);
	bool		array = OidIsValid(get_element_type(base));
	bool		jsonb = base == JSONBOID || base == JSONOID;
	int			task = task_option;

	if (task < 0)
		task = is_number_type(base) ? MR_TASK_REGRESSION :
			array ? MR_TASK_MULTILABEL :
			jsonb ? MR_TASK_MULTITASK : MR_TASK_CLASSIFICATION;
	*form = MEDRNN_LABEL_TEXT;
	switch (task)
	{
		case MR_TASK_REGRESSION:
			if (!is_number_type(base) && !is_integer_type(base))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("label column \"%s\" has type %s, which a regression cannot read",
								label_col, format_type_be(typid)),
						 errhint("A regression reads float4, float8, numeric or integer labels.")));
			*form = MEDRNN_LABEL_FLOAT8;
			break;
		case MR_TASK_MULTILABEL:
			if (!array && !jsonb)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("label column \"%s\" has type %s, which a multilabel model cannot read",
								label_col, format_type_be(typid)),
						 errhint("Give each row's labels as an array, e.g. text[], or as a jsonb object of true/false results.")));
			*form = array ? MEDRNN_LABEL_ARRAY : MEDRNN_LABEL_JSONB;
			break;
		case MR_TASK_MULTITASK:
			if (!jsonb)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("label column \"%s\" has type %s, which a multitask model cannot read",
								label_col, format_type_be(typid)),
						 errdetail("A multitask label says which results are known: a jsonb object such as {\"assay_a\": 1, \"assay_b\": 0}, where a missing key is unknown."),
						 errhint("For an array of labels, every label not in it negative, use \"task\": \"multilabel\".")));
			*form = MEDRNN_LABEL_JSONB;
			break;
		default:
			break;
	}
	return task;
}

/* Append one entry: '1' or '0', the name in UTF-8, NUL */
static void
append_entry(StringInfo out, const char *name, int len, bool positive, const char *label_col)
{
	char	   *u;

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label column \"%s\" holds an empty label name", label_col),
				 errhint("Label names must be non-empty; leave out empty strings.")));
	u = pg_server_to_any(name, len, PG_UTF8);
	if (u != name)
		len = strlen(u);
	if (len > MR_MAX_LABEL_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a label name in column \"%s\" has %d bytes; the limit is %d",
						label_col, len, MR_MAX_LABEL_BYTES)));
	appendStringInfoChar(out, positive ? '1' : '0');
	appendBinaryStringInfo(out, u, len);
	appendStringInfoChar(out, '\0');
}

/* A jsonb result: true/1 positive, false/0 negative, null unknown (-1) */
static int
result_value(const JsonbValue *v, const char *key, int key_len, const char *label_col)
{
	if (v->type == jbvNull)
		return -1;
	if (v->type == jbvBool)
		return v->val.boolean ? 1 : 0;
	if (v->type == jbvNumeric)
	{
		char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(v->val.numeric)));
		double		d = strtod(s, NULL);

		if (d == 0.0 || d == 1.0)
			return (int) d;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("label \"%.*s\" in column \"%s\" is neither true, false, 0, 1 nor null",
					key_len, key, label_col),
			 errhint("A result is true or 1 (positive), false or 0 (negative), or null or absent (unknown).")));
	return -1;
}

/* Encode one label; see labels.h */
char *
MedrnnEncodeLabel(Datum value, MedrnnLabelForm form, const char *label_col, size_t *len)
{
	StringInfoData out;

	/*
	 * A number as float8's shortest exact digits: the text of a numeric can
	 * be thousands of digits long, and float8's own depends on
	 * extra_float_digits, which must not change what a model learns
	 */
	if (form == MEDRNN_LABEL_FLOAT8)
	{
		char	   *s = palloc(DOUBLE_SHORTEST_DECIMAL_LEN);

		double_to_shortest_decimal_buf(DatumGetFloat8(value), s);
		*len = strlen(s);
		return s;
	}
	if (form == MEDRNN_LABEL_TEXT)
	{
		text	   *t = DatumGetTextPP(value);
		char	   *s = VARDATA_ANY(t);
		int			l = VARSIZE_ANY_EXHDR(t);
		char	   *u = pg_server_to_any(s, l, PG_UTF8);

		*len = u == s ? (size_t) l : strlen(u);
		return u;
	}
	initStringInfo(&out);
	if (form == MEDRNN_LABEL_ARRAY)
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		/* a NULL element adds nothing to the set */
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				append_entry(&out, VARDATA_ANY(DatumGetTextPP(elems[i])),
							 VARSIZE_ANY_EXHDR(DatumGetTextPP(elems[i])), true, label_col);
	}
	else
	{
		Jsonb	   *j = DatumGetJsonbP(value);
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (!JB_ROOT_IS_OBJECT(j) || JB_ROOT_IS_SCALAR(j))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("label column \"%s\" holds a jsonb value that is not an object", label_col),
					 errhint("Give each row's results as an object, e.g. {\"assay_a\": 1, \"assay_b\": 0}.")));
		it = JsonbIteratorInit(&j->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				char	   *key = v.val.string.val;
				int			key_len = v.val.string.len;
				int			r;

				tok = JsonbIteratorNext(&it, &v, true);
				r = result_value(&v, key, key_len, label_col);
				if (r >= 0)
					append_entry(&out, key, key_len, r == 1, label_col);
			}
		}
	}
	*len = out.len;
	return out.data;
}
