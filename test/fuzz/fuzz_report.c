/*
 * fuzz_report.c
 *	  libFuzzer harness: the report's escaping, on arbitrary bytes as
 *	  labels, tokens, variable names, relation and column names, a title
 *	  and an option-free lineage.
 *
 * The input is cut at NUL bytes into strings.  Invariants:
 *	  - mr_html_text's output has no < > " ' at all, every & starts one of
 *		the five references it writes, and it is valid UTF-8 with no C0
 *		control but tab, newline and carriage return;
 *	  - a whole page (a binary text model and a measurement model, every
 *		section, examples with the strings as tokens) is valid UTF-8 (the
 *		strings need not be, but for the lineage's JSON), and
 *		its markup, the sequence of tag names, is the same as the page of
 *		the same model with every string replaced by "x": nothing in the
 *		data can open, close or add an element or an attribute.
 */
#include <stdlib.h>
#include <string.h>

#define FUZZ_HARNESS "fuzz_report"
#include "fuzz_common.h"
#include "mr_html.h"
#include "mr_report.h"
#include "mr_tokenize.h"
#include "mr_utf8.h"

#define MAX_STRINGS 12

/* The escaper's output alone */
static void
check_escaped(const char *s, size_t n)
{
	MrBuf		b;
	static const char *const refs[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

	mr_buf_init(&b, &mr_malloc_allocator);
	mr_html_text(&b, s, n);
	if (b.failed)
		fail("out of memory", NULL);
	for (size_t i = 0; i < b.len; i++)
	{
		unsigned char c = (unsigned char) b.data[i];
		int			known = 0;

		if (c == '<' || c == '>' || c == '"' || c == '\'')
			fail("a markup character passed the escaper", NULL);
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			fail("a control character passed the escaper", NULL);
		if (c == '&')
		{
			for (int r = 0; r < 5; r++)
				known |= strncmp(b.data + i, refs[r], strlen(refs[r])) == 0;
			if (!known)
				fail("a bare & in the escaper's output", NULL);
		}
	}
	if (b.len && !mr_utf8_valid((const unsigned char *) b.data, b.len))
		fail("the escaper's output is not valid UTF-8", NULL);
	mr_buf_free(&b);
}

/* The page's tag names in order, as one string */
static char *
tag_sequence(const char *html, size_t len)
{
	char	   *out = malloc(len + 1);
	size_t		n = 0;

	if (!out)
		fail("out of memory", NULL);
	for (size_t i = 0; i < len; i++)
		if (html[i] == '<')
			while (i + 1 < len && html[i + 1] != ' ' && html[i + 1] != '>')
				out[n++] = html[++i];
	out[n] = '\0';
	return out;
}

/* A page of a model whose strings are strs[0..n) */
static char *
page(const char *const *strs, int n, int series, size_t *len)
{
	const char *labels[2] = {strs[0 % n], strs[1 % n]};
	uint32_t	label_len[2] = {(uint32_t) strlen(labels[0]), (uint32_t) strlen(labels[1])};
	const char *vars[2] = {strs[2 % n], strs[3 % n]};
	uint32_t	var_len[2] = {(uint32_t) strlen(vars[0]), (uint32_t) strlen(vars[1])};
	MrEpochLog	epochs[2] = {{1, 0.7, 0.5, 0.8, 0.5, 0.1, 10}, {2, 0.5, 0.7, 0.6, 0.6, 0.1, 10}};
	MrReportToken toks[MAX_STRINGS];
	double		cells[6] = {0.1, -0.2, NAN, 0.3, 0.0, NAN};
	MrReportExample ex = {{4, 0, 1, 0.7, 2.7}, 1, 0.5, 0.1, 0.4, 0, toks, 0, NULL};
	MrModel		m;
	MrReportOptions o;
	MrReportScorer *s;
	MrReportInput in;
	MrJson	   *lineage,
			   *info;
	static const char info_text[] = "{\"format_version\": 1, \"labels\": [\"a\", \"b\"], \"options\": "
		"{\"epochs\": 2, \"hidden\": [4], \"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4, \"e\": 5, \"f\": 6}, "
		"\"variables\": [{\"name\": \"HR\", \"mean\": 1}], \"epochs\": [{\"epoch\": 1}]}";
	MrBuf		b,
				lj;
	MrError		err;
	MrArena		ar;
	int			slot;

	memset(&m, 0, sizeof(m));
	m.input_kind = series ? MR_INPUT_SERIES : MR_INPUT_TEXT;
	m.tokenizer = MR_TOKENIZER_WORD;
	m.cfg.n_classes = 2;
	m.cfg.maxlen = 3;
	m.positive_class = 1;
	m.labels = labels;
	m.label_len = label_len;
	m.n_vars = 2;
	m.var_names = vars;
	m.var_name_len = var_len;
	m.epochs = epochs;
	m.n_epochs = 2;
	m.best_epoch = 2;
	for (int i = 0; i < n; i++)
		toks[i] = (MrReportToken) {strs[i], strlen(strs[i]), i % 3 ? 0.1 * i : NAN};
	ex.n_tokens = series ? 0 : n;
	ex.n_bins = series ? 3 : 0;
	ex.cell_attr = series ? cells : NULL;

	/*
	 * a lineage object whose keys and values are the strings (those that are
	 * UTF-8: the server's JSON always is)
	 */
	mr_buf_init(&lj, &mr_malloc_allocator);
	mr_buf_putc(&lj, '{');
	for (int i = 0; i < n; i++)
	{
		char		key[16];
		const char *v = mr_utf8_valid((const unsigned char *) strs[i], strlen(strs[i])) ? strs[i] : "?";

		snprintf(key, sizeof(key), "k%d", i);
		mr_buf_json_string(&lj, i % 2 ? v : key, i % 2 ? strlen(v) : strlen(key));
		mr_buf_putc(&lj, ':');
		mr_buf_json_string(&lj, v, strlen(v));
		if (i + 1 < n)
			mr_buf_putc(&lj, ',');
	}
	mr_buf_putc(&lj, '}');
	mr_arena_init(&ar, &mr_malloc_allocator);
	if (lj.failed || mr_json_parse(lj.data, lj.len, &ar.allocator, &lineage, &err) != MR_OK)
		fail("the lineage JSON did not parse", err.detail);

	mr_report_options_parse(NULL, &o, &err);
	o.title = strs[4 % n];
	o.lineage = lineage;
	o.examples = 1;
	if (mr_report_scorer_new(&m, &o, 1, &mr_malloc_allocator, &s) != MR_OK)
		fail("out of memory", NULL);
	for (int i = 0; i < 20; i++)
	{
		float		p[2] = {1 - (i % 10) / 10.0f, (i % 10) / 10.0f};

		mr_report_scorer_add(s, i + 1, i % 3 == 0, p, &slot);
	}
	/* the card's document is the server's own, with fixed keys (it skips "epochs") */
	if (mr_json_parse(info_text, strlen(info_text), &ar.allocator, &info, &err) != MR_OK)
		fail("the card's JSON did not parse", err.detail);
	memset(&in, 0, sizeof(in));
	in.model = &m;
	in.info = info;
	in.opts = &o;
	in.relation = strs[5 % n];
	in.input_col = strs[6 % n];
	in.label_col = strs[7 % n];
	in.generated_at = strs[8 % n];
	in.rows_read = 20;
	in.scorer = s;
	in.examples = &ex;
	in.n_examples = 1;
	mr_buf_init(&b, &mr_malloc_allocator);
	if (mr_report_html(&in, &b) != MR_OK)
		fail("the page did not render", NULL);
	mr_report_scorer_free(s);
	mr_buf_free(&lj);
	mr_arena_free(&ar);
	*len = b.len;
	return b.data;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *copy = malloc(size + 1);
	const char *strs[MAX_STRINGS],
			   *xs[MAX_STRINGS];
	int			n = 0;
	size_t		start = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	check_escaped(copy, size);
	/* strings: NUL-separated, as SQL text cannot hold NUL */
	for (size_t i = 0; i <= size && n < MAX_STRINGS; i++)
		if (i == size || copy[i] == '\0')
		{
			strs[n] = copy + start;
			xs[n++] = "x";
			start = i + 1;
		}
	for (int series = 0; series < 2; series++)
	{
		size_t		len,
					xlen;
		char	   *html = page(strs, n, series, &len);
		char	   *plain = page(xs, n, series, &xlen);
		char	   *t1 = tag_sequence(html, len),
				   *t2 = tag_sequence(plain, xlen);

		if (!mr_utf8_valid((const unsigned char *) html, len))
			fail("the page is not valid UTF-8", NULL);
		if (strcmp(t1, t2) != 0)
			fail("the data changed the page's markup", series ? "measurement model" : "text model");
		free(t1);
		free(t2);
		free(html);
		free(plain);
	}
	free(copy);
	return 0;
}
