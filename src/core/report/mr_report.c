/*
 * mr_report.c
 *	  The report page (see mr_report.h): a model card, training curves,
 *	  evaluation tables and plots, and explained examples, as one HTML
 *	  document with inline CSS and SVG.  A regression's and a multi-label
 *	  model's evaluation sections are in mr_report_targets.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mr_html.h"
#include "mr_report_page.h"
#include "mr_svg.h"
#include "mr_tokenize.h"

/* Longest list or table the card shows of one value; the rest is counted */
#define CARD_LIST_ITEMS 40
#define CARD_DEPTH 6
/* Nested objects with more members than this start folded */
#define CARD_OPEN_MEMBERS 8
/* Largest confusion matrix drawn */
#define MAX_HEATMAP_CLASSES 40

static const char *const page_css =
"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#1d1d1f;background:#fafafa}"
"main{max-width:1040px;margin:0 auto;padding:24px}"
"h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:0 0 12px;border-bottom:1px solid #ddd;padding-bottom:4px}"
"h3{font-size:1.05em;margin:16px 0 8px}"
"section{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:16px 20px;margin:16px 0}"
".sub{color:#555;margin:0 0 8px}.note{color:#555;font-size:.9em}"
"table{border-collapse:collapse;margin:6px 0;font-size:.92em}"
"th,td{border:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}"
"th{background:#f3f3f3;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}"
"table.kv td:first-child{color:#444;white-space:nowrap}"
".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:2px 16px;font-size:.92em}"
".grid>div{display:flex;gap:8px;border-bottom:1px solid #eee;padding:2px 0}.grid .k{color:#555;min-width:130px}"
".grid .v{overflow-wrap:anywhere}.grid .wide{grid-column:1/-1;display:block}"
"summary{cursor:pointer;color:#355}"
".charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{margin:0;flex:1 1 400px}"
"figcaption{font-size:.9em;color:#333;margin:4px 0}"
"svg.chart{width:100%;height:auto;font-family:inherit}"
".example{border-top:1px solid #eee;padding:10px 0}.example:first-of-type{border-top:0}"
".tokens{line-height:2;font-size:.95em}"
".tok{padding:2px 3px;margin:0 1px;border-radius:3px;white-space:pre-wrap}"
".tok.unread{color:#999;font-style:italic}"
".tok.null{color:#999}"
".badge{display:inline-block;padding:1px 6px;border-radius:3px;font-size:.85em;color:#fff}"
".badge.wrong{background:#b2182b}.badge.right{background:#2f7d32}.badge.unknown{background:#777}"
".mark{font-weight:600}.mark.wrong{color:#b2182b}.mark.right{color:#2f7d32}.mark.unknown{color:#555}"
".scale span{display:inline-block;width:28px;height:12px;vertical-align:middle}"
"footer{color:#777;font-size:.85em;margin:16px 0}";

/* ----------------------------------------------------------------------
 * Small writers
 */

/* A label of the model as escaped text */
void
mr_report_label(MrBuf *b, const MrModel *m, int k)
{
	if (k >= 0 && k < m->cfg.n_classes)
		mr_html_text(b, m->labels[k], m->label_len[k]);
	else
		mr_buf_puts(b, "(none)");
}

/* A NUL-terminated copy of s[0..n), for SVG names */
char *
mr_report_copy(const MrAllocator *a, const char *s, size_t n)
{
	char	   *c = mr_alloc(a, n + 1);

	if (c)
	{
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

/* What the model reads, in words */
static const char *
kind_name(const MrModel *m)
{
	if (m->input_kind == MR_INPUT_SERIES)
		return "measurement-sequence";
	if (m->input_kind == MR_INPUT_TOKENS)
		return "token-sequence";
	if (m->tokenizer == MR_TOKENIZER_SMILES)
		return "SMILES";
	if (m->tokenizer == MR_TOKENIZER_CHAR)
		return "character-level text";
	return "word-level text";
}

/* data-value="..." in full precision, or null when not finite */
void
mr_report_value_attr(MrBuf *b, double v, MrFormatDouble fmt)
{
	mr_buf_puts(b, " data-value=\"");
	mr_buf_json_number(b, v, fmt);
	mr_buf_putc(b, '"');
}

/* A table cell with a metric: name for tests, four decimals for people */
void
mr_report_metric_cell(MrBuf *b, const char *name, double v, MrFormatDouble fmt)
{
	mr_buf_printf(b, "<td class=\"num\" data-metric=\"%s\"", name);
	mr_report_value_attr(b, v, fmt);
	mr_buf_putc(b, '>');
	mr_html_number(b, v, 4);
	mr_buf_puts(b, "</td>");
}

/* A table cell with a count */
void
mr_report_count_cell(MrBuf *b, const char *name, int64_t v)
{
	mr_buf_printf(b, "<td class=\"num\" data-metric=\"%s\" data-value=\"%lld\">%lld</td>",
				  name, (long long) v, (long long) v);
}

/* A row of a two-column table: what it is, and the metric's cell */
void
mr_report_metric_row(MrBuf *b, const char *text, const char *name, double v, MrFormatDouble fmt)
{
	mr_buf_printf(b, "<tr><td>%s</td>", text);
	mr_report_metric_cell(b, name, v, fmt);
	mr_buf_puts(b, "</tr>\n");
}

/* The same for a count */
void
mr_report_count_row(MrBuf *b, const char *text, const char *name, int64_t v)
{
	mr_buf_printf(b, "<tr><td>%s</td>", text);
	mr_report_count_cell(b, name, v);
	mr_buf_puts(b, "</tr>\n");
}

/* Where the evaluation's rows come from */
void
mr_report_source(MrBuf *b, const MrReportInput *in)
{
	mr_buf_puts(b, "On the rows of <b>");
	mr_html_cstr(b, in->relation);
	mr_buf_puts(b, "</b> (input <b>");
	mr_html_cstr(b, in->input_col);
	mr_buf_puts(b, "</b>, label <b>");
	mr_html_cstr(b, in->label_col);
	mr_buf_puts(b, "</b>), as rnn_evaluate scores them.");
}

/* ----------------------------------------------------------------------
 * The card: rnn_model_info's document, shown generically
 */

static void json_value(MrBuf *b, const MrJson *v, int depth);

/* An array of objects as a table whose columns are the first one's keys */
static void
json_object_rows(MrBuf *b, const MrJson *v, int depth)
{
	const MrJson *first = &v->items[0];

	mr_buf_puts(b, "<table><tr>");
	for (int c = 0; c < first->n; c++)
	{
		mr_buf_puts(b, "<th>");
		mr_html_text(b, first->keys[c], first->key_lens[c]);
		mr_buf_puts(b, "</th>");
	}
	mr_buf_puts(b, "</tr>\n");
	for (int r = 0; r < v->n && r < CARD_LIST_ITEMS; r++)
	{
		mr_buf_puts(b, "<tr>");
		for (int c = 0; c < first->n; c++)
		{
			const MrJson *cell = v->items[r].type == MR_JSON_OBJECT ?
				mr_json_member(&v->items[r], first->keys[c]) : NULL;

			mr_buf_puts(b, "<td>");
			if (cell)
				json_value(b, cell, depth + 1);
			mr_buf_puts(b, "</td>");
		}
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>");
	if (v->n > CARD_LIST_ITEMS)
		mr_buf_printf(b, "<span class=\"note\">and %d more</span>", v->n - CARD_LIST_ITEMS);
}

/* An object as a key/value table */
static void
json_object(MrBuf *b, const MrJson *v, int depth, const char *skip)
{
	mr_buf_puts(b, "<table class=\"kv\">\n");
	for (int i = 0; i < v->n; i++)
	{
		if (skip && strcmp(v->keys[i], skip) == 0)
			continue;
		mr_buf_puts(b, "<tr><td>");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "</td><td data-key=\"");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "\">");
		json_value(b, &v->items[i], depth + 1);
		mr_buf_puts(b, "</td></tr>\n");
	}
	mr_buf_puts(b, "</table>");
}

/* Any JSON value as HTML */
static void
json_value(MrBuf *b, const MrJson *v, int depth)
{
	switch (v->type)
	{
		case MR_JSON_NULL:
			mr_buf_puts(b, "<span class=\"note\">null</span>");
			return;
		case MR_JSON_BOOL:
			mr_buf_puts(b, v->boolean ? "true" : "false");
			return;
		case MR_JSON_NUMBER:
		case MR_JSON_STRING:
			mr_html_text(b, v->text, v->len);
			return;
		case MR_JSON_ARRAY:
			if (v->n == 0)
			{
				mr_buf_puts(b, "<span class=\"note\">none</span>");
				return;
			}
			if (depth < CARD_DEPTH && v->items[0].type == MR_JSON_OBJECT && v->items[0].n > 0)
			{
				json_object_rows(b, v, depth);
				return;
			}
			for (int i = 0; i < v->n && i < CARD_LIST_ITEMS; i++)
			{
				if (i)
					mr_buf_puts(b, ", ");
				if (depth < CARD_DEPTH || (v->items[i].type != MR_JSON_ARRAY && v->items[i].type != MR_JSON_OBJECT))
					json_value(b, &v->items[i], depth + 1);
				else
					mr_buf_puts(b, "\xE2\x80\xA6");
			}
			if (v->n > CARD_LIST_ITEMS)
				mr_buf_printf(b, " <span class=\"note\">and %d more</span>", v->n - CARD_LIST_ITEMS);
			return;
		case MR_JSON_OBJECT:
			if (depth >= CARD_DEPTH)
				mr_buf_puts(b, "\xE2\x80\xA6");
			else if (v->n > CARD_OPEN_MEMBERS)
			{
				/* a long object (the options) folds: no script needed */
				mr_buf_printf(b, "<details><summary>%d settings</summary>", v->n);
				json_object(b, v, depth, NULL);
				mr_buf_puts(b, "</details>");
			}
			else
				json_object(b, v, depth, NULL);
			return;
	}
}

/* An object's members as a grid of name/value cells; nested objects and tables span the grid */
static void
json_grid(MrBuf *b, const MrJson *v, const char *skip)
{
	mr_buf_puts(b, "<div class=\"grid\">\n");
	for (int i = 0; i < v->n; i++)
	{
		const MrJson *item = &v->items[i];
		int			wide = item->type == MR_JSON_OBJECT ||
			(item->type == MR_JSON_ARRAY && item->n > 0 && item->items[0].type == MR_JSON_OBJECT);

		if (skip && strcmp(v->keys[i], skip) == 0)
			continue;
		mr_buf_printf(b, "<div%s><span class=\"k\">", wide ? " class=\"wide\"" : "");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "</span> <span class=\"v\" data-key=\"");
		mr_html_text(b, v->keys[i], v->key_lens[i]);
		mr_buf_puts(b, "\">");
		json_value(b, item, 1);
		mr_buf_puts(b, "</span></div>\n");
	}
	mr_buf_puts(b, "</div>");
}

/* What a model that does not classify predicts: its target, or its labels and thresholds */
static void
task_table(MrBuf *b, const MrReportInput *in)
{
	const MrModel *m = in->model;

	if (m->task == MR_TASK_REGRESSION)
	{
		mr_buf_puts(b, "<h3>Target</h3>\n<table class=\"kv\" data-table=\"target\">\n"
					"<tr><td>task</td><td data-metric=\"task\">regression</td></tr>\n<tr><td>label</td><td>");
		mr_report_label(b, m, 0);
		mr_buf_printf(b, "</td></tr>\n<tr><td>loss</td><td data-metric=\"loss\">%s</td></tr>\n",
					  m->loss == MR_LOSS_HUBER ? "Huber (on standardised targets)" : "squared error (on standardised targets)");
		mr_report_metric_row(b, "target mean (training rows)", "target_mean", m->target_mean, in->fmt);
		mr_report_metric_row(b, "target scale (their standard deviation)", "target_scale", m->target_scale, in->fmt);
		mr_buf_puts(b, "</table>\n<p class=\"note\">The network predicts (value - mean) / scale; "
					"predictions and attributions are shown in the label's units.</p>\n");
		return;
	}
	mr_buf_printf(b, "<h3>Labels</h3>\n<p class=\"sub\">A %s model: one sigmoid per label, "
				  "which is predicted when its probability is at least its threshold%s.</p>\n"
				  "<table data-table=\"labels\"><tr><th>label</th><th>threshold</th></tr>\n",
				  m->task == MR_TASK_MULTITASK ? "multitask" : "multi-label",
				  m->task == MR_TASK_MULTITASK ? "; a row that does not give a label leaves it unknown" : "");
	for (int k = 0; k < m->cfg.n_classes; k++)
	{
		mr_buf_puts(b, "<tr data-class=\"");
		mr_report_label(b, m, k);
		mr_buf_puts(b, "\"><td>");
		mr_report_label(b, m, k);
		mr_buf_puts(b, "</td>");
		mr_report_metric_cell(b, "threshold", m->thresholds[k], in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n");
}

/* The model: rnn_model_info's document, its task, and the lineage */
static void
card_section(MrBuf *b, const MrReportInput *in)
{
	mr_buf_puts(b, "<section id=\"card\" data-section=\"card\"><h2>Model</h2>\n");
	if (in->info && in->info->type == MR_JSON_OBJECT)
		/* the epochs are the training section's */
		json_grid(b, in->info, "epochs");
	if (in->model->task != MR_TASK_CLASSIFICATION)
		task_table(b, in);
	if (in->opts->lineage)
	{
		mr_buf_puts(b, "<h3>Lineage</h3>\n");
		json_grid(b, in->opts->lineage, NULL);
	}
	mr_buf_puts(b, "</section>\n");
}

/* ----------------------------------------------------------------------
 * Training curves
 */

/* Loss (and accuracy) per epoch, training and validation, the kept epoch marked */
static void
training_section(MrBuf *b, const MrReportInput *in)
{
	const MrModel *m = in->model;
	const MrAllocator *a = b->a;
	int			n = m->n_epochs,
				has_val = 0;
	double	   *x = mr_alloc(a, sizeof(double) * 5 * (size_t) n);
	MrSvgSeries s[2];
	MrSvgChart	c;
	char		mark[64];

	if (!x)
	{
		b->failed = 1;
		return;
	}
	for (int e = 0; e < n; e++)
	{
		x[e] = e + 1;
		x[n + e] = m->epochs[e].loss;
		x[2 * n + e] = m->epochs[e].val_loss;
		x[3 * n + e] = m->epochs[e].accuracy;
		x[4 * n + e] = m->epochs[e].val_accuracy;
		has_val |= isfinite(m->epochs[e].val_loss);
	}
	mr_buf_puts(b, "<section id=\"training\" data-section=\"training\"><h2>Training</h2>\n<p class=\"sub\">");
	mr_buf_printf(b, "%d epoch%s on %llu rows", n, n == 1 ? "" : "s", (unsigned long long) m->train_rows);
	if (m->val_rows)
		mr_buf_printf(b, ", %llu held out for validation", (unsigned long long) m->val_rows);
	if (m->best_epoch > 0)
		mr_buf_printf(b, "; the weights of epoch <span data-metric=\"best_epoch\">%d</span> were kept%s",
					  m->best_epoch, m->stopped_early ? " (stopped early)" : "");
	mr_buf_puts(b, ".</p>\n");
	if (m->task == MR_TASK_REGRESSION)
		mr_buf_printf(b, "<p class=\"note\">The loss is the %s of the standardised targets; a regression has no accuracy.</p>\n",
					  m->loss == MR_LOSS_HUBER ? "Huber loss" : "mean squared error");
	else if (m->task != MR_TASK_CLASSIFICATION)
		mr_buf_puts(b, "<p class=\"note\">The loss is the binary cross-entropy per label (unknown labels count nothing); "
					"label accuracy is each row's share of known labels called right at probability 0.5, averaged over the rows.</p>\n");
	mr_buf_puts(b, "<div class=\"charts\">\n");
	snprintf(mark, sizeof(mark), "kept: epoch %d", m->best_epoch);
	memset(&c, 0, sizeof(c));
	c.x_label = "epoch";
	c.x_min = n > 1 ? 1 : 0;
	c.x_max = n > 1 ? n : 2;
	c.series = s;
	c.n_series = has_val ? 2 : 1;
	c.mark_x = m->best_epoch > 0 ? m->best_epoch : NAN;
	c.mark_label = mark;
	/* a regression's accuracy is NaN: its page has the loss alone */
	for (int panel = 0; panel < (m->task == MR_TASK_REGRESSION ? 1 : 2); panel++)
	{
		int			labels = m->task != MR_TASK_CLASSIFICATION;

		s[0] = (MrSvgSeries) {"training", x, x + (panel ? 3 : 1) * n, n, 0, 0, n <= 40};
		s[1] = (MrSvgSeries) {"validation", x, x + (panel ? 4 : 2) * n, n, 1, 1, n <= 40};
		c.id = panel ? "accuracy" : "loss";
		c.title = panel ? (labels ? "Label accuracy per epoch" : "Accuracy per epoch") : "Loss per epoch";
		c.y_label = panel ? (labels ? "label accuracy" : "accuracy") : "loss";
		c.y_min = panel ? 0 : NAN;
		c.y_max = panel ? 1 : NAN;
		if (!panel)
			c.y_min = 0;
		mr_buf_printf(b, "<figure><figcaption>%s</figcaption>\n", c.title);
		mr_svg_line_chart(b, &c);
		mr_buf_puts(b, "</figure>\n");
	}
	mr_buf_puts(b, "</div>\n</section>\n");
	mr_free(a, x);
}

/* ----------------------------------------------------------------------
 * Evaluation: metrics, confusion matrix, curves, calibration, thresholds
 */

/* A classifier's evaluation: rnn_evaluate's figures and the per-class table */
static void
metrics_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrModel *m = in->model;

	mr_buf_puts(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2>\n<p class=\"sub\">");
	mr_report_source(b, in);
	mr_buf_puts(b, "</p>\n<table class=\"kv\">\n");
	mr_report_count_row(b, "rows scored", "rows", mt->rows);
	mr_report_count_row(b, "rows skipped: NULL input or label", "skipped_null", in->skipped_null);
	mr_report_count_row(b, "rows skipped: a label the model was not trained on", "unseen_label_rows", in->unseen_label_rows);
	mr_report_metric_row(b, "accuracy", "accuracy", mt->accuracy, in->fmt);
	mr_report_metric_row(b, "macro F1", "macro_f1", mt->macro_f1, in->fmt);
	mr_report_metric_row(b, "weighted F1", "weighted_f1", mt->weighted_f1, in->fmt);
	mr_report_metric_row(b, "log loss", "log_loss", mt->log_loss, in->fmt);
	if (mt->positive_class >= 0)
	{
		mr_buf_puts(b, "<tr><td>positive label</td><td data-metric=\"positive_label\">");
		mr_report_label(b, m, mt->positive_class);
		mr_buf_puts(b, "</td></tr>\n");
		mr_report_count_row(b, "positives", "positives", mt->positives);
		mr_report_metric_row(b, "ROC-AUC", "roc_auc", mt->roc_auc, in->fmt);
		mr_report_metric_row(b, "PR-AUC (average precision)", "pr_auc", mt->pr_auc, in->fmt);
		mr_report_metric_row(b, "Brier score", "brier", mt->brier, in->fmt);
	}
	mr_buf_puts(b, "</table>\n<h3>Per class</h3>\n<table data-table=\"per_class\"><tr><th>label</th>"
				"<th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th></tr>\n");
	for (int k = 0; k < mt->K; k++)
	{
		mr_buf_puts(b, "<tr data-class=\"");
		mr_report_label(b, m, k);
		mr_buf_puts(b, "\"><td>");
		mr_report_label(b, m, k);
		mr_buf_puts(b, "</td>");
		mr_report_metric_cell(b, "precision", mt->precision[k], in->fmt);
		mr_report_metric_cell(b, "recall", mt->recall[k], in->fmt);
		mr_report_metric_cell(b, "f1", mt->f1[k], in->fmt);
		mr_report_count_cell(b, "support", mt->support[k]);
		mr_report_count_cell(b, "predicted", mt->predicted[k]);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
}

/* The confusion matrix as a heat map, and as a table */
static void
confusion_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrAllocator *a = b->a;
	int			K = mt->K;
	size_t		cells = (size_t) K * K;
	int64_t    *count;
	double	   *shade;
	char	  **names,
			  **text,
			  **title;
	MrSvgHeatmap h;

	mr_buf_puts(b, "<section id=\"confusion\" data-section=\"confusion\"><h2>Confusion matrix</h2>\n");
	if (K > MAX_HEATMAP_CLASSES)
	{
		mr_buf_printf(b, "<p class=\"note\">%d classes are too many to draw; rnn_evaluate lists the matrix's cells.</p>\n</section>\n", K);
		return;
	}
	count = mr_alloc0(a, sizeof(int64_t) * cells);
	shade = mr_alloc(a, sizeof(double) * cells);
	names = mr_alloc0(a, sizeof(char *) * (size_t) K);
	text = mr_alloc0(a, sizeof(char *) * cells);
	title = mr_alloc0(a, sizeof(char *) * cells);
	if (!count || !shade || !names || !text || !title)
	{
		b->failed = 1;
		return;
	}
	for (int64_t i = 0; i < mt->n_confusion; i++)
		count[(size_t) mt->confusion[i].true_class * K + mt->confusion[i].pred_class] = mt->confusion[i].count;
	for (int k = 0; k < K; k++)
		names[k] = mr_report_copy(a, in->model->labels[k], in->model->label_len[k]);
	for (int t = 0; t < K; t++)
		for (int p = 0; p < K; p++)
		{
			size_t		i = (size_t) t * K + p;
			int64_t		row = mt->support[t];
			MrBuf		cb;

			/* shaded by the share of the true class's rows: recall on the diagonal */
			shade[i] = row > 0 ? (double) count[i] / row : NAN;
			mr_buf_init(&cb, a);
			mr_buf_printf(&cb, "%lld", (long long) count[i]);
			text[i] = cb.data;
			mr_buf_init(&cb, a);
			mr_buf_printf(&cb, "true %s, predicted %s: %lld rows", names[t] ? names[t] : "",
						  names[p] ? names[p] : "", (long long) count[i]);
			if (row > 0)
				mr_buf_printf(&cb, " (%.1f%% of %s)", 100.0 * count[i] / row, names[t] ? names[t] : "");
			title[i] = cb.data;
			if (!names[t] || !names[p] || !text[i] || !title[i])
				b->failed = 1;
		}
	if (!b->failed)
	{
		h = (MrSvgHeatmap) {"confusion", "Confusion matrix: rows are true labels, columns predicted ones",
			"true label", "predicted label", K, K, (const char *const *) names, (const char *const *) names,
		shade, 0, (const char *const *) text, (const char *const *) title};
		mr_buf_puts(b, "<p class=\"sub\">Rows are the true labels, columns the predicted ones; each cell holds its row count and is shaded by its share of the true label's rows (the diagonal is each class's recall).</p>\n");
		mr_svg_heatmap(b, &h);
		/* the counts as a table too, for tests and screen readers */
		mr_buf_puts(b, "<table data-table=\"confusion\" class=\"note\"><tr><th>true \\ predicted</th>");
		for (int p = 0; p < K; p++)
		{
			mr_buf_puts(b, "<th>");
			mr_html_cstr(b, names[p]);
			mr_buf_puts(b, "</th>");
		}
		mr_buf_puts(b, "</tr>\n");
		for (int t = 0; t < K; t++)
		{
			mr_buf_puts(b, "<tr><th>");
			mr_html_cstr(b, names[t]);
			mr_buf_puts(b, "</th>");
			for (int p = 0; p < K; p++)
				mr_buf_printf(b, "<td class=\"num\" data-cell=\"%d,%d\">%lld</td>", t, p,
							  (long long) count[(size_t) t * K + p]);
			mr_buf_puts(b, "</tr>\n");
		}
		mr_buf_puts(b, "</table>\n");
	}
	mr_buf_puts(b, "</section>\n");
	for (size_t i = 0; i < cells; i++)
	{
		mr_free(a, text[i]);
		mr_free(a, title[i]);
	}
	for (int k = 0; k < K; k++)
		mr_free(a, names[k]);
	mr_free(a, count);
	mr_free(a, shade);
	mr_free(a, names);
	mr_free(a, text);
	mr_free(a, title);
}

/* A curve's legend: its label and an area ("AUC 0.912"), from a */
static char *
legend(const MrAllocator *a, const MrModel *m, int cls, const char *area, double v)
{
	MrBuf		nb;

	mr_buf_init(&nb, a);
	mr_buf_append(&nb, m->labels[cls], m->label_len[cls]);
	if (isfinite(v))
		mr_buf_printf(&nb, " (%s %.3f)", area, v);
	else
		mr_buf_printf(&nb, " (%s undefined)", area);
	return nb.data;
}

/* Copy a class's points and name its curves; see mr_report_page.h */
int
mr_report_curve_set(const MrAllocator *a, const MrModel *m, MrReportCurve *c,
					const MrRocPoint *points, int64_t n)
{
	c->n = n;
	c->fpr = mr_alloc(a, sizeof(double) * 3 * (size_t) (n + 1));
	c->name = legend(a, m, c->cls, "AUC", c->roc_auc);
	c->pr_name = legend(a, m, c->cls, "AP", c->pr_auc);
	if (!c->fpr || !c->name || !c->pr_name)
	{
		mr_free(a, c->fpr);
		mr_free(a, c->name);
		mr_free(a, c->pr_name);
		c->fpr = NULL;
		c->name = c->pr_name = NULL;
		return 0;
	}
	c->tpr = c->fpr + n;
	c->precision = c->tpr + n;
	for (int64_t p = 0; p < n; p++)
	{
		c->fpr[p] = points[p].fpr;
		c->tpr[p] = points[p].tpr;
		c->precision[p] = points[p].precision;
	}
	return 1;
}

/* The curves' charts and areas; see mr_report_page.h */
void
mr_report_curves_draw(MrBuf *b, const MrReportInput *in, MrReportCurve *cv, int n)
{
	const MrModel *m = in->model;
	MrSvgSeries s[MR_REPORT_MAX_CURVES];
	MrSvgChart	c;

	mr_buf_puts(b, "<div class=\"charts\">\n<figure><figcaption>ROC curve</figcaption>\n");
	memset(&c, 0, sizeof(c));
	c.x_min = c.y_min = 0;
	c.x_max = c.y_max = 1;
	c.mark_x = NAN;
	c.series = s;
	c.n_series = n;
	for (int i = 0; i < n; i++)
		s[i] = (MrSvgSeries) {cv[i].name, cv[i].fpr, cv[i].tpr, cv[i].n, i, 0, 0};
	c.id = "roc";
	c.title = "ROC curve";
	c.x_label = "false positive rate (1 - specificity)";
	c.y_label = "true positive rate (sensitivity)";
	c.diagonal = 1;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n<figure><figcaption>Precision-recall curve</figcaption>\n");
	for (int i = 0; i < n; i++)
	{
		/* the first point (nothing predicted positive) has no recall to draw */
		s[i] = (MrSvgSeries) {cv[i].pr_name, cv[i].tpr + 1, cv[i].precision + 1, cv[i].n - 1, i, 0, 0};
	}
	c.id = "pr";
	c.title = "Precision-recall curve";
	c.x_label = "recall (sensitivity)";
	c.y_label = "precision (positive predictive value)";
	c.diagonal = 0;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n</div>\n<table data-table=\"auc\"><tr><th>label</th><th>ROC-AUC</th><th>PR-AUC</th></tr>\n");
	for (int i = 0; i < n; i++)
	{
		mr_buf_puts(b, "<tr data-class=\"");
		mr_report_label(b, m, cv[i].cls);
		mr_buf_puts(b, "\"><td>");
		mr_report_label(b, m, cv[i].cls);
		mr_buf_puts(b, "</td>");
		mr_report_metric_cell(b, "roc_auc", cv[i].roc_auc, in->fmt);
		mr_report_metric_cell(b, "pr_auc", cv[i].pr_auc, in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n");
	for (int i = 0; i < n; i++)
	{
		mr_free(b->a, cv[i].fpr);
		mr_free(b->a, cv[i].name);
		mr_free(b->a, cv[i].pr_name);
	}
}

/* A classifier's ROC and precision-recall curves: the positive class, or each class against the rest */
static void
curves_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrAllocator *a = b->a;
	const MrModel *m = in->model;
	MrReportCurve cv[MR_REPORT_MAX_CURVES];
	const MrRocPoint *pts;
	int64_t		n_pts;
	int			n = 0;

	mr_buf_puts(b, "<section id=\"curves\" data-section=\"curves\"><h2>ROC and precision-recall curves</h2>\n");
	if (mt->positive_class >= 0)
	{
		cv[0].cls = mt->positive_class;
		cv[0].roc_auc = mt->roc_auc;
		cv[0].pr_auc = mt->pr_auc;
		if (mr_roc_curve(mr_report_scorer_metrics(in->scorer), &pts, &n_pts) != MR_OK ||
			!mr_report_curve_set(a, m, &cv[0], pts, n_pts))
			b->failed = 1;
		else
			n++;
	}
	else
		for (int k = 0; mr_report_scorer_one_vs_rest(in->scorer, k); k++)
		{
			MrMetricsAcc *acc = mr_report_scorer_one_vs_rest(in->scorer, k);
			MrMetrics	one;

			cv[n].cls = k;
			if (mr_metrics_finish(acc, &one) != MR_OK ||
				mr_roc_curve(acc, &pts, &n_pts) != MR_OK)
			{
				b->failed = 1;
				break;
			}
			cv[n].roc_auc = one.roc_auc;
			cv[n].pr_auc = one.pr_auc;
			if (!mr_report_curve_set(a, m, &cv[n], pts, n_pts))
			{
				b->failed = 1;
				break;
			}
			n++;
		}
	if (n == 0)
	{
		if (!b->failed)
			mr_buf_printf(b, "<p class=\"note\">%d classes: one-vs-rest curves are drawn for up to %d.</p>\n",
						  mt->K, MR_REPORT_MAX_CURVES);
		mr_buf_puts(b, "</section>\n");
		return;
	}
	mr_buf_puts(b, "<p class=\"sub\">");
	if (mt->positive_class >= 0)
	{
		mr_buf_puts(b, "Positive label <b>");
		mr_report_label(b, m, mt->positive_class);
		mr_buf_puts(b, "</b>.");
	}
	else
		mr_buf_puts(b, "Each class against the rest.");
	mr_buf_puts(b, "</p>\n");
	mr_report_curves_draw(b, in, cv, n);
	mr_buf_puts(b, "</section>\n");
}

/* The reliability diagram of a binary model */
static void
calibration_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	double		x[MR_CALIBRATION_BINS],
				y[MR_CALIBRATION_BINS];
	int			n = 0;
	MrSvgSeries s;
	MrSvgChart	c;

	for (int i = 0; i < MR_CALIBRATION_BINS; i++)
		if (mt->calibration[i].count > 0)
		{
			x[n] = mt->calibration[i].mean_score;
			y[n] = mt->calibration[i].frac_positive;
			n++;
		}
	mr_buf_puts(b, "<section id=\"calibration\" data-section=\"calibration\"><h2>Calibration</h2>\n<p class=\"sub\">"
				"Rows binned by the predicted probability of <b>");
	mr_report_label(b, in->model, mt->positive_class);
	mr_buf_puts(b, "</b> (ten bins of width 0.1): the mean prediction of each bin against the share of its rows that are positive.  On the diagonal, a predicted 30 % comes true 30 % of the time.  Brier score ");
	mr_buf_puts(b, "<span data-metric=\"brier\"");
	mr_report_value_attr(b, mt->brier, in->fmt);
	mr_buf_putc(b, '>');
	mr_html_number(b, mt->brier, 4);
	mr_buf_puts(b, "</span>.</p>\n<div class=\"charts\"><figure>\n");
	memset(&c, 0, sizeof(c));
	s = (MrSvgSeries) {"model", x, y, n, 0, 0, 1};
	c.id = "calibration";
	c.title = "Reliability diagram";
	c.x_label = "mean predicted probability";
	c.y_label = "fraction of positives";
	c.x_min = c.y_min = 0;
	c.x_max = c.y_max = 1;
	c.diagonal = 1;
	c.mark_x = NAN;
	c.series = &s;
	c.n_series = 1;
	mr_svg_line_chart(b, &c);
	mr_buf_puts(b, "</figure>\n<figure><table data-table=\"calibration\"><tr><th>bin</th><th>rows</th><th>mean predicted</th><th>fraction positive</th></tr>\n");
	for (int i = 0; i < MR_CALIBRATION_BINS; i++)
	{
		mr_buf_printf(b, "<tr><td>%.1f\xE2\x80\x93%.1f</td>", i * 0.1, (i + 1) * 0.1);
		mr_report_count_cell(b, "count", mt->calibration[i].count);
		mr_report_metric_cell(b, "mean_predicted", mt->calibration[i].mean_score, in->fmt);
		mr_report_metric_cell(b, "fraction_positive", mt->calibration[i].frac_positive, in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table></figure></div>\n</section>\n");
}

/* A binary model's figures at thresholds 0.1 ... 0.9 */
static void
thresholds_section(MrBuf *b, const MrReportInput *in, const MrMetrics *mt)
{
	const MrRocPoint *pts;
	int64_t		n_pts,
				P = mt->positives,
				N = mt->rows - mt->positives;

	if (mr_roc_curve(mr_report_scorer_metrics(in->scorer), &pts, &n_pts) != MR_OK)
	{
		b->failed = 1;
		return;
	}
	mr_buf_puts(b, "<section id=\"thresholds\" data-section=\"thresholds\"><h2>Decision thresholds</h2>\n<p class=\"sub\">"
				"Rows whose probability of <b>");
	mr_report_label(b, in->model, mt->positive_class);
	mr_buf_puts(b, "</b> is at least the threshold are called positive (rnn_predict calls the most probable label, which for two classes is a threshold of 0.5).</p>\n"
				"<table data-table=\"thresholds\"><tr><th>threshold</th><th>called positive</th><th>true positives</th>"
				"<th>sensitivity (recall)</th><th>specificity</th><th>precision</th><th>F1</th></tr>\n");
	for (int i = 1; i <= 9; i++)
	{
		double		t = i / 10.0,
					tpr = 0,
					fpr = 0,
					precision = NAN,
					f1;
		int64_t		tp,
					fp;

		/* the curve runs from the highest threshold down: take the last point at or above t */
		for (int64_t p = 1; p < n_pts && pts[p].threshold >= t; p++)
		{
			tpr = pts[p].tpr;
			fpr = pts[p].fpr;
			precision = pts[p].precision;
		}
		tp = P > 0 && isfinite(tpr) ? llround(tpr * P) : 0;
		fp = N > 0 && isfinite(fpr) ? llround(fpr * N) : 0;
		f1 = isfinite(precision) && isfinite(tpr) && precision + tpr > 0 ?
			2 * precision * tpr / (precision + tpr) : NAN;
		mr_buf_printf(b, "<tr data-threshold=\"%.1f\"><td class=\"num\">%.1f</td>", t, t);
		mr_report_count_cell(b, "called_positive", tp + fp);
		mr_report_count_cell(b, "true_positives", tp);
		mr_report_metric_cell(b, "sensitivity", P > 0 ? tpr : NAN, in->fmt);
		mr_report_metric_cell(b, "specificity", N > 0 ? 1 - fpr : NAN, in->fmt);
		mr_report_metric_cell(b, "precision", tp + fp > 0 ? precision : NAN, in->fmt);
		mr_report_metric_cell(b, "f1", f1, in->fmt);
		mr_buf_puts(b, "</tr>\n");
	}
	mr_buf_puts(b, "</table>\n</section>\n");
}

/* ----------------------------------------------------------------------
 * Examples
 */

/* The diverging scale's key */
static void
colour_key(MrBuf *b, const MrModel *m, int target)
{
	int			task = m->task;

	if (task == MR_TASK_REGRESSION)
		mr_buf_puts(b, "<p class=\"scale note\">toward a lower value ");
	else if (task == MR_TASK_CLASSIFICATION)
		mr_buf_puts(b, "<p class=\"scale note\">toward other labels ");
	else
	{
		mr_buf_puts(b, "<p class=\"scale note\">against <b>");
		mr_report_label(b, m, target);
		mr_buf_puts(b, "</b> ");
	}
	for (int i = -4; i <= 4; i++)
	{
		char		col[8];

		mr_svg_diverging(i / 4.0, col);
		mr_buf_printf(b, "<span style=\"background:%s\"></span>", col);
	}
	if (task == MR_TASK_REGRESSION)
		mr_buf_puts(b, " toward a higher value");
	else
	{
		mr_buf_puts(b, " toward <b>");
		mr_report_label(b, m, target);
		mr_buf_puts(b, "</b>");
	}
	mr_buf_puts(b, m->input_kind == MR_INPUT_SERIES ? "; grey: time bins the model did not read.</p>\n" :
				"; grey italics: not read by the model (unknown, or beyond maxlen).</p>\n");
}

/*
 * Tokens coloured by attribution, scaled by the example's largest
 * |attribution|.  Words and given tokens are set apart by spaces;
 * characters and SMILES units are not (a space is a token of its own).
 */
static void
token_row(MrBuf *b, const MrModel *m, const MrReportExample *e)
{
	double		scale = 0;
	const char *sep = m->input_kind == MR_INPUT_TEXT && m->tokenizer != MR_TOKENIZER_WORD ? "" : " ";

	for (int64_t i = 0; i < e->n_tokens; i++)
		if (isfinite(e->tokens[i].attr) && fabs(e->tokens[i].attr) > scale)
			scale = fabs(e->tokens[i].attr);
	mr_buf_puts(b, "<div class=\"tokens\">");
	for (int64_t i = 0; i < e->n_tokens && i < MR_REPORT_MAX_TOKENS; i++)
	{
		const MrReportToken *t = &e->tokens[i];

		if (!t->text)
		{
			mr_buf_puts(b, "<span class=\"tok null\" title=\"NULL\">NULL</span>");
			mr_buf_puts(b, sep);
		}
		else if (!isfinite(t->attr))
		{
			mr_buf_puts(b, "<span class=\"tok unread\" title=\"not read\">");
			mr_html_text(b, t->text, t->len);
			mr_buf_puts(b, "</span>");
			mr_buf_puts(b, sep);
		}
		else
		{
			double		v = scale > 0 ? t->attr / scale : 0;
			char		col[8];

			mr_svg_diverging(v, col);
			mr_buf_printf(b, "<span class=\"tok\" style=\"background:%s%s\" data-attr=\"%.6g\" title=\"%.4g\">",
						  col, mr_svg_dark(v, 1) ? ";color:#fff" : "", t->attr, t->attr);
			mr_html_text(b, t->text, t->len);
			mr_buf_puts(b, "</span>");
			mr_buf_puts(b, sep);
		}
	}
	if (e->n_tokens > MR_REPORT_MAX_TOKENS)
		mr_buf_printf(b, "<span class=\"note\">\xE2\x80\xA6 and %lld more tokens</span>",
					  (long long) (e->n_tokens - MR_REPORT_MAX_TOKENS));
	mr_buf_puts(b, "</div>\n");
}

/* A measurement sequence: variables by bins, coloured by attribution */
static void
series_map(MrBuf *b, const MrModel *m, const MrReportExample *e, int index)
{
	const MrAllocator *a = b->a;
	int			V = m->n_vars,
				T = e->n_bins;
	size_t		cells = (size_t) V * T;
	double	   *shade = mr_alloc(a, sizeof(double) * (cells + 1)),
				scale = 0;
	char	  **rows = mr_alloc0(a, sizeof(char *) * (size_t) (V + 1)),
			  **cols = mr_alloc0(a, sizeof(char *) * (size_t) (T + 1)),
			  **title = mr_alloc0(a, sizeof(char *) * (cells + 1));
	char		id[32];
	MrSvgHeatmap h;

	if (!shade || !rows || !cols || !title)
	{
		b->failed = 1;
		return;
	}
	for (size_t i = 0; i < cells; i++)
		if (isfinite(e->cell_attr[i]) && fabs(e->cell_attr[i]) > scale)
			scale = fabs(e->cell_attr[i]);
	for (int v = 0; v < V; v++)
	{
		rows[v] = mr_report_copy(a, m->var_names[v], m->var_name_len[v]);
	}
	for (int t = 0; t < T; t++)
	{
		MrBuf		nb;

		mr_buf_init(&nb, a);
		mr_buf_printf(&nb, "%d", t + 1);
		cols[t] = nb.data;
	}
	for (int v = 0; v < V; v++)
		for (int t = 0; t < T; t++)
		{
			size_t		i = (size_t) v * T + t;
			MrBuf		nb;

			shade[i] = isfinite(e->cell_attr[i]) ? (scale > 0 ? e->cell_attr[i] / scale : 0) : NAN;
			mr_buf_init(&nb, a);
			if (isfinite(e->cell_attr[i]))
				mr_buf_printf(&nb, "%s, bin %d: %.4g", rows[v] ? rows[v] : "", t + 1, e->cell_attr[i]);
			else
				mr_buf_printf(&nb, "%s, bin %d: not read", rows[v] ? rows[v] : "", t + 1);
			title[i] = nb.data;
		}
	for (size_t i = 0; i < cells; i++)
		b->failed |= title[i] == NULL;
	for (int v = 0; v < V; v++)
		b->failed |= rows[v] == NULL;
	for (int t = 0; t < T; t++)
		b->failed |= cols[t] == NULL;
	if (!b->failed)
	{
		snprintf(id, sizeof(id), "example-%d", index + 1);
		h = (MrSvgHeatmap) {id, "Attribution by variable and time bin", "variable", "time bin",
			V, T, (const char *const *) rows, (const char *const *) cols, shade, 1, NULL,
		(const char *const *) title};
		mr_svg_heatmap(b, &h);
	}
	for (size_t i = 0; i < cells; i++)
		mr_free(a, title[i]);
	for (int v = 0; v < V; v++)
		mr_free(a, rows[v]);
	for (int t = 0; t < T; t++)
		mr_free(a, cols[t]);
	mr_free(a, shade);
	mr_free(a, rows);
	mr_free(a, cols);
	mr_free(a, title);
}

/* Which rows the examples are, by task and order, with and without labels */
static const char *
order_text(const MrReportInput *in)
{
	static const char *const classes[4] = {
		"wrong predictions first, the most confident of them first; then the right ones the model was least sure of",
		"the most confident predictions",
		"the least confident predictions",
		"the first rows read"
	};
	static const char *const values[4] = {
		"the largest errors first",
		"the smallest errors first",
		"the predictions farthest from the training mean first (a regression has no probability to be unsure of)",
		"the first rows read"
	};
	static const char *const labels[4] = {
		"the rows with the most wrong labels first, the surest mistake first; then the right ones with a label nearest its threshold",
		"the rows whose labels all lie farthest from their thresholds",
		"the rows with a label nearest its threshold",
		"the first rows read"
	};
	int			task = in->model->task;
	MrReportOrder o = in->opts->order;

	if (o == MR_ORDER_ERRORS && !in->label_col)
		return task == MR_TASK_REGRESSION ?
			"without labels, the predictions farthest from the training mean first" :
			task == MR_TASK_CLASSIFICATION ? "without labels, the most confident predictions" :
			"without labels, the rows whose labels all lie farthest from their thresholds";
	if (o == MR_ORDER_CONFIDENT && !in->label_col && task == MR_TASK_REGRESSION)
		return "without labels, the predictions nearest the training mean first";
	return task == MR_TASK_REGRESSION ? values[o] : task == MR_TASK_CLASSIFICATION ? classes[o] : labels[o];
}

/* A number in a data-value attribute and shown with four significant digits */
static void
value_span(MrBuf *b, const char *attr, double v, MrFormatDouble fmt)
{
	mr_buf_printf(b, "<b %s", attr);
	mr_report_value_attr(b, v, fmt);
	mr_buf_printf(b, ">%.4g</b>", v);
}

/* A regression example's prediction, truth and error */
static void
value_example(MrBuf *b, const MrReportInput *in, const MrReportExample *e)
{
	const MrReportPick *p = &e->pick;

	mr_buf_puts(b, "</h3>\n<p>");
	if (p->true_class >= 0)
	{
		mr_buf_puts(b, "true ");
		value_span(b, "data-true", p->value_true, in->fmt);
		mr_buf_puts(b, ", ");
	}
	mr_buf_puts(b, "predicted ");
	value_span(b, "data-predicted", p->value_pred, in->fmt);
	if (p->true_class >= 0)
	{
		mr_buf_puts(b, " (error ");
		value_span(b, "data-error", p->value_pred - p->value_true, in->fmt);
		mr_buf_putc(b, ')');
	}
	/* the explanation's logits are output x scale: add the mean for values */
	mr_buf_printf(b, ".  From the baseline's prediction of %.4g, attributions sum to %.4g; the prediction moved by %.4g.</p>\n",
				  e->baseline_logit + in->model->target_mean, e->attr_sum, e->logit - e->baseline_logit);
}

/* A multi-label example: the label explained, and the labels true or predicted */
static void
labels_example(MrBuf *b, const MrReportInput *in, const MrReportExample *e)
{
	const MrModel *m = in->model;
	const MrReportPick *p = &e->pick;
	static const char *const truth_text[] = {"unknown", "negative", "positive"};

	if (p->true_class < 0)
		mr_buf_puts(b, "<span class=\"badge unknown\">no labels</span>");
	else if (p->wrong > 0)
		mr_buf_printf(b, "<span class=\"badge wrong\">%d label%s wrong</span>", p->wrong, p->wrong == 1 ? "" : "s");
	else
		mr_buf_puts(b, "<span class=\"badge right\">known labels right</span>");
	mr_buf_puts(b, "</h3>\n<p>Explained toward <b data-explained>");
	mr_report_label(b, m, e->target);
	mr_buf_printf(b, "</b>, its most probable label: probability %.3f (threshold %.3f)",
				  p->confidence, p->pred_class >= 0 && p->pred_class < m->cfg.n_classes ?
				  m->thresholds[p->pred_class] : NAN);
	if (p->true_class >= 0)
		mr_buf_printf(b, ", truly %s", truth_text[p->pred_truth < 0 ? 0 : p->pred_truth + 1]);
	mr_buf_printf(b, ".  Attributions sum to %.4g; the logit moved by %.4g from the baseline.</p>\n",
				  e->attr_sum, e->logit - e->baseline_logit);
	mr_buf_printf(b, "<p class=\"labels\" data-true-count=\"%d\" data-predicted-count=\"%d\">",
				  p->n_true, p->n_predicted);
	if (p->true_class >= 0)
		mr_buf_printf(b, "%d label%s positive, ", p->n_true, p->n_true == 1 ? "" : "s");
	mr_buf_printf(b, "%d predicted", p->n_predicted);
	if (p->n_unknown > 0)
		mr_buf_printf(b, ", %d unknown", p->n_unknown);
	mr_buf_puts(b, p->n_marks ? ": " : ".");
	for (int j = 0; j < p->n_marks; j++)
	{
		const MrReportMark *mk = &p->marks[j];
		int			called = mk->label >= 0 && mk->label < m->cfg.n_classes &&
			mk->probability >= m->thresholds[mk->label];
		const char *what = mk->truth == 1 ? (called ? "right" : "missed") :
			mk->truth == 0 ? "false alarm" : "predicted";

		mr_buf_puts(b, j ? ", " : "");
		mr_buf_printf(b, "<span class=\"mark %s\" data-label=\"", mk->truth == 1 && called ? "right" :
					  mk->truth < 0 ? "unknown" : "wrong");
		mr_report_label(b, m, mk->label);
		mr_buf_puts(b, "\">");
		mr_report_label(b, m, mk->label);
		mr_buf_printf(b, "</span> (%.3f, %s)", mk->probability, what);
	}
	if (p->n_either > p->n_marks)
		mr_buf_printf(b, " <span class=\"note\">and %d more</span>", p->n_either - p->n_marks);
	mr_buf_puts(b, p->n_marks ? ".</p>\n" : "</p>\n");
}

/* A classifier's example: true and predicted classes */
static void
class_example(MrBuf *b, const MrReportInput *in, const MrReportExample *e)
{
	const MrModel *m = in->model;
	const MrReportPick *p = &e->pick;
	const char *verdict = p->true_class < 0 ? "unknown" : p->true_class == p->pred_class ? "right" : "wrong";

	mr_buf_printf(b, "<span class=\"badge %s\">%s</span></h3>\n<p>", verdict,
				  p->true_class < 0 ? "no label" : verdict);
	if (p->true_class >= 0)
	{
		mr_buf_puts(b, "true <b data-true>");
		mr_report_label(b, m, p->true_class);
		mr_buf_puts(b, "</b>, ");
	}
	mr_buf_puts(b, "predicted <b data-predicted>");
	mr_report_label(b, m, p->pred_class);
	mr_buf_printf(b, "</b> with probability %.3f.  Attributions sum to %.4g; the logit moved by %.4g from the baseline.</p>\n",
				  p->confidence, e->attr_sum, e->logit - e->baseline_logit);
}

/* The chosen rows, each with its explanation */
static void
examples_section(MrBuf *b, const MrReportInput *in)
{
	const MrModel *m = in->model;
	int			task = m->task;

	mr_buf_puts(b, "<section id=\"examples\" data-section=\"examples\"><h2>Examples and their explanations</h2>\n<p class=\"sub\">");
	mr_buf_printf(b, "%d row%s of <b>", in->n_examples, in->n_examples == 1 ? "" : "s");
	mr_html_cstr(b, in->relation);
	mr_buf_printf(b, "</b>: %s.  Each %s is coloured by its integrated-gradients attribution toward %s "
				  "(%d-point quadrature from %s): %s.  Hover for the value.</p>\n",
				  order_text(in),
				  m->input_kind == MR_INPUT_SERIES ? "variable in each time bin" : "token",
				  task == MR_TASK_REGRESSION ? "the predicted value, in the label's units" :
				  task == MR_TASK_CLASSIFICATION ? "the predicted label" : "the row's most probable label",
				  in->opts->steps, m->input_kind == MR_INPUT_SERIES ? "all-zero inputs" :
				  m->cfg.mask ? "zero embeddings" : "an all-padding row",
				  task == MR_TASK_REGRESSION ? "how much it moved the prediction" : "how much it moved that label's logit");
	for (int i = 0; i < in->n_examples; i++)
	{
		const MrReportExample *e = &in->examples[i];
		const MrReportPick *p = &e->pick;

		mr_buf_printf(b, "<div class=\"example\" data-example=\"%d\" data-row=\"%lld\"><h3>Row %lld ",
					  i + 1, (long long) p->row, (long long) p->row);
		if (task == MR_TASK_REGRESSION)
			value_example(b, in, e);
		else if (task == MR_TASK_CLASSIFICATION)
			class_example(b, in, e);
		else
			labels_example(b, in, e);
		/* a regression's key is the same for every row */
		if (i == 0 || (task != MR_TASK_REGRESSION && e->target != in->examples[i - 1].target))
			colour_key(b, m, e->target);
		if (m->input_kind == MR_INPUT_SERIES)
			series_map(b, m, e, i);
		else
			token_row(b, m, e);
		mr_buf_puts(b, "</div>\n");
	}
	if (in->n_examples == 0)
		mr_buf_puts(b, "<p class=\"note\">No row to show.</p>\n");
	mr_buf_puts(b, "</section>\n");
}

/* ----------------------------------------------------------------------
 * The page
 */

MrStatus
mr_report_html(const MrReportInput *in, MrBuf *b)
{
	const MrReportOptions *o = in->opts;
	const char *title = o->title ? o->title : "medrnn model report";
	MrMetrics	mt;
	int			have_metrics = 0;

	if (in->scorer && mr_report_scorer_metrics(in->scorer))
	{
		if (mr_metrics_finish(mr_report_scorer_metrics(in->scorer), &mt) != MR_OK)
			return MR_ENOMEM;
		have_metrics = mt.rows > 0;
	}
	mr_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
				"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
				"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
				"<meta name=\"generator\" content=\"medrnn\">\n<title>");
	mr_html_cstr(b, title);
	mr_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<h1>", page_css);
	mr_html_cstr(b, title);
	mr_buf_puts(b, "</h1>\n<p class=\"sub\">");
	if (in->model->task == MR_TASK_REGRESSION)
	{
		mr_buf_printf(b, "A %s regression model predicting <b>", kind_name(in->model));
		mr_report_label(b, in->model, 0);
		mr_buf_printf(b, "</b>, %llu training rows.", (unsigned long long) in->model->train_rows);
	}
	else
		mr_buf_printf(b, "A %s %s: %d %s, %llu training rows.", kind_name(in->model),
					  in->model->task == MR_TASK_MULTILABEL ? "multi-label model" :
					  in->model->task == MR_TASK_MULTITASK ? "multitask model" : "model",
					  in->model->cfg.n_classes,
					  in->model->task == MR_TASK_CLASSIFICATION ? "classes" : "labels",
					  (unsigned long long) in->model->train_rows);
	if (in->relation)
	{
		mr_buf_puts(b, "  Rows from <b>");
		mr_html_cstr(b, in->relation);
		mr_buf_printf(b, "</b>: %lld read.", (long long) in->rows_read);
	}
	mr_buf_puts(b, "</p>\n");

	if (o->sections & MR_REPORT_CARD)
		card_section(b, in);
	if ((o->sections & MR_REPORT_TRAINING) && in->model->n_epochs > 0)
		training_section(b, in);
	if (in->model->task == MR_TASK_REGRESSION)
	{
		if (in->scorer && mr_report_scorer_regression(in->scorer))
			mr_report_regression_sections(b, in);
	}
	else if (in->model->task != MR_TASK_CLASSIFICATION)
	{
		if (in->scorer && mr_report_scorer_multilabel(in->scorer))
			mr_report_multilabel_sections(b, in);
	}
	else if (have_metrics)
	{
		if (o->sections & MR_REPORT_METRICS)
			metrics_section(b, in, &mt);
		if (o->sections & MR_REPORT_CONFUSION)
			confusion_section(b, in, &mt);
		if (o->sections & MR_REPORT_CURVES)
			curves_section(b, in, &mt);
		if ((o->sections & MR_REPORT_CALIBRATION) && mt.positive_class >= 0)
			calibration_section(b, in, &mt);
		if ((o->sections & MR_REPORT_THRESHOLDS) && mt.positive_class >= 0)
			thresholds_section(b, in, &mt);
	}
	else if (in->label_col && (o->sections & (MR_REPORT_METRICS | MR_REPORT_CONFUSION | MR_REPORT_CURVES)))
		mr_buf_puts(b, "<section id=\"metrics\" data-section=\"metrics\"><h2>Evaluation</h2><p class=\"note\">No row had both an input and a label the model knows.</p></section>\n");
	if ((o->sections & MR_REPORT_EXAMPLES) && in->relation)
		examples_section(b, in);
	mr_buf_puts(b, "<footer>Generated by medrnn");
	if (in->generated_at)
	{
		mr_buf_puts(b, " at ");
		mr_html_cstr(b, in->generated_at);
	}
	mr_buf_puts(b, ".  No script, no external resource: this file is the whole report.</footer>\n</main>\n</body>\n</html>\n");
	return b->failed ? MR_ENOMEM : MR_OK;
}
