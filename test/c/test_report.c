/*
 * test_report.c
 *	  The model report's core: HTML escaping of hostile strings, the
 *	  options, the example picker's orders and bounds, and the page: its
 *	  sections by model kind, figures equal to the metrics core's, a
 *	  threshold table recounted by hand, bounded curve size, balanced
 *	  markup, and no markup from the data.
 */
#include "mr_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_html.h"
#include "mr_report.h"
#include "mr_tokenize.h"

/* JSON trees of the suite live here, freed at its end */
static MrArena json_arena;

/* Occurrences of needle in hay */
static int
count_of(const char *hay, const char *needle)
{
	int			n = 0;
	size_t		len = strlen(needle);

	for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
		n++;
	return n;
}

/* HTML escaping */
static void
check_escaping(void)
{
	MrBuf		b;
	const char	hostile[] = "<script>alert(1)</script> & \"x\" 'y' \"><img src=x onerror=alert(1)>";
	const char	ctrl[] = "a\x01" "b\x7f" "c\xff" "d\xc3" "\n\tna\xc3\xafve \xe2\x82\xac";

	mr_buf_init(&b, &mr_malloc_allocator);
	mr_html_text(&b, hostile, strlen(hostile));
	MR_CHECK(b.data && !strchr(b.data, '<') && !strchr(b.data, '>') && !strchr(b.data, '"') &&
			 !strchr(b.data, '\'') &&
			 strcmp(b.data, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39; "
					"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") == 0,
			 "markup characters are character references: %s", b.data ? b.data : "(null)");
	mr_buf_reset(&b);
	mr_html_text(&b, ctrl, sizeof(ctrl) - 1);
	MR_CHECK(b.data && strcmp(b.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\xef\xbf\xbd"
							  "\n\tna\xc3\xafve \xe2\x82\xac") == 0,
			 "controls, DEL and invalid UTF-8 become U+FFFD; tab, newline and valid characters stay");
	mr_buf_reset(&b);
	mr_html_number(&b, NAN, 4);
	mr_html_number(&b, 0.123456, 4);
	MR_CHECK(b.data && strcmp(b.data, "\xe2\x80\x93" "0.1235") == 0, "numbers: NaN as a dash, four decimals");
	mr_buf_free(&b);
}

/* Parse options text, expecting status want; returns the parsed options */
static MrStatus
parse(const char *text, MrReportOptions *o, MrError *err)
{
	MrJson	   *j;

	memset(err, 0, sizeof(*err));
	if (mr_json_parse(text, strlen(text), &json_arena.allocator, &j, err) != MR_OK)
		return MR_ESYNTAX;
	return mr_report_options_parse(j, o, err);
}

static void
check_options(void)
{
	MrReportOptions o;
	MrError		err;

	MR_CHECK(mr_report_options_parse(NULL, &o, &err) == MR_OK && o.sections == MR_REPORT_ALL &&
			 o.examples == 6 && o.order == MR_ORDER_ERRORS && o.steps == 50 && !o.title,
			 "defaults: every section, 6 examples, errors first, 50 steps");
	MR_CHECK(parse("{\"sections\": [\"card\", \"examples\"], \"examples\": 3, \"example_order\": \"uncertain\", "
				   "\"steps\": 8, \"title\": \"T\", \"lineage\": {\"a\": 1}}", &o, &err) == MR_OK &&
			 o.sections == (MR_REPORT_CARD | MR_REPORT_EXAMPLES) && o.examples == 3 &&
			 o.order == MR_ORDER_UNCERTAIN && o.steps == 8 && strcmp(o.title, "T") == 0 && o.lineage,
			 "every option read");
	MR_CHECK(parse("{\"colour\": 1}", &o, &err) == MR_EINVAL && strstr(err.message, "\"colour\"") &&
			 strstr(err.hint, "\"sections\""), "an unknown option names itself and lists the valid ones");
	MR_CHECK(parse("{\"sections\": [\"card\", \"plots\"]}", &o, &err) == MR_EINVAL &&
			 strstr(err.message, "\"plots\"") && strstr(err.hint, "\"calibration\""),
			 "an unknown section: %s", err.message);
	MR_CHECK(parse("{\"examples\": 51}", &o, &err) == MR_EINVAL && parse("{\"examples\": 2.5}", &o, &err) == MR_EINVAL &&
			 parse("{\"steps\": 0}", &o, &err) == MR_EINVAL && parse("{\"steps\": 257}", &o, &err) == MR_EINVAL,
			 "examples and steps out of range or not integers");
	MR_CHECK(parse("{\"example_order\": \"random\"}", &o, &err) == MR_EINVAL &&
			 parse("{\"lineage\": [1]}", &o, &err) == MR_EINVAL && parse("[1]", &o, &err) == MR_EINVAL,
			 "a wrong order, a lineage that is not an object, options that are not an object");
	{
		char		title[1000];

		strcpy(title, "{\"title\": \"");
		for (int i = 0; i < 201; i++)
			strcat(title, "\xc3\xa9");	/* 201 characters, 402 bytes */
		strcat(title, "\"}");
		MR_CHECK(parse(title, &o, &err) == MR_EINVAL, "a title of 201 characters is refused");
		title[strlen(title) - 4] = '"';
		title[strlen(title) - 3] = '}';
		title[strlen(title) - 2] = '\0';
		MR_CHECK(parse(title, &o, &err) == MR_OK, "200 two-byte characters are a title");
	}
}

/* A hand-built model: K classes, a few epochs; labels may be hostile */
typedef struct TinyModel
{
	MrModel		m;
	const char *labels[4];
	uint32_t	label_len[4];
	MrEpochLog	epochs[3];
	const char *vars[2];
	uint32_t	var_len[2];
} TinyModel;

static void
tiny_model(TinyModel *t, int K, const char *const *labels)
{
	memset(t, 0, sizeof(*t));
	t->m.input_kind = MR_INPUT_TEXT;
	t->m.tokenizer = MR_TOKENIZER_WORD;
	t->m.cfg.n_classes = K;
	t->m.cfg.maxlen = 10;
	t->m.positive_class = K == 2 ? 1 : -1;
	for (int k = 0; k < K; k++)
	{
		t->labels[k] = labels[k];
		t->label_len[k] = (uint32_t) strlen(labels[k]);
	}
	t->m.labels = t->labels;
	t->m.label_len = t->label_len;
	for (int e = 0; e < 3; e++)
		t->epochs[e] = (MrEpochLog) {e + 1, 1.0 / (e + 1), 0.5 + 0.1 * e, 1.1 / (e + 1), 0.45 + 0.1 * e, 0.1, 40};
	t->m.epochs = t->epochs;
	t->m.n_epochs = 3;
	t->m.best_epoch = 2;
	t->m.train_rows = 40;
	t->m.val_rows = 10;
	t->vars[0] = "HR";
	t->vars[1] = "<b>BP";
	t->var_len[0] = 2;
	t->var_len[1] = 5;
}

/* The example picker: orders, bounds, ties */
static void
check_picker(void)
{
	static const char *const labels[] = {"no", "yes"};
	TinyModel	t;
	MrReportOptions o;
	MrReportScorer *s;
	int			slots[MR_REPORT_MAX_EXAMPLES];
	MrReportPick picks[MR_REPORT_MAX_EXAMPLES];
	int			n,
				slot,
				ok = 1;
	/* (true class, P(yes)) of rows 1..8 */
	static const int truth[8] = {0, 1, 0, 1, 0, 1, 0, 1};
	static const float pyes[8] = {0.9f, 0.8f, 0.3f, 0.2f, 0.55f, 0.6f, 0.1f, 0.99f};

	tiny_model(&t, 2, labels);
	mr_report_options_parse(NULL, &o, NULL);
	o.examples = 3;
	mr_report_scorer_new(&t.m, &o, 1, &mr_malloc_allocator, &s);
	for (int i = 0; i < 8; i++)
	{
		float		p[2] = {1 - pyes[i], pyes[i]};

		ok &= mr_report_scorer_add(s, i + 1, truth[i], p, &slot) == MR_OK;
		ok &= slot < 3;
	}
	n = mr_report_scorer_examples(s, slots, picks);
	/* wrong: row 1 (0.9 wrong), row 4 (0.8 wrong), row 5 (0.55 wrong) */
	MR_CHECK(ok && n == 3 && picks[0].row == 1 && picks[1].row == 4 && picks[2].row == 5 &&
			 picks[0].pred_class == 1 && fabs(picks[0].confidence - 0.9) < 1e-6,
			 "errors first, the most confident first: rows %lld %lld %lld",
			 (long long) picks[0].row, (long long) picks[1].row, (long long) picks[2].row);
	mr_report_scorer_free(s);

	o.order = MR_ORDER_FIRST;
	o.examples = 4;
	mr_report_scorer_new(&t.m, &o, 0, &mr_malloc_allocator, &s);
	for (int i = 0; i < 8; i++)
	{
		float		p[2] = {1 - pyes[i], pyes[i]};

		mr_report_scorer_add(s, i + 1, -1, p, &slot);
	}
	n = mr_report_scorer_examples(s, slots, picks);
	MR_CHECK(n == 4 && picks[0].row == 1 && picks[3].row == 4 && picks[0].true_class == -1 &&
			 mr_report_scorer_metrics(s) == NULL, "first rows, in order; unlabelled: no metrics");
	mr_report_scorer_free(s);

	o.order = MR_ORDER_CONFIDENT;
	o.examples = 2;
	mr_report_scorer_new(&t.m, &o, 0, &mr_malloc_allocator, &s);
	for (int i = 0; i < 5; i++)
	{
		float		p[2] = {0.25f, 0.75f};	/* all tied */

		mr_report_scorer_add(s, i + 1, -1, p, &slot);
	}
	n = mr_report_scorer_examples(s, slots, picks);
	MR_CHECK(n == 2 && picks[0].row == 1 && picks[1].row == 2, "ties keep the earlier rows");
	mr_report_scorer_free(s);

	o.order = MR_ORDER_UNCERTAIN;
	o.examples = 1;
	mr_report_scorer_new(&t.m, &o, 0, &mr_malloc_allocator, &s);
	for (int i = 0; i < 8; i++)
	{
		float		p[2] = {1 - pyes[i], pyes[i]};

		mr_report_scorer_add(s, i + 1, -1, p, &slot);
	}
	n = mr_report_scorer_examples(s, slots, picks);
	MR_CHECK(n == 1 && picks[0].row == 5, "the least confident row (0.55)");
	mr_report_scorer_free(s);
}

/* Render a page for model t from rows (true class, P(class 1)), binary or K-class */
static char *
render(TinyModel *t, const MrReportOptions *o, int n, const int *truth, const float *probs,
	   MrReportExample *ex, int n_ex, MrReportScorer **scorer_out)
{
	static const char *const info_text = "{\"format_version\": 1, \"labels\": [\"<script>x</script>\"], "
		"\"hidden\": [8, 4], \"variables\": [{\"name\": \"<i>HR\", \"mean\": 1}], \"epochs\": [{\"epoch\": 1}]}";
	MrReportScorer *s;
	MrReportInput in;
	MrJson	   *info;
	MrBuf		b;
	int			slot;
	MrError		err;
	int			K = t->m.cfg.n_classes;

	mr_json_parse(info_text, strlen(info_text), &json_arena.allocator, &info, &err);
	mr_report_scorer_new(&t->m, o, 1, &mr_malloc_allocator, &s);
	for (int i = 0; i < n; i++)
		mr_report_scorer_add(s, i + 1, truth[i], probs + (size_t) i * K, &slot);
	memset(&in, 0, sizeof(in));
	in.model = &t->m;
	in.info = info;
	in.opts = o;
	in.relation = "public.\"<notes>\"";
	in.input_col = "note";
	in.label_col = "dx";
	in.generated_at = "2026-12-03 <now>";
	in.rows_read = n + 2;
	in.skipped_null = 2;
	in.scorer = s;
	in.examples = ex;
	in.n_examples = n_ex;
	mr_buf_init(&b, &mr_malloc_allocator);
	if (mr_report_html(&in, &b) != MR_OK)
	{
		mr_buf_free(&b);
		b.data = NULL;
	}
	*scorer_out = s;
	return b.data;
}

/* Markup balanced for the elements the page nests */
static int
balanced(const char *html)
{
	static const char *const tags[] = {"section", "svg", "table", "tr", "div", "figure", "span", "title", "text", "g"};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
	{
		char		open[32],
					open2[32],
					close[32];

		snprintf(open, sizeof(open), "<%s ", tags[i]);
		snprintf(open2, sizeof(open2), "<%s>", tags[i]);
		snprintf(close, sizeof(close), "</%s>", tags[i]);
		if (count_of(html, open) + count_of(html, open2) != count_of(html, close))
		{
			mr_diag("unbalanced <%s>: %d open, %d closed", tags[i],
					count_of(html, open) + count_of(html, open2), count_of(html, close));
			return 0;
		}
	}
	return 1;
}

/* The data-value of the first element with data-metric="name" after from */
static double
page_value(const char *from, const char *name)
{
	char		key[64];
	const char *p;

	snprintf(key, sizeof(key), "data-metric=\"%s\" data-value=\"", name);
	p = strstr(from, key);
	return p ? strtod(p + strlen(key), NULL) : NAN;
}

/* A binary model's page */
static void
check_binary_page(void)
{
	static const char *const labels[] = {"<script>alert('no')</script>", "yes & \"sure\""};
	enum
	{
	N = 200};
	TinyModel	t;
	MrReportOptions o;
	MrReportScorer *s;
	int			truth[N];
	float		probs[2 * N];
	MrMetrics	mt;
	MrReportToken toks[3] = {{"<img src=x onerror=alert(1)>", 28, 0.5}, {"fever", 5, -0.25}, {"zzz", 3, NAN}};
	MrReportExample ex = {{7, 0, 1, 0.8, 2.8}, 1, 1.5, 0.2, 1.29, 3, toks, 0, NULL};
	char	   *html;
	int			called[10] = {0};

	tiny_model(&t, 2, labels);
	mr_report_options_parse(NULL, &o, NULL);
	for (int i = 0; i < N; i++)
	{
		float		p = (float) ((i * 37) % 101) / 100.0f;

		truth[i] = (i * 37) % 101 + (i % 7) * 9 > 60;
		probs[2 * i] = 1 - p;
		probs[2 * i + 1] = p;
		for (int k = 1; k <= 9; k++)
			called[k] += p >= k / 10.0;
	}
	html = render(&t, &o, N, truth, probs, &ex, 1, &s);
	MR_CHECK(html != NULL, "a binary model's page renders");
	if (!html)
		return;
	mr_metrics_finish(mr_report_scorer_metrics(s), &mt);
	MR_CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0 &&
			 strstr(html, "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""),
			 "an HTML5 document that forbids scripts and fetches");
	MR_CHECK(count_of(html, "<script") == 0 && count_of(html, "<img") == 0 &&
			 count_of(html, "&lt;script&gt;alert(&#39;no&#39;)&lt;/script&gt;") > 3 &&
			 strstr(html, "&lt;img src=x onerror=alert(1)&gt;") && strstr(html, "yes &amp; &quot;sure&quot;") &&
			 strstr(html, "&lt;notes&gt;") && strstr(html, "&lt;i&gt;HR") && strstr(html, "2026-12-03 &lt;now&gt;"),
			 "labels, tokens, names and the card's strings are text, not markup");
	MR_CHECK(strstr(html, "data-section=\"card\"") && strstr(html, "data-section=\"training\"") &&
			 strstr(html, "data-section=\"metrics\"") && strstr(html, "data-section=\"confusion\"") &&
			 strstr(html, "data-section=\"curves\"") && strstr(html, "data-section=\"calibration\"") &&
			 strstr(html, "data-section=\"thresholds\"") && strstr(html, "data-section=\"examples\""),
			 "every section of a binary model");
	MR_CHECK(strstr(html, "data-chart=\"loss\"") && strstr(html, "data-chart=\"accuracy\"") &&
			 strstr(html, "data-chart=\"confusion\"") && strstr(html, "data-chart=\"roc\"") &&
			 strstr(html, "data-chart=\"pr\"") && strstr(html, "data-chart=\"calibration\"") &&
			 strstr(html, "data-mark=\"2\""), "its plots, and the kept epoch marked");
	MR_CHECK(page_value(html, "accuracy") == mt.accuracy && page_value(html, "macro_f1") == mt.macro_f1 &&
			 page_value(html, "log_loss") == mt.log_loss && page_value(html, "roc_auc") == mt.roc_auc &&
			 page_value(html, "pr_auc") == mt.pr_auc && page_value(html, "brier") == mt.brier &&
			 page_value(html, "rows") == N && page_value(html, "skipped_null") == 2,
			 "figures on the page are the metrics core's, in full precision (accuracy %.17g)", mt.accuracy);
	{
		const char *th = strstr(html, "data-table=\"thresholds\"");
		int			ok = th != NULL;

		for (int k = 1; k <= 9 && ok; k++)
		{
			char		key[64];
			const char *row;

			snprintf(key, sizeof(key), "data-threshold=\"%.1f\"", k / 10.0);
			row = strstr(th, key);
			ok = row && page_value(row, "called_positive") == called[k];
			if (!ok)
				mr_diag("threshold %.1f: page %g, counted %d", k / 10.0,
						row ? page_value(row, "called_positive") : NAN, called[k]);
		}
		MR_CHECK(ok, "the threshold table calls positive the rows with a probability at or above each threshold");
	}
	MR_CHECK(strstr(html, "data-attr=\"0.5\"") && strstr(html, "data-attr=\"-0.25\"") &&
			 strstr(html, "class=\"tok unread\" title=\"not read\">zzz"),
			 "tokens carry their attributions; an unread one is marked");
	MR_CHECK(balanced(html), "sections, plots, tables and their parts open and close in pairs");
	free(html);
	mr_report_scorer_free(s);

	/* only some sections */
	o.sections = MR_REPORT_CARD | MR_REPORT_METRICS;
	html = render(&t, &o, N, truth, probs, NULL, 0, &s);
	MR_CHECK(html && strstr(html, "data-section=\"card\"") && strstr(html, "data-section=\"metrics\"") &&
			 !strstr(html, "data-section=\"training\"") && !strstr(html, "<svg") &&
			 !strstr(html, "data-section=\"examples\""), "\"sections\" leaves the others out");
	free(html);
	mr_report_scorer_free(s);
}

/* A three-class model: one-vs-rest curves, no binary sections */
static void
check_multiclass_page(void)
{
	static const char *const labels[] = {"a", "b", "c"};
	enum
	{
	N = 90};
	TinyModel	t;
	MrReportOptions o;
	MrReportScorer *s;
	int			truth[N];
	float		probs[3 * N];
	char	   *html,
			   *roc;

	tiny_model(&t, 3, labels);
	mr_report_options_parse(NULL, &o, NULL);
	for (int i = 0; i < N; i++)
	{
		truth[i] = i % 3;
		for (int k = 0; k < 3; k++)
			probs[3 * i + k] = k == truth[i] ? 0.5f + (i % 5) * 0.05f : 0.25f - (i % 5) * 0.025f;
		if (i % 4 == 0)
		{
			float		x = probs[3 * i];

			probs[3 * i] = probs[3 * i + 1];
			probs[3 * i + 1] = x;
		}
	}
	html = render(&t, &o, N, truth, probs, NULL, 0, &s);
	roc = html ? strstr(html, "data-chart=\"roc\"") : NULL;
	MR_CHECK(roc && count_of(roc, "<polyline") >= 3 && strstr(html, "data-table=\"auc\"") &&
			 !strstr(html, "data-section=\"calibration\"") && !strstr(html, "data-section=\"thresholds\"") &&
			 !strstr(html, "data-metric=\"roc_auc\" data-value=\"null\""),
			 "one-vs-rest ROC curves for each class; no calibration or thresholds");
	MR_CHECK(html && balanced(html), "its markup is balanced");
	free(html);
	mr_report_scorer_free(s);
}

/* A measurement model's example, and a curve of many points */
static void
check_series_and_size(void)
{
	static const char *const labels[] = {"0", "1"};
	enum
	{
	N = 100000};
	TinyModel	t;
	MrReportOptions o;
	MrReportScorer *s;
	int		   *truth = malloc(sizeof(int) * N);
	float	   *probs = malloc(sizeof(float) * 2 * N);
	double		cells[6] = {0.3, -0.1, NAN, 0.05, 0.2, NAN};
	MrReportExample ex = {{3, 1, 1, 0.7, 0.3}, 1, 0.4, 0.1, 0.3, 0, NULL, 3, cells};
	char	   *html,
			   *roc,
			   *pr;

	tiny_model(&t, 2, labels);
	t.m.input_kind = MR_INPUT_SERIES;
	t.m.n_vars = 2;
	t.m.var_names = t.vars;
	t.m.var_name_len = t.var_len;
	mr_report_options_parse(NULL, &o, NULL);
	for (int i = 0; i < N; i++)
	{
		float		p = (float) ((i * 7919) % N) / N;

		truth[i] = (i % 3 == 0) ^ (p > 0.7f);
		probs[2 * i] = 1 - p;
		probs[2 * i + 1] = p;
	}
	html = render(&t, &o, N, truth, probs, &ex, 1, &s);
	roc = html ? strstr(html, "data-chart=\"roc\"") : NULL;
	pr = roc ? strstr(roc, "data-chart=\"pr\"") : NULL;
	MR_CHECK(html && strstr(html, "data-chart=\"example-1\"") && strstr(html, "&lt;b&gt;BP, bin 2: 0.2") &&
			 strstr(html, "HR, bin 3: not read") && !strstr(html, "<b>BP"),
			 "a sequence's example: variables by bins, unread bins marked, names escaped");
	MR_CHECK(roc && pr && pr - roc < 40000,
			 "a ROC curve of %d distinct scores draws in %ld bytes", N, roc && pr ? (long) (pr - roc) : -1L);
	free(html);
	mr_report_scorer_free(s);
	free(truth);
	free(probs);
}

void
test_report(void)
{
	mr_arena_init(&json_arena, &mr_malloc_allocator);
	check_escaping();
	check_options();
	check_picker();
	check_binary_page();
	check_multiclass_page();
	check_series_and_size();
	mr_arena_free(&json_arena);
}
