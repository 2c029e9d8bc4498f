/*
 * input.c
 *	  SQL inputs as the core takes them (see input.h).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"

#include "input.h"
#include "medrnn.h"

/* Bytes in the server encoding as UTF-8 (the same bytes in a UTF8 database) */
static const char *
server_to_utf8(const char *s, size_t len, size_t *out_len, void *state)
{
	char	   *u = pg_server_to_any(s, (int) len, PG_UTF8);

	*out_len = u == s ? len : strlen(u);
	return u;
}

static const MrToUtf8 to_utf8 = {server_to_utf8, NULL};

/* See input.h */
const MrToUtf8 *
MedrnnServerToUtf8(void)
{
	return &to_utf8;
}

/* The tokens of a text[]; see input.h */
int
MedrnnArrayTokens(ArrayType *arr, bool keep_nulls, const char ***toks, size_t **lens)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				k = 0;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("token array must have one dimension")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	*toks = palloc(sizeof(char *) * (n + 1));
	*lens = palloc(sizeof(size_t) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		/* a NULL element is a missing token: nothing to embed */
		if (nulls[i])
		{
			if (keep_nulls)
			{
				(*toks)[k] = NULL;
				(*lens)[k++] = 0;
			}
			continue;
		}
		(*toks)[k] = MedrnnTextToUtf8(DatumGetTextPP(elems[i]), &(*lens)[k]);
		k++;
	}
	return k;
}

/* The tokens of a token sequence; see input.h */
int
MedrnnSeqTokens(const MrSeqView *v, bool keep_nulls, const char ***toks, size_t **lens)
{
	int			k = 0;

	*toks = palloc(sizeof(char *) * (v->n + 1));
	*lens = palloc(sizeof(size_t) * (v->n + 1));
	for (int32 i = 0; i < v->n; i++)
	{
		size_t		len;
		const char *s;

		if (v->str[i] < 0)
		{
			if (keep_nulls)
			{
				(*toks)[k] = NULL;
				(*lens)[k++] = 0;
			}
			continue;
		}
		s = mr_seq_string(v, v->str[i], &len);
		(*toks)[k] = server_to_utf8(s, len, &(*lens)[k], NULL);
		k++;
	}
	return k;
}

/* The events of a measurement sequence; see input.h */
int
MedrnnSeqEvents(const MrSeqView *v, double **times, const char ***vars,
				size_t **var_lens, double **values)
{
	/* convert each dictionary string once */
	const char **dict = palloc(sizeof(char *) * (v->n_strings + 1));
	size_t	   *dict_len = palloc(sizeof(size_t) * (v->n_strings + 1));

	for (int32 k = 0; k < v->n_strings; k++)
	{
		size_t		len;
		const char *s = mr_seq_string(v, k, &len);

		dict[k] = server_to_utf8(s, len, &dict_len[k], NULL);
	}
	*times = palloc(sizeof(double) * (v->n + 1));
	*vars = palloc(sizeof(char *) * (v->n + 1));
	*var_lens = palloc(sizeof(size_t) * (v->n + 1));
	*values = palloc(sizeof(double) * (v->n + 1));
	for (int32 i = 0; i < v->n; i++)
	{
		int32		k = v->str[i];

		(*times)[i] = v->times[i];
		(*vars)[i] = k >= 0 ? dict[k] : "";
		(*var_lens)[i] = k >= 0 ? dict_len[k] : 0;
		(*values)[i] = v->value_null[i] ? NAN : v->values[i];
	}
	return v->n;
}
