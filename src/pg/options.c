/*
 * options.c
 *	  Parsing and validating rnn_train's jsonb options.
 *
 * Every option has a type, a range and a default; the defaults reproduce
 * the reference Keras recipe (Tokenizer(num_words=20000), pad_sequences
 * (maxlen=100), Embedding(128), LSTM(128) -> LSTM(64), Adam(1e-3), batch
 * 32, 10 epochs).  A JSON null means "the default".  Anything else that is
 * not exactly right is an error naming the option.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "medrnn.h"
#include "mr_net.h"
#include "mr_tokenize.h"
#include "options.h"

#define MAX_BATCH_SIZE	4096
#define MAX_EPOCHS		10000

static const char *const option_names =
"tokenizer, lowercase, num_words, maxlen, padding, truncating, smiles_variants, embed_dim, hidden, "
"bidirectional, pooling, optimizer, learning_rate, batch_size, epochs, clip_norm, seed, "
"validation_split, early_stopping, class_weight, dropout, recurrent_dropout, l2, positive_label, "
"step, origin";

/* Name of a JSON value's type, for messages */
static const char *
json_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvArray:
		case jbvBinary:
			return "an array or object";
		default:
			return "a JSON value";
	}
}

static void
wrong_type(const char *key, const char *want, const JsonbValue *v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s", key, want),
			 errdetail("Got %s.", json_type_name(v))));
}

/* A number's text for a message: as written, or in %g form if very long */
static const char *
number_text(const char *s)
{
	return strlen(s) <= 24 ? s : psprintf("%g", strtod(s, NULL));
}

/* A number option as a double, finite */
static double
get_number(const char *key, const JsonbValue *v)
{
	char	   *s;
	double		d;

	if (v->type != jbvNumeric)
		wrong_type(key, "a number", v);
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	d = strtod(s, NULL);
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a finite number", key),
				 errdetail("Got %s.", number_text(s))));
	return d;
}

/* A number option within [lo, hi] */
static double
get_double_range(const char *key, const JsonbValue *v, double lo, double hi,
				 bool lo_open, bool hi_open)
{
	double		d = get_number(key, v);

	if ((lo_open ? d <= lo : d < lo) || (hi_open ? d >= hi : d > hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be %s %g and %s %g",
						key, lo_open ? "greater than" : "at least", lo,
						hi_open ? "less than" : "at most", hi),
				 errdetail("Got %g.", d)));
	return d;
}

/* An integer option within [lo, hi] */
static int64
get_int_range(const char *key, const JsonbValue *v, int64 lo, int64 hi)
{
	char	   *s,
			   *end;
	int64		n;

	if (v->type != jbvNumeric)
		wrong_type(key, "an integer", v);
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer", key),
				 errdetail("Got %s.", number_text(s))));
	if (n < lo || n > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be between %lld and %lld", key, (long long) lo, (long long) hi),
				 errdetail("Got %s.", s)));
	return n;
}

static bool
get_bool(const char *key, const JsonbValue *v)
{
	if (v->type != jbvBool)
		wrong_type(key, "a boolean", v);
	return v->val.boolean;
}

/* A string option as a palloc'd C string (server encoding) */
static char *
get_string(const char *key, const JsonbValue *v)
{
	if (v->type != jbvString)
		wrong_type(key, "a string", v);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A string option that must be one of choices; returns its index */
static int
get_choice(const char *key, const JsonbValue *v, const char *const *choices, int n)
{
	char	   *s = get_string(key, v);
	StringInfoData list;

	for (int i = 0; i < n; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	initStringInfo(&list);
	for (int i = 0; i < n; i++)
		appendStringInfo(&list, "%s\"%s\"", i ? ", " : "", choices[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 n == 1 ? errmsg("option \"%s\" must be %s", key, list.data) :
			 errmsg("option \"%s\" must be one of %s", key, list.data),
			 errdetail("Got \"%s\".", s)));
	return -1;					/* keep the compiler quiet */
}

/* Convert a server-encoding string to a palloc'd UTF-8 copy */
static char *
to_utf8(const char *s)
{
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

/* "hidden": an integer or an array of 1..MR_MAX_LAYERS integers */
static void
parse_hidden(const char *key, JsonbValue *v, MedrnnOptions *o)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			n = 0;

	if (v->type == jbvNumeric)
	{
		o->n_layers = 1;
		o->hidden[0] = (int) get_int_range(key, v, 1, MR_MAX_HIDDEN);
		memset(o->hidden + 1, 0, sizeof(int) * (MR_MAX_LAYERS - 1));
		return;
	}
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		wrong_type(key, "an integer or an array of integers", v);
	memset(o->hidden, 0, sizeof(o->hidden));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (n >= MR_MAX_LAYERS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" can list at most %d layers", key, MR_MAX_LAYERS)));
		o->hidden[n++] = (int) get_int_range("hidden", &elem, 1, MR_MAX_HIDDEN);
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must list at least one layer size", key)));
	o->n_layers = n;
}

/* "class_weight": "balanced" or {"label": weight, ...} */
static void
parse_class_weight(const char *key, JsonbValue *v, MedrnnOptions *o)
{
	JsonbIterator *it;
	JsonbValue	k,
				w;
	JsonbIteratorToken tok;
	int			n,
				i = 0;

	if (v->type == jbvString)
	{
		static const char *const modes[] = {"balanced"};

		get_choice(key, v, modes, 1);
		o->class_weight = MEDRNN_CW_BALANCED;
		return;
	}
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		wrong_type(key, "\"balanced\" or an object of label: weight", v);
	n = JsonContainerSize(v->val.binary.data);
	o->class_weight = MEDRNN_CW_EXPLICIT;
	o->n_explicit_weights = n;
	o->weight_labels = palloc0(sizeof(char *) * (n + 1));
	o->weight_values = palloc0(sizeof(double) * (n + 1));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &w, true);
		o->weight_labels[i] = to_utf8(pnstrdup(k.val.string.val, k.val.string.len));
		o->weight_values[i] = get_double_range("class_weight", &w, 0.0, 1e6, true, false);
		i++;
	}
	o->n_explicit_weights = i;
}

/* Parse options; see options.h */
void
MedrnnParseOptions(Jsonb *options, MedrnnOptions *o)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	bool		lowercase_set = false;

	memset(o, 0, sizeof(*o));
	o->tokenizer = MR_TOKENIZER_WORD;
	o->num_words = 20000;
	o->smiles_variants = 1;
	o->maxlen = 100;
	o->padding = MR_PAD_PRE;
	o->truncating = MR_PAD_PRE;
	o->embed_dim = 128;
	o->n_layers = 2;
	o->hidden[0] = 128;
	o->hidden[1] = 64;
	o->pooling = MR_POOL_LAST;
	o->origin = -1;
	o->learning_rate = 0.001;
	o->batch_size = 32;
	o->epochs = 10;
	o->seed = 0;

	if (options == NULL)
		goto defaults;
	if (!JB_ROOT_IS_OBJECT(options) || JB_ROOT_IS_SCALAR(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object"),
				 errhint("For example: '{\"epochs\": 5, \"seed\": 1}'.")));

	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);

		if (strcmp(key, "tokenizer") == 0)
		{
			static const char *const kinds[] = {"word", "char", "smiles"};
			static const MrTokenizerKind kind_values[] = {
				MR_TOKENIZER_WORD, MR_TOKENIZER_CHAR, MR_TOKENIZER_SMILES
			};

			if (v.type != jbvNull)
				o->tokenizer = kind_values[get_choice(key, &v, kinds, lengthof(kinds))];
		}
		else if (strcmp(key, "lowercase") == 0)
		{
			if (v.type != jbvNull)
			{
				o->lowercase = get_bool(key, &v);
				lowercase_set = true;
			}
		}
		else if (strcmp(key, "num_words") == 0)
		{
			if (v.type != jbvNull)
				o->num_words = (int) get_int_range(key, &v, 2, MR_MAX_VOCAB);
		}
		else if (strcmp(key, "maxlen") == 0)
		{
			if (v.type != jbvNull)
				o->maxlen = (int) get_int_range(key, &v, 1, MR_MAX_MAXLEN);
		}
		else if (strcmp(key, "padding") == 0 || strcmp(key, "truncating") == 0)
		{
			static const char *const ends[] = {"pre", "post"};

			if (v.type != jbvNull)
			{
				int			e = get_choice(key, &v, ends, 2) == 0 ? MR_PAD_PRE : MR_PAD_POST;

				if (key[0] == 'p')
					o->padding = e;
				else
					o->truncating = e;
			}
		}
		else if (strcmp(key, "embed_dim") == 0)
		{
			if (v.type != jbvNull)
				o->embed_dim = (int) get_int_range(key, &v, 1, MR_MAX_EMBED);
		}
		else if (strcmp(key, "hidden") == 0)
		{
			if (v.type != jbvNull)
				parse_hidden(key, &v, o);
		}
		else if (strcmp(key, "bidirectional") == 0)
		{
			if (v.type != jbvNull)
				o->bidirectional = get_bool(key, &v);
		}
		else if (strcmp(key, "pooling") == 0)
		{
			static const char *const pools[] = {"last", "max", "mean"};

			if (v.type != jbvNull)
				o->pooling = get_choice(key, &v, pools, 3);
		}
		else if (strcmp(key, "optimizer") == 0)
		{
			static const char *const opts[] = {"adam"};

			if (v.type != jbvNull)
				get_choice(key, &v, opts, 1);
		}
		else if (strcmp(key, "learning_rate") == 0)
		{
			if (v.type != jbvNull)
				o->learning_rate = get_double_range(key, &v, 0.0, 10.0, true, false);
		}
		else if (strcmp(key, "batch_size") == 0)
		{
			if (v.type != jbvNull)
				o->batch_size = (int) get_int_range(key, &v, 1, MAX_BATCH_SIZE);
		}
		else if (strcmp(key, "epochs") == 0)
		{
			if (v.type != jbvNull)
				o->epochs = (int) get_int_range(key, &v, 1, MAX_EPOCHS);
		}
		else if (strcmp(key, "clip_norm") == 0)
		{
			if (v.type != jbvNull)
				o->clip_norm = get_double_range(key, &v, 0.0, 1e6, true, false);
		}
		else if (strcmp(key, "smiles_variants") == 0)
		{
			if (v.type != jbvNull)
				o->smiles_variants = (int) get_int_range(key, &v, 1, MR_MAX_SMILES_VARIANTS);
		}
		else if (strcmp(key, "seed") == 0)
		{
			if (v.type != jbvNull)
				o->seed = get_int_range(key, &v, 0, PG_INT64_MAX);
		}
		else if (strcmp(key, "validation_split") == 0)
		{
			if (v.type != jbvNull)
				o->validation_split = get_double_range(key, &v, 0.0, 1.0, false, true);
		}
		else if (strcmp(key, "early_stopping") == 0)
		{
			/* true (patience 3), false, or the patience in epochs */
			if (v.type == jbvBool)
				o->patience = v.val.boolean ? 3 : 0;
			else if (v.type == jbvNumeric)
				o->patience = (int) get_int_range(key, &v, 1, MAX_EPOCHS);
			else if (v.type != jbvNull)
				wrong_type(key, "a boolean or a patience in epochs", &v);
		}
		else if (strcmp(key, "class_weight") == 0)
		{
			if (v.type != jbvNull)
				parse_class_weight(key, &v, o);
		}
		else if (strcmp(key, "dropout") == 0)
		{
			if (v.type != jbvNull)
				o->dropout = get_double_range(key, &v, 0.0, 1.0, false, true);
		}
		else if (strcmp(key, "recurrent_dropout") == 0)
		{
			if (v.type != jbvNull)
				o->recurrent_dropout = get_double_range(key, &v, 0.0, 1.0, false, true);
		}
		else if (strcmp(key, "l2") == 0)
		{
			if (v.type != jbvNull)
				o->l2 = get_double_range(key, &v, 0.0, 1.0, false, false);
		}
		else if (strcmp(key, "positive_label") == 0)
		{
			if (v.type != jbvNull)
				o->positive_label = to_utf8(get_string(key, &v));
		}
		else if (strcmp(key, "step") == 0)
		{
			/* a number in the sequences' time unit, or an interval like '1 hour' */
			if (v.type == jbvString)
			{
				char	   *s = get_string(key, &v);
				Datum		iv = DirectFunctionCall3(interval_in, CStringGetDatum(s),
													 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));

				o->step = DatumGetFloat8(DirectFunctionCall2(interval_part,
															 CStringGetTextDatum("epoch"), iv));
				o->step_is_interval = true;
				if (!(o->step > 0.0) || !isfinite(o->step))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("option \"%s\" must be a positive interval", key),
							 errdetail("Got \"%s\".", s)));
			}
			else if (v.type != jbvNull)
				o->step = get_double_range(key, &v, 0.0, 1e15, true, false);
		}
		else if (strcmp(key, "origin") == 0)
		{
			static const char *const origins[] = {"zero", "first"};

			if (v.type != jbvNull)
				o->origin = get_choice(key, &v, origins, 2);
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized option \"%s\"", key),
					 errhint("Valid options are: %s.", option_names)));
	}

defaults:
	/* Keras lowercases words; SMILES are case-sensitive (c is aromatic C) */
	if (!lowercase_set)
		o->lowercase = o->tokenizer == MR_TOKENIZER_WORD;
	if (o->tokenizer == MR_TOKENIZER_SMILES && o->lowercase)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"lowercase\" cannot be true with the \"smiles\" tokenizer"),
				 errdetail("SMILES is case-sensitive: \"c\" is an aromatic carbon, \"C\" an aliphatic one.")));
	if (o->smiles_variants > 1 && o->tokenizer == MR_TOKENIZER_WORD)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"smiles_variants\" needs the \"char\" or \"smiles\" tokenizer"),
				 errdetail("SMILES variants rewrite chemical structures; words are not rewritten.")));
	if (o->patience > 0 && o->patience >= o->epochs)
		ereport(NOTICE,
				(errmsg("early stopping patience %d is not below epochs %d, so it cannot stop training early",
						o->patience, o->epochs)));
}

/* Append a JSON string (from UTF-8) */
static void
append_json_string(StringInfo buf, const char *utf8)
{
	escape_json(buf, utf8);
}

/* The effective options as JSON (UTF-8); see options.h */
char *
MedrnnOptionsToJson(const MedrnnOptions *o)
{
	StringInfoData b;
	static const char *const pools[] = {"last", "max", "mean"};

	initStringInfo(&b);
	appendStringInfo(&b, "{\"tokenizer\": \"%s\", \"lowercase\": %s, \"num_words\": %d, "
					 "\"maxlen\": %d, \"padding\": \"%s\", \"truncating\": \"%s\", "
					 "\"smiles_variants\": %d, \"embed_dim\": %d, \"hidden\": [",
					 mr_tokenizer_name(o->tokenizer),
					 o->lowercase ? "true" : "false", o->num_words, o->maxlen,
					 o->padding == MR_PAD_PRE ? "pre" : "post",
					 o->truncating == MR_PAD_PRE ? "pre" : "post",
					 o->smiles_variants, o->embed_dim);
	for (int l = 0; l < o->n_layers; l++)
		appendStringInfo(&b, "%s%d", l ? ", " : "", o->hidden[l]);
	appendStringInfo(&b, "], \"bidirectional\": %s, \"pooling\": \"%s\", \"optimizer\": \"adam\", "
					 "\"learning_rate\": ",
					 o->bidirectional ? "true" : "false", pools[o->pooling]);
	MedrnnAppendJsonNumber(&b, o->learning_rate);
	appendStringInfo(&b, ", \"batch_size\": %d, \"epochs\": %d, \"clip_norm\": ",
					 o->batch_size, o->epochs);
	if (o->clip_norm > 0)
		MedrnnAppendJsonNumber(&b, o->clip_norm);
	else
		appendStringInfoString(&b, "null");
	appendStringInfo(&b, ", \"seed\": " INT64_FORMAT ", \"validation_split\": ", o->seed);
	MedrnnAppendJsonNumber(&b, o->validation_split);
	appendStringInfoString(&b, ", \"early_stopping\": ");
	if (o->patience > 0)
		appendStringInfo(&b, "%d", o->patience);
	else
		appendStringInfoString(&b, "false");
	appendStringInfoString(&b, ", \"class_weight\": ");
	if (o->class_weight == MEDRNN_CW_BALANCED)
		appendStringInfoString(&b, "\"balanced\"");
	else if (o->class_weight == MEDRNN_CW_EXPLICIT)
	{
		appendStringInfoChar(&b, '{');
		for (int i = 0; i < o->n_explicit_weights; i++)
		{
			if (i)
				appendStringInfoString(&b, ", ");
			append_json_string(&b, o->weight_labels[i]);
			appendStringInfoString(&b, ": ");
			MedrnnAppendJsonNumber(&b, o->weight_values[i]);
		}
		appendStringInfoChar(&b, '}');
	}
	else
		appendStringInfoString(&b, "null");
	appendStringInfoString(&b, ", \"dropout\": ");
	MedrnnAppendJsonNumber(&b, o->dropout);
	appendStringInfoString(&b, ", \"recurrent_dropout\": ");
	MedrnnAppendJsonNumber(&b, o->recurrent_dropout);
	appendStringInfoString(&b, ", \"l2\": ");
	MedrnnAppendJsonNumber(&b, o->l2);
	appendStringInfoString(&b, ", \"positive_label\": ");
	if (o->positive_label)
		append_json_string(&b, o->positive_label);
	else
		appendStringInfoString(&b, "null");
	appendStringInfoString(&b, ", \"step\": ");
	if (o->step > 0.0)
		MedrnnAppendJsonNumber(&b, o->step);
	else
		appendStringInfoString(&b, "null");
	appendStringInfo(&b, ", \"origin\": %s}",
					 o->origin == 0 ? "\"zero\"" : o->origin == 1 ? "\"first\"" : "null");
	return b.data;
}
