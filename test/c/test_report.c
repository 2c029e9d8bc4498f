/*
 * test_report.c
 *	  The model report's core: HTML escaping of hostile strings, the
 *	  options, the example picker's orders and bounds, and the page: its
 *	  sections by model kind (classifiers, regression, multi-label and
 *	  multitask models), figures equal to the metrics core's, a threshold
 *	  table and a residual histogram recounted by hand, a bounded scatter
 *	  sample and curve size, balanced markup, and no markup from the data.
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
#define TINY_LABELS 16
typedef struct TinyModel
{
	MrModel		m;
	const char *labels[TINY_LABELS];
	uint32_t	label_len[TINY_LABELS];
	float		thresholds[TINY_LABELS];
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
	char		key[128];
	const char *p;

	snprintf(key, sizeof(key), "data-metric=\"%s\" data-value=\"", name);
	p = strstr(from, key);
	/* null: not finite */
	return p && strncmp(p + strlen(key), "null", 4) != 0 ? strtod(p + strlen(key), NULL) : NAN;
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


/* ----------------------------------------------------------------------
 * Models that do not classify
 */

/* The info document every page's card shows here */
static const MrJson *
test_info(void)
{
	static const char *const text = "{\"format_version\": 4, \"task\": \"<i>task\", \"epochs\": [{\"epoch\": 1}]}";
	MrJson	   *info = NULL;
	MrError		err;

	mr_json_parse(text, strlen(text), &json_arena.allocator, &info, &err);
	return info;
}

/* The page's figure equals the metric's: the same number, or both undefined */
static int
same(double page, double metric)
{
	return page == metric || (isnan(page) && isnan(metric));
}

/* A page of model t from a scorer the caller filled; NULL if rendering failed */
static char *
page_of(TinyModel *t, const MrReportOptions *o, MrReportScorer *s, const char *label_col,
		const MrReportExample *ex, int n_ex, int64_t rows_read, MrReportInput *extra)
{
	MrReportInput in = *extra;
	MrBuf		b;

	in.model = &t->m;
	in.info = test_info();
	in.opts = o;
	in.relation = "public.\"<notes>\"";
	in.input_col = "note";
	in.label_col = label_col;
	in.generated_at = "2026-12-03 <now>";
	in.rows_read = rows_read;
	in.scorer = s;
	in.examples = ex;
	in.n_examples = n_ex;
	mr_buf_init(&b, &mr_malloc_allocator);
	if (mr_report_html(&in, &b) != MR_OK)
	{
		mr_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* The part of html from the chart with data-chart="id" to its end (a copy), or NULL */
static char *
chart_of(const char *html, const char *id)
{
	char		key[64];
	const char *from,
			   *to;
	char	   *c;

	snprintf(key, sizeof(key), "data-chart=\"%s\"", id);
	from = html ? strstr(html, key) : NULL;
	to = from ? strstr(from, "</svg>") : NULL;
	if (!to)
		return NULL;
	c = malloc((size_t) (to - from) + 1);
	memcpy(c, from, (size_t) (to - from));
	c[to - from] = '\0';
	return c;
}

/* The sections of a page, in order, as "card training ..." into out */
static void
sections_of(const char *html, char *out, size_t size)
{
	const char *p = html;

	out[0] = '\0';
	while (p && (p = strstr(p, "data-section=\"")) != NULL)
	{
		const char *q;

		p += strlen("data-section=\"");
		q = strchr(p, '"');
		if (!q)
			break;
		if (out[0] && strlen(out) + 1 < size)
			strcat(out, " ");
		if (strlen(out) + (size_t) (q - p) < size)
			strncat(out, p, (size_t) (q - p));
	}
}

/* A regression model: K = 1, linear head, no accuracy in its history */
static void
regression_model(TinyModel *t, const char *label)
{
	const char *labels[1] = {label};

	tiny_model(t, 1, labels);
	t->m.task = MR_TASK_REGRESSION;
	t->m.positive_class = -1;
	t->m.loss = MR_LOSS_HUBER;
	t->m.target_mean = 3.5;
	t->m.target_scale = 2.0;
	for (int e = 0; e < 3; e++)
		t->epochs[e].accuracy = t->epochs[e].val_accuracy = NAN;
}

/* Compare by row, for sorting a sample */
static int
point_row_cmp(const void *a, const void *b)
{
	int64_t		x = ((const MrReportPoint *) a)->row,
				y = ((const MrReportPoint *) b)->row;

	return (x > y) - (x < y);
}

/* A regression's page: figures, bounded scatter, histogram, examples */
static void
check_regression_page(void)
{
	enum
	{
	N = 5000};
	static const char label[] = "<b>los</b> & \"days\"";
	TinyModel	t;
	MrReportOptions o;
	MrReportScorer *s,
			   *rev;
	MrRegAcc   *ref;
	MrRegMetrics rm;
	MrReportInput extra;
	double	   *residual = malloc(sizeof(double) * N);
	double		worst = -1,
				lo,
				hi,
				hlo,
				width;
	int64_t		worst_row = 0,
				counts[MR_REPORT_HIST_BARS],
				want[MR_REPORT_HIST_BARS],
				total = 0;
	int			slot,
				ok = 1,
				n,
				bars,
				slots[MR_REPORT_MAX_EXAMPLES];
	MrReportPick picks[MR_REPORT_MAX_EXAMPLES];
	MrReportExample ex[MR_REPORT_MAX_EXAMPLES];
	MrReportToken toks[2] = {{"<img src=x onerror=alert(1)>", 28, 0.75}, {"stay", 4, -0.5}};
	const MrReportPoint *pts,
			   *rpts;
	MrReportPoint *a,
			   *b;
	char		secs[200],
			   *html,
			   *scatter,
			   *resid;
	const char *p;

	regression_model(&t, label);
	mr_report_options_parse(NULL, &o, NULL);
	o.examples = 4;
	mr_report_scorer_new(&t.m, &o, 1, &mr_malloc_allocator, &s);
	mr_report_scorer_new(&t.m, &o, 1, &mr_malloc_allocator, &rev);
	mr_reg_metrics_new(&mr_malloc_allocator, &ref);
	for (int i = 0; i < N; i++)
	{
		double		y = 3.5 + 2 * sin(i * 0.37) + (i % 11) * 0.05;
		float		out = (float) ((y - 3.5) / 2 + 0.15 * cos(i * 1.3));
		double		pred = mr_model_value(&t.m, out);

		ok &= mr_report_scorer_add_value(s, i + 1, &y, &out, &slot) == MR_OK;
		ok &= mr_reg_metrics_add(ref, y, pred) == MR_OK;
		residual[i] = pred - y;
		if (fabs(pred - y) > worst)
		{
			worst = fabs(pred - y);
			worst_row = i + 1;
		}
	}
	/* the same rows read in the other order */
	for (int i = N - 1; i >= 0; i--)
	{
		double		y = 3.5 + 2 * sin(i * 0.37) + (i % 11) * 0.05;
		float		out = (float) ((y - 3.5) / 2 + 0.15 * cos(i * 1.3));

		ok &= mr_report_scorer_add_value(rev, i + 1, &y, &out, &slot) == MR_OK;
	}
	mr_reg_metrics_finish(ref, &rm);
	MR_CHECK(ok, "a regression's rows are scored");

	n = mr_report_scorer_examples(s, slots, picks);
	for (int i = 0; i < n; i++)
	{
		memset(&ex[i], 0, sizeof(ex[i]));
		ex[i].pick = picks[i];
		ex[i].target = 0;
		ex[i].logit = picks[i].value_pred - t.m.target_mean;
		ex[i].baseline_logit = 0.1;
		ex[i].attr_sum = ex[i].logit - 0.1;
		ex[i].n_tokens = 2;
		ex[i].tokens = toks;
	}
	MR_CHECK(n == 4 && picks[0].row == worst_row && fabs(fabs(picks[0].value_pred - picks[0].value_true) - worst) < 1e-12 &&
			 fabs(picks[0].value_pred - picks[0].value_true) >= fabs(picks[3].value_pred - picks[3].value_true),
			 "errors first: the largest absolute error is row %lld (picked %lld)",
			 (long long) worst_row, (long long) picks[0].row);

	memset(&extra, 0, sizeof(extra));
	extra.skipped_null = 3;
	extra.skipped_nonfinite = 2;
	html = page_of(&t, &o, s, "stay", ex, n, N + 5, &extra);
	MR_CHECK(html != NULL, "a regression's page renders");
	if (!html)
		return;
	sections_of(html, secs, sizeof(secs));
	MR_CHECK(strcmp(secs, "card training metrics curves examples") == 0,
			 "a regression's sections: %s", secs);
	MR_CHECK(strstr(html, "data-chart=\"loss\"") && !strstr(html, "data-chart=\"accuracy\"") &&
			 strstr(html, "data-chart=\"scatter\"") && strstr(html, "data-chart=\"residuals\"") &&
			 !strstr(html, "data-chart=\"roc\"") && strstr(html, "data-table=\"target\"") &&
			 page_value(html, "target_mean") == 3.5 && page_value(html, "target_scale") == 2.0 &&
			 strstr(html, "Huber"),
			 "its plots: the loss (no accuracy), predictions against the truth, residuals; its target in the card");
	{
		int			same = page_value(html, "rows") == N && page_value(html, "skipped_null") == 3 &&
			page_value(html, "skipped_nonfinite") == 2 &&
			page_value(html, "rmse") == rm.rmse && page_value(html, "mae") == rm.mae &&
			page_value(html, "r2") == rm.r2 && page_value(html, "mean_true") == rm.mean_true &&
			page_value(html, "std_true") == rm.std_true && page_value(html, "mean_residual") == rm.mean_residual &&
			page_value(html, "max_abs_error") == rm.max_abs_error;

		for (int q = 0; q < MR_REG_QUANTILES; q++)
		{
			char		name[64];

			snprintf(name, sizeof(name), "residual_quantile_%g", mr_reg_quantile_levels[q]);
			same &= page_value(html, name) == rm.residual_quantile[q];
		}
		MR_CHECK(same, "figures on the page are the regression metrics' (RMSE %.17g), quantiles too", rm.rmse);
	}

	/* the scatter: a bounded, deterministic sample */
	scatter = chart_of(html, "scatter");
	n = mr_report_scorer_sample(s, &pts, &lo, &hi);
	MR_CHECK(scatter && count_of(scatter, "r=\"2.5\"") == MR_REPORT_MAX_POINTS && n == MR_REPORT_MAX_POINTS &&
			 page_value(html, "points") == MR_REPORT_MAX_POINTS && strstr(html, "A sample of"),
			 "%d rows plot as %d points, and the page says it is a sample", N, MR_REPORT_MAX_POINTS);
	a = malloc(sizeof(MrReportPoint) * MR_REPORT_MAX_POINTS);
	b = malloc(sizeof(MrReportPoint) * MR_REPORT_MAX_POINTS);
	memcpy(a, pts, sizeof(MrReportPoint) * MR_REPORT_MAX_POINTS);
	mr_report_scorer_sample(rev, &rpts, &lo, &hi);
	memcpy(b, rpts, sizeof(MrReportPoint) * MR_REPORT_MAX_POINTS);
	qsort(a, MR_REPORT_MAX_POINTS, sizeof(MrReportPoint), point_row_cmp);
	qsort(b, MR_REPORT_MAX_POINTS, sizeof(MrReportPoint), point_row_cmp);
	ok = 1;
	for (int i = 0; i < MR_REPORT_MAX_POINTS; i++)
		ok &= a[i].row == b[i].row && a[i].truth == b[i].truth && a[i].prediction == b[i].prediction;
	MR_CHECK(ok && a[0].row >= 1 && a[MR_REPORT_MAX_POINTS - 1].row <= N,
			 "the sample is the same rows whatever order they are read in");
	MR_CHECK(a[MR_REPORT_MAX_POINTS / 2].row > N / 4 && a[MR_REPORT_MAX_POINTS / 2].row < 3 * N / 4,
			 "and spread over the relation (median sampled row %lld of %d)",
			 (long long) a[MR_REPORT_MAX_POINTS / 2].row, N);
	free(a);
	free(b);

	/* the histogram: every row, recounted */
	bars = mr_report_scorer_residuals(s, &hlo, &width, counts);
	memset(want, 0, sizeof(want));
	ok = bars > 5 && bars <= MR_REPORT_HIST_BARS && width > 0 && frexp(width, &slot) == 0.5;
	for (int i = 0; i < N && ok; i++)
	{
		long		k = (long) (floor(residual[i] / width) - floor(hlo / width));

		ok = k >= 0 && k < bars;
		if (ok)
			want[k]++;
	}
	for (int i = 0; i < bars && ok; i++)
		ok = want[i] == counts[i];
	MR_CHECK(ok, "the residual histogram: %d bars of width %g (a power of two) from %g count every row", bars, width, hlo);
	resid = chart_of(html, "residuals");
	for (p = resid ? strstr(resid, "data-count=\"") : NULL; p; p = strstr(p + 1, "data-count=\""))
		total += strtoll(p + strlen("data-count=\""), NULL, 10);
	MR_CHECK(total == N && resid && strstr(resid, "data-mark=\"0\""), "its bars hold %lld rows, and 0 is marked", (long long) total);

	MR_CHECK(count_of(html, "<b>los") == 0 && count_of(html, "<img") == 0 &&
			 strstr(html, "&lt;b&gt;los&lt;/b&gt; &amp; &quot;days&quot;") &&
			 strstr(html, "&lt;img src=x onerror=alert(1)&gt;") && strstr(html, "&lt;i&gt;task"),
			 "the label, tokens and card are text, not markup");
	{
		const char *e1 = strstr(html, "data-example=\"1\"");
		char		key[64];

		snprintf(key, sizeof(key), "data-row=\"%lld\"", (long long) worst_row);
		MR_CHECK(e1 && strncmp(e1 + strlen("data-example=\"1\" "), key, strlen(key)) == 0 &&
				 strstr(e1, "toward a higher value") && strstr(e1, "data-attr=\"0.75\"") &&
				 strstr(html, "the largest errors first"),
				 "the first example is the worst row, coloured toward higher and lower values");
	}
	MR_CHECK(balanced(html), "a regression's markup is balanced");
	free(scatter);
	free(resid);
	free(html);
	mr_report_scorer_free(s);
	mr_report_scorer_free(rev);
	mr_reg_metrics_free(ref);

	/* without labels: no evaluation, the farthest predictions first */
	mr_report_scorer_new(&t.m, &o, 0, &mr_malloc_allocator, &s);
	for (int i = 0; i < 30; i++)
	{
		float		out = (float) ((i % 10) - 4.5) / 3;

		mr_report_scorer_add_value(s, i + 1, NULL, &out, &slot);
	}
	n = mr_report_scorer_examples(s, slots, picks);
	html = page_of(&t, &o, s, NULL, NULL, 0, 30, &extra);
	sections_of(html, secs, sizeof(secs));
	MR_CHECK(html && strcmp(secs, "card training examples") == 0 && n == 4 && picks[0].row == 1 &&
			 picks[1].row == 10 && picks[0].true_class == -1 && isnan(picks[0].value_true) &&
			 strstr(html, "without labels, the predictions farthest from the training mean first"),
			 "unlabelled: card, training and examples (%s), the farthest predictions first (rows %lld, %lld)",
			 secs, (long long) picks[0].row, (long long) picks[1].row);
	free(html);
	mr_report_scorer_free(s);

	/* residuals of exactly 0, before and after others */
	t.m.target_mean = 0;
	t.m.target_scale = 1;
	mr_report_scorer_new(&t.m, &o, 1, &mr_malloc_allocator, &s);
	for (int i = 0; i < 3; i++)
	{
		double		y = 0.5;
		float		out = 0.5f;

		mr_report_scorer_add_value(s, i + 1, &y, &out, &slot);
	}
	bars = mr_report_scorer_residuals(s, &hlo, &width, counts);
	ok = bars == 1 && counts[0] == 3 && hlo < 0 && hlo + width > 0;
	{
		double		y = 0.25;
		float		out = 0.5f;

		mr_report_scorer_add_value(s, 4, &y, &out, &slot);
		y = -1000;
		mr_report_scorer_add_value(s, 5, &y, &out, &slot);
	}
	bars = mr_report_scorer_residuals(s, &hlo, &width, counts);
	total = 0;
	for (int i = 0; i < bars; i++)
		total += counts[i];
	MR_CHECK(ok && total == 5 && bars <= MR_REPORT_HIST_BARS && hlo <= 0 && hlo + bars * width > 1000.5,
			 "all-zero residuals make one bar; with others they are kept as the bins widen (%d bars of %g)",
			 bars, width);
	{
		double		y = 1;
		float		out = NAN;

		MR_CHECK(mr_report_scorer_add_value(s, 6, &y, &out, &slot) == MR_EINVAL,
				 "a prediction that is not a number is refused");
	}
	mr_report_scorer_free(s);
	free(residual);
}

/* The escaped form of a label, as a data-class attribute */
static char *
class_key(const char *label)
{
	MrBuf		b;

	mr_buf_init(&b, &mr_malloc_allocator);
	mr_buf_puts(&b, "data-class=\"");
	mr_html_cstr(&b, label);
	mr_buf_puts(&b, "\"");
	return b.data;
}

/* A multi-label (or multitask, with unknown labels) model's page */
static void
check_multilabel_page(int task)
{
	enum
	{
	N = 400, K = 12};
	static const char *const labels[K] = {"<script>a</script>", "b & c", "\"q\"", "d", "e", "f", "g",
	"h", "i", "j", "k", "l'"};
	const char *name = task == MR_TASK_MULTITASK ? "multitask" : "multi-label";
	TinyModel	t;
	MrReportOptions o;
	MrReportScorer *s;
	MrMultiAcc *ref;
	MrMultiMetrics mm;
	MrReportInput extra;
	int8_t	   *truth = malloc((size_t) N * K);
	float	   *probs = malloc(sizeof(float) * N * K);
	int			slot,
				ok = 1,
				n,
				rows = 0,
				skipped = 0,
				max_wrong = 0,
				slots[MR_REPORT_MAX_EXAMPLES],
				top[10];
	MrReportPick picks[MR_REPORT_MAX_EXAMPLES];
	MrReportExample ex[MR_REPORT_MAX_EXAMPLES];
	MrReportToken toks[2] = {{"<img src=x>", 11, 0.5}, {"fever", 5, -0.25}};
	uint32_t	lcg = 12345;
	char		secs[200],
			   *html,
			   *roc;

	tiny_model(&t, K, labels);
	t.m.task = task;
	t.m.positive_class = -1;
	for (int k = 0; k < K; k++)
		t.thresholds[k] = 0.3f + 0.03f * k;
	t.m.thresholds = t.thresholds;
	mr_report_options_parse(NULL, &o, NULL);
	o.examples = 5;
	mr_report_scorer_new(&t.m, &o, 1, &mr_malloc_allocator, &s);
	mr_multi_metrics_new(&mr_malloc_allocator, K, t.thresholds, &ref);
	for (int i = 0; i < N; i++)
	{
		int8_t	   *y = truth + (size_t) i * K;
		float	   *p = probs + (size_t) i * K;
		int			known = 0,
					wrong = 0;

		for (int k = 0; k < K; k++)
		{
			lcg = lcg * 1103515245u + 12345u;
			/* label k is positive in about (k + 1) / 14 of the rows */
			y[k] = (int8_t) ((i * 5 + k * 3) % 14 <= k);
			if (task == MR_TASK_MULTITASK && ((i + k) % 5 == 0 || i % 37 == 0))
				y[k] = -1;
			p[k] = (float) ((y[k] == 1 ? 0.3 : 0.05) + 0.6 * ((lcg >> 8) % 1000) / 1000.0);
			known += y[k] >= 0;
			wrong += y[k] >= 0 && (p[k] >= t.thresholds[k]) != (y[k] == 1);
		}
		if (!known)
		{
			/* as the server: a row that knows no label is skipped and counted */
			skipped++;
			continue;
		}
		rows++;
		max_wrong = wrong > max_wrong ? wrong : max_wrong;
		ok &= mr_report_scorer_add_labels(s, i + 1, y, p, &slot) == MR_OK;
		ok &= mr_multi_metrics_add(ref, y, p) == MR_OK;
	}
	ok &= mr_multi_metrics_finish(ref, &mm) == MR_OK;
	MR_CHECK(ok && (task != MR_TASK_MULTITASK || skipped > 0), "%s: rows scored (%d skipped: no known label)", name, skipped);

	n = mr_report_scorer_examples(s, slots, picks);
	for (int i = 0; i < n; i++)
	{
		memset(&ex[i], 0, sizeof(ex[i]));
		ex[i].pick = picks[i];
		ex[i].target = picks[i].pred_class;
		ex[i].logit = 1.25;
		ex[i].attr_sum = 1.0;
		ex[i].n_tokens = 2;
		ex[i].tokens = toks;
	}
	{
		const MrReportPick *p0 = &picks[0];
		const float *p = probs + (size_t) (p0->row - 1) * K;
		const int8_t *y = truth + (size_t) (p0->row - 1) * K;
		int			argmax = 0,
					either = 0,
					sorted = 1,
					listed = 1;

		for (int k = 1; k < K; k++)
			argmax = p[k] > p[argmax] ? k : argmax;
		for (int k = 0; k < K; k++)
			either += y[k] == 1 || p[k] >= t.thresholds[k];
		for (int j = 1; j < p0->n_marks; j++)
			sorted &= p0->marks[j - 1].probability >= p0->marks[j].probability;
		for (int j = 0; j < p0->n_marks; j++)
			listed &= p[p0->marks[j].label] == p0->marks[j].probability && y[p0->marks[j].label] == p0->marks[j].truth;
		MR_CHECK(n == 5 && p0->wrong == max_wrong && p0->pred_class == argmax && p0->confidence == p[argmax] &&
				 p0->pred_truth == y[argmax] && p0->n_either == either &&
				 p0->n_marks == (either < MR_REPORT_MAX_MARKS ? either : MR_REPORT_MAX_MARKS) && sorted && listed,
				 "%s: the first example has the most wrong labels (%d), is explained toward its most probable label, "
				 "and lists its true or predicted labels by probability", name, max_wrong);
	}

	memset(&extra, 0, sizeof(extra));
	extra.skipped_unknown = skipped;
	extra.unseen_labels = 7;
	html = page_of(&t, &o, s, "findings", ex, n, N, &extra);
	MR_CHECK(html != NULL, "%s: the page renders", name);
	if (!html)
		return;
	sections_of(html, secs, sizeof(secs));
	MR_CHECK(strcmp(secs, "card training metrics curves examples") == 0 &&
			 strstr(html, "data-chart=\"loss\"") && strstr(html, "Label accuracy per epoch") &&
			 strstr(html, "data-table=\"labels\"") && strstr(html, "data-table=\"per_label\""),
			 "%s: sections %s; label accuracy per epoch; the labels' thresholds in the card", name, secs);
	MR_CHECK(page_value(html, "rows") == mm.rows && page_value(html, "known_labels") == mm.known &&
			 page_value(html, "skipped_unknown") == skipped && page_value(html, "unseen_labels") == 7 &&
			 page_value(html, "mean_roc_auc") == mm.mean_roc_auc && page_value(html, "mean_pr_auc") == mm.mean_pr_auc &&
			 page_value(html, "auc_labels") == mm.auc_labels &&
			 page_value(html, "micro_f1") == mm.micro_f1 && page_value(html, "macro_f1") == mm.macro_f1 &&
			 page_value(html, "example_f1") == mm.example_f1 && page_value(html, "subset_accuracy") == mm.subset_accuracy &&
			 page_value(html, "hamming_loss") == mm.hamming_loss && isfinite(mm.mean_roc_auc),
			 "%s: figures on the page are the multi-label metrics' (mean ROC-AUC %.17g)", name, mm.mean_roc_auc);
	{
		const char *table = strstr(html, "data-table=\"per_label\"");
		const char *card = strstr(html, "data-table=\"labels\"");
		int			equal = table != NULL && card != NULL;

		for (int k = 0; k < K && equal; k++)
		{
			char	   *key = class_key(labels[k]);
			const char *row = strstr(table, key),
					   *crow = strstr(card, key);

			equal = row && crow && page_value(row, "known") == mm.known_k[k] &&
				page_value(row, "positives") == mm.positives_k[k] && page_value(row, "predicted") == mm.predicted_k[k] &&
				page_value(row, "threshold") == t.thresholds[k] && page_value(crow, "threshold") == t.thresholds[k] &&
				same(page_value(row, "precision"), mm.precision[k]) && same(page_value(row, "recall"), mm.recall[k]) &&
				same(page_value(row, "f1"), mm.f1[k]) && same(page_value(row, "roc_auc"), mm.roc_auc[k]) &&
				same(page_value(row, "pr_auc"), mm.pr_auc[k]);
			if (!equal)
				mr_diag("label %d (%s) differs", k, key);
			free(key);
		}
		MR_CHECK(equal, "%s: the per-label table is the metrics' and the model's thresholds", name);
	}

	/* the curves: the 10 labels with the most positives, most first */
	for (int i = 0; i < 10; i++)
	{
		int			best = -1;

		for (int k = 0; k < K; k++)
		{
			int			taken = 0;

			for (int j = 0; j < i; j++)
				taken |= top[j] == k;
			if (!taken && isfinite(mm.roc_auc[k]) && (best < 0 || mm.positives_k[k] > mm.positives_k[best]))
				best = k;
		}
		top[i] = best;
	}
	roc = chart_of(html, "roc");
	{
		const char *auc = strstr(html, "data-table=\"auc\"");
		int			order = auc != NULL;

		for (int i = 0; i < 10 && order; i++)
		{
			char	   *key = class_key(labels[top[i]]);

			auc = strstr(auc, key);
			order = auc != NULL && page_value(auc, "roc_auc") == mm.roc_auc[top[i]];
			free(key);
		}
		MR_CHECK(roc && count_of(roc, "<polyline") == 10 && order && count_of(strstr(html, "data-table=\"auc\""), "<tr data-class") == 10,
				 "%s: ROC curves of the 10 labels (of %d) with the most positives, most first", name, K);
	}
	MR_CHECK(count_of(html, "<script") == 0 && count_of(html, "<img") == 0 && count_of(html, "\"q\"") == 0 &&
			 strstr(html, "&lt;script&gt;a&lt;/script&gt;") && strstr(html, "b &amp; c") &&
			 strstr(html, "&quot;q&quot;") && strstr(html, "l&#39;") && strstr(html, "&lt;img src=x&gt;"),
			 "%s: hostile label names and tokens are text, not markup", name);
	{
		const char *e1 = strstr(html, "data-example=\"1\"");
		char	   *key = class_key(labels[picks[0].pred_class]);
		MrBuf		want;

		mr_buf_init(&want, &mr_malloc_allocator);
		mr_buf_puts(&want, "Explained toward <b data-explained>");
		mr_html_cstr(&want, labels[picks[0].pred_class]);
		mr_buf_puts(&want, "</b>, its most probable label");
		MR_CHECK(e1 && strstr(e1, want.data) && strstr(e1, "class=\"badge wrong\"") && strstr(e1, "against <b>") &&
				 strstr(e1, "data-label=") && strstr(html, "the rows with the most wrong labels first"),
				 "%s: an example says which label it explains and lists the row's labels", name);
		mr_buf_free(&want);
		free(key);
	}
	MR_CHECK(!strstr(html, "data-section=\"confusion\"") && !strstr(html, "data-section=\"calibration\"") &&
			 !strstr(html, "data-section=\"thresholds\"") && balanced(html),
			 "%s: no classifier sections; markup balanced", name);
	free(roc);
	free(html);

	/* only the card, and a page without rows */
	o.sections = MR_REPORT_CARD;
	html = page_of(&t, &o, s, "findings", NULL, 0, N, &extra);
	sections_of(html, secs, sizeof(secs));
	MR_CHECK(html && strcmp(secs, "card") == 0 && !strstr(html, "<svg"), "%s: \"sections\" leaves the others out", name);
	free(html);
	mr_report_scorer_free(s);
	mr_multi_metrics_free(ref);
	o.sections = MR_REPORT_ALL;
	mr_report_scorer_new(&t.m, &o, 1, &mr_malloc_allocator, &s);
	html = page_of(&t, &o, s, "findings", NULL, 0, 0, &extra);
	MR_CHECK(html && strstr(html, "No row had both an input and a known label.") && balanced(html),
			 "%s: no row to score is said", name);
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
	check_regression_page();
	check_multilabel_page(MR_TASK_MULTILABEL);
	check_multilabel_page(MR_TASK_MULTITASK);
	mr_arena_free(&json_arena);
}
