/*
 * test_options.c
 *	  The options table: defaults, parsing, every kind of error, the
 *	  recorded JSON, and the pieces under it (JSON reading, number text).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_buf.h"
#include "mr_json.h"
#include "mr_options.h"
#include "mr_test.h"
#include "mr_tokenize.h"

/* The effective options of a model trained with no options (0.2's writer) */
static const char *const default_json =
"{\"tokenizer\": \"word\", \"lowercase\": true, \"num_words\": 20000, \"maxlen\": 100, "
"\"padding\": \"pre\", \"truncating\": \"pre\", \"smiles_variants\": 1, \"embed_dim\": 128, "
"\"hidden\": [128, 64], \"bidirectional\": false, \"pooling\": \"last\", \"optimizer\": \"adam\", "
"\"learning_rate\": 0.001, \"batch_size\": 32, \"epochs\": 10, \"clip_norm\": null, \"seed\": 0, "
"\"validation_split\": 0, \"early_stopping\": false, \"class_weight\": null, \"dropout\": 0, "
"\"recurrent_dropout\": 0, \"l2\": 0, \"positive_label\": null, \"step\": null, \"origin\": null}";

/* Everything the tests parse, freed at the end */
static MrArena arena;

/* Parse options text; returns the status, fills o and err */
static MrStatus
parse(const char *text, MrOptions *o, MrError *err)
{
	MrJson	   *root = NULL;

	memset(err, 0, sizeof(*err));
	if (mr_json_parse(text, strlen(text), &arena.allocator, &root, err) != MR_OK)
		return MR_EDIMS;		/* not even JSON: a test mistake */
	return mr_options_parse(o, root, NULL, &arena.allocator, err);
}

/* The options must fail with this message (and detail, if given) */
static void
expect_error(const char *text, const char *message, const char *detail)
{
	MrOptions	o;
	MrError		err;
	MrStatus	st = parse(text, &o, &err);

	MR_CHECK(st == MR_EINVAL && strcmp(err.message, message) == 0 &&
			 (detail == NULL || strcmp(err.detail, detail) == 0),
			 "%s: %s%s%s", text, err.message, err.detail[0] ? " / " : "", err.detail);
}

/* Shortest round-trip numbers, as PostgreSQL prints float8 */
static void
check_format_double(void)
{
	static const struct
	{
		double		v;
		const char *text;
	}			cases[] = {
		{1e-5, "1e-05"}, {1.5e-5, "1.5e-05"}, {1e-4, "0.0001"}, {0.00012345, "0.00012345"},
		{1e14, "100000000000000"}, {1e15, "1e+15"}, {1.5e15, "1.5e+15"}, {1e16, "1e+16"},
		{123456789012345678.0, "1.2345678901234568e+17"}, {1.5e300, "1.5e+300"},
		{5e-324, "5e-324"}, {100, "100"}, {0.1, "0.1"}, {1e21, "1e+21"}, {-0.0, "-0"},
		{2.5e-7, "2.5e-07"}, {12345678901234.5, "12345678901234.5"},
		{123456789012345.6, "123456789012345.6"}, {0.001, "0.001"}, {-3, "-3"}, {1e6, "1000000"}
	};
	int			ok = 1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		s[MR_DOUBLE_TEXT_LEN];

		mr_format_double(cases[i].v, s);
		if (strcmp(s, cases[i].text) != 0)
		{
			mr_diag("%.17g gave %s, not %s", cases[i].v, s, cases[i].text);
			ok = 0;
		}
	}
	MR_CHECK(ok, "mr_format_double prints %d numbers as PostgreSQL's float8 output does",
			 (int) (sizeof(cases) / sizeof(cases[0])));
}

/* The JSON reader: values, and text that is not JSON */
static void
check_json(void)
{
	MrJson	   *v = NULL;
	MrError		err;
	const char *good = " {\"a\": [1, -2.5e3, true, null], \"b\\u00e9\": \"x\\ny\\ud83d\\ude00\", \"a\": 7} ";
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "[1 2]", "\"abc", "\"\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "\"\\u0000\"", "tru", "nul", "[1] x", "{\"a\": 1,}", "\"\x01\"", "\"\xff\"",
		"1e999"
	};
	int			rejected = 0;

	MR_CHECK(mr_json_parse(good, strlen(good), &arena.allocator, &v, &err) == MR_OK &&
			 v->type == MR_JSON_OBJECT && v->n == 3 &&
			 v->items[0].type == MR_JSON_ARRAY && v->items[0].n == 4 &&
			 v->items[0].items[1].number == -2500.0 && strcmp(v->items[0].items[1].text, "-2.5e3") == 0 &&
			 v->items[0].items[2].boolean == 1 && v->items[0].items[3].type == MR_JSON_NULL &&
			 strcmp(v->keys[1], "b\xc3\xa9") == 0 &&
			 strcmp(v->items[1].text, "x\ny\xf0\x9f\x98\x80") == 0 &&
			 mr_json_member(v, "a")->number == 7.0,
			 "JSON: nested values, escapes and surrogate pairs to UTF-8, repeated keys in order");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mr_json_parse(bad[i], strlen(bad[i]), &arena.allocator, &v, &err) == MR_EINVAL)
			rejected++;
		else
			mr_diag("accepted: %s", bad[i]);
	MR_CHECK(rejected == (int) (sizeof(bad) / sizeof(bad[0])), "JSON: %d malformed texts refused", rejected);
	{
		char		deep[2 * (MR_JSON_MAX_DEPTH + 2) + 1];
		int			n = MR_JSON_MAX_DEPTH + 2;

		for (int i = 0; i < n; i++)
		{
			deep[i] = '[';
			deep[2 * n - 1 - i] = ']';
		}
		deep[2 * n] = '\0';
		MR_CHECK(mr_json_parse(deep, strlen(deep), &arena.allocator, &v, &err) == MR_EINVAL,
				 "JSON: nesting deeper than %d refused (%s)", MR_JSON_MAX_DEPTH, err.detail);
	}
}

/* The table itself */
static void
check_table(void)
{
	int			ok = 1;

	for (int i = 0; i < mr_option_count; i++)
	{
		const MrOptionDef *d = &mr_option_defs[i];

		ok = ok && d->name && d->help && d->doc_default && d->doc_range && d->applies_to && d->inputs;
		ok = ok && (d->kind != MR_OPTK_CUSTOM || (d->parse && d->write));
		ok = ok && (d->kind != MR_OPTK_CHOICE || (d->choices && d->values));
		for (int j = 0; j < i; j++)
			ok = ok && strcmp(d->name, mr_option_defs[j].name) != 0;
	}
	MR_CHECK(ok && mr_option_count <= 64,
			 "%d options, each with a unique name, documentation and what reads it", mr_option_count);
}

/*
 * The README's options table is the one mr_options_markdown prints (make
 * options-table), between its markers.  The tests run from the repository
 * root; MEDRNN_ROOT names it otherwise.
 */
static void
check_readme_table(void)
{
	const char *root = getenv("MEDRNN_ROOT");
	const char *begin_mark = "<!-- options table:",
			   *end_mark = "<!-- end of options table -->";
	char		path[4096];
	FILE	   *f;
	char	   *text = NULL,
			   *begin = NULL,
			   *end = NULL;
	long		n = 0;
	MrBuf		b;

	snprintf(path, sizeof(path), "%s%sREADME.md", root ? root : "", root ? "/" : "");
	f = fopen(path, "rb");
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
		(text = calloc((size_t) n + 1, 1)) && fread(text, 1, (size_t) n, f) == (size_t) n)
	{
		begin = strstr(text, begin_mark);
		begin = begin ? strchr(begin, '\n') : NULL;
		end = begin ? strstr(begin, end_mark) : NULL;
	}
	if (f)
		fclose(f);
	mr_buf_init(&b, &mr_malloc_allocator);
	mr_options_markdown(&b);
	MR_CHECK(begin && end && !b.failed && (size_t) (end - begin - 1) == b.len &&
			 memcmp(begin + 1, b.data, b.len) == 0,
			 "%s's options table is the one the options' declarations give (else: make options-table)",
			 path);
	mr_buf_free(&b);
	free(text);
}

void
test_options(void)
{
	MrOptions	o;
	MrError		err;
	MrBuf		b;

	mr_arena_init(&arena, &mr_malloc_allocator);
	check_format_double();
	check_json();
	check_table();
	check_readme_table();

	mr_buf_init(&b, &mr_malloc_allocator);
	mr_options_init(&o);
	mr_options_to_json(&o, NULL, &b);
	MR_CHECK(strcmp(b.data, default_json) == 0, "the defaults are recorded as before: %s", b.data);

	mr_buf_reset(&b);
	MR_CHECK(parse("{\"tokenizer\": \"char\", \"hidden\": 32, \"epochs\": 3, \"clip_norm\": 2.5, "
				   "\"class_weight\": {\"b\\\"ad\": 2, \"ok\": 0.5}, \"early_stopping\": 4, "
				   "\"positive_label\": \"ok\", \"seed\": 9223372036854775807, \"learning_rate\": null}",
				   &o, &err) == MR_OK,
			 "parse a mix of options (%s)", err.message);
	mr_options_to_json(&o, NULL, &b);
	MR_CHECK(o.tokenizer == MR_TOKENIZER_CHAR && o.lowercase == 0 && o.n_layers == 1 && o.hidden[0] == 32 &&
			 o.epochs == 3 && o.patience == 4 && o.class_weight == MR_CW_EXPLICIT &&
			 o.n_class_weights == 2 && o.weight_values[1] == 0.5 && o.seed == INT64_MAX &&
			 o.learning_rate == 0.001 && mr_options_given(&o, "tokenizer") &&
			 !mr_options_given(&o, "learning_rate"),
			 "the fields, the character tokenizer's lowercase default, null as the default");
	MR_CHECK(strstr(b.data, "\"class_weight\": {\"b\\\"ad\": 2, \"ok\": 0.5}") != NULL &&
			 strstr(b.data, "\"early_stopping\": 4") != NULL &&
			 strstr(b.data, "\"clip_norm\": 2.5") != NULL &&
			 strstr(b.data, "\"positive_label\": \"ok\"") != NULL,
			 "the recorded JSON escapes labels and writes every kind of value");

	expect_error("[1, 2]", "options must be a JSON object", NULL);
	expect_error("{\"epoch\": 5}", "unrecognized option \"epoch\"", NULL);
	expect_error("{\"epochs\": \"5\"}", "option \"epochs\" must be an integer", "Got a string.");
	expect_error("{\"epochs\": 2.5}", "option \"epochs\" must be an integer", "Got 2.5.");
	expect_error("{\"epochs\": 0}", "option \"epochs\" must be between 1 and 10000", "Got 0.");
	expect_error("{\"seed\": -1}", "option \"seed\" must be between 0 and 9223372036854775807", "Got -1.");
	expect_error("{\"learning_rate\": 0}", "option \"learning_rate\" must be greater than 0 and at most 10",
				 "Got 0.");
	expect_error("{\"validation_split\": 1}", "option \"validation_split\" must be at least 0 and less than 1",
				 "Got 1.");
	expect_error("{\"bidirectional\": 1}", "option \"bidirectional\" must be a boolean", "Got a number.");
	expect_error("{\"pooling\": \"attention\"}", "option \"pooling\" must be one of \"last\", \"max\", \"mean\"",
				 "Got \"attention\".");
	expect_error("{\"optimizer\": \"sgd\"}", "option \"optimizer\" must be \"adam\"", "Got \"sgd\".");
	expect_error("{\"hidden\": []}", "option \"hidden\" must list at least one layer size", NULL);
	expect_error("{\"hidden\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}", "option \"hidden\" can list at most 8 layers", NULL);
	expect_error("{\"hidden\": {\"a\": 1}}", "option \"hidden\" must be an integer or an array of integers",
				 "Got an array or object.");
	expect_error("{\"class_weight\": {\"1\": 0}}", "option \"class_weight\" must be greater than 0 and at most 1e+06",
				 "Got 0.");
	expect_error("{\"early_stopping\": \"yes\"}", "option \"early_stopping\" must be a boolean or a patience in epochs",
				 "Got a string.");
	expect_error("{\"tokenizer\": \"smiles\", \"lowercase\": true}",
				 "option \"lowercase\" cannot be true with the \"smiles\" tokenizer", NULL);
	expect_error("{\"tokenizer\": \"word\", \"smiles_variants\": 10}",
				 "option \"smiles_variants\" needs the \"char\" or \"smiles\" tokenizer", NULL);
	expect_error("{\"step\": \"1 hour\"}", "option \"step\" can be an interval only inside the database", NULL);

	{
		MrError		e;

		parse("{\"epoch\": 5}", &o, &err);
		mr_buf_reset(&b);
		mr_options_names(&b);
		MR_CHECK(strstr(err.hint, b.data) != NULL && strstr(b.data, "origin") != NULL,
				 "the hint names every option: %s", err.hint);
		parse("{\"step\": 60, \"tokenizer\": \"char\"}", &o, &err);
		MR_CHECK(mr_options_check_input(&o, MR_OPT_SERIES, "vitals", "measurement sequences", &e) == MR_EINVAL &&
				 strcmp(e.message, "option \"tokenizer\" applies to text columns only") == 0 &&
				 strcmp(e.detail, "Column \"vitals\" holds measurement sequences.") == 0,
				 "an option given for another kind of input is refused: %s / %s", e.message, e.detail);
		MR_CHECK(mr_options_check_input(&o, MR_OPT_TEXT, "note", "text", &e) == MR_EINVAL &&
				 strcmp(e.message, "option \"step\" applies to measurement sequences only") == 0,
				 "and the other way round: %s", e.message);
		parse("{\"maxlen\": 20, \"hidden\": 4}", &o, &err);
		MR_CHECK(mr_options_check_input(&o, MR_OPT_SERIES, "vitals", "measurement sequences", &e) == MR_OK &&
				 mr_options_check_input(&o, MR_OPT_TOKENS, "codes", "token sequences", &e) == MR_OK,
				 "options for every input are accepted everywhere");
	}
	mr_buf_free(&b);
	mr_arena_free(&arena);
}
