/*
 * report.c
 *	  rnn_report: a model's report as one self-contained HTML document.
 *
 * The page itself is the core's (src/core/report/mr_report.h).  Here the
 * relation, when one is given, is read once through SPI as the calling
 * user, like rnn_evaluate: every row is predicted, scored and offered to
 * the example picker, and only the picked rows' inputs are kept (copies,
 * replaced as better ones come), so memory does not grow with the
 * relation but for the metrics' own per-row figures; only those rows are
 * explained, after the scan.  Labels of every task are read as
 * rnn_evaluate reads them: a class, a regression's number, or a
 * multi-label row's set of 1, 0 and unknown labels.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "evaluate.h"
#include "explain.h"
#include "info.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_report.h"
#include "predict.h"
#include "read_rows.h"

typedef struct ReportScan
{
	MedrnnCachedModel *c;
	MedrnnInputType input_type;
	bool		labelled;
	MrReportScorer *scorer;
	int64		rows_read;
	int64		skipped_null;
	MedrnnUnseenLabels unseen;	/* classifier: labels the model never saw */
	MedrnnTargetCounts counts;	/* labels of other tasks that are not scored */
	int8	   *truth;			/* multi-label: (K) the current row's */
	Datum	   *kept;			/* (examples) the picked rows' inputs, by slot */
	MemoryContext keep;			/* where they live */
} ReportScan;

/* A server-encoding C string in UTF-8 (itself when no conversion is needed) */
static const char *
utf8_cstr(const char *s)
{
	return s ? pg_server_to_any(s, strlen(s), PG_UTF8) : NULL;
}

/*
 * Score one row of a model that does not classify, with its label read as
 * rnn_evaluate reads it (evaluate_targets.c): a regression's must be a
 * finite number, a multitask row must know one label.  Returns the example
 * slot the row took, or -1.
 */
static int
report_target_row(ReportScan *rs, Datum input, const char *label, size_t label_len)
{
	const MrModel *m = rs->c->model;
	const float *probs;
	MrStatus	st;
	int			slot;
	double		y;

	if (rs->labelled && !MedrnnReadTarget(m, label, label_len, &y, rs->truth, &rs->counts))
		return -1;
	probs = MedrnnPredictRow(rs->c, input, rs->input_type);
	if (m->task == MR_TASK_REGRESSION)
		st = mr_report_scorer_add_value(rs->scorer, rs->rows_read, rs->labelled ? &y : NULL, probs, &slot);
	else
		st = mr_report_scorer_add_labels(rs->scorer, rs->rows_read, rs->labelled ? rs->truth : NULL,
										 probs, &slot);
	/* the labels were checked above: only an output can be out of range */
	if (st == MR_EINVAL)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a prediction is not a finite number")));
	if (st != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return slot;
}

/* Predict, score and maybe keep one row */
static void
report_row(Datum input, bool input_null, const char *label, size_t label_len, void *arg)
{
	ReportScan *rs = arg;
	const float *probs;
	int32		k = -1;
	int			slot;

	rs->rows_read++;
	CHECK_FOR_INTERRUPTS();
	if (input_null || (rs->labelled && label == NULL))
	{
		rs->skipped_null++;
		return;
	}
	if (rs->c->model->task != MR_TASK_CLASSIFICATION)
		slot = report_target_row(rs, input, label, label_len);
	else
	{
		if (rs->labelled)
		{
			k = mr_vocab_lookup(rs->c->model->label_index, label, label_len);
			if (k < 0)
			{
				/* as rnn_evaluate: a label the model never saw cannot be scored */
				MedrnnNoteUnseenLabel(&rs->unseen, label, label_len);
				return;
			}
		}
		probs = MedrnnPredictRow(rs->c, input, rs->input_type);
		if (mr_report_scorer_add(rs->scorer, rs->rows_read, k, probs, &slot) != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	if (slot >= 0)
	{
		MemoryContext old = MemoryContextSwitchTo(rs->keep);

		if (rs->kept[slot])
			pfree(DatumGetPointer(rs->kept[slot]));
		/* detoasted and copied: the row's own memory is reset after this call */
		rs->kept[slot] = PointerGetDatum(PG_DETOAST_DATUM_COPY(input));
		MemoryContextSwitchTo(old);
	}
}

/* Explain the picked rows, best first, into examples */
static int
explain_examples(ReportScan *rs, const MrReportOptions *opts, MrReportExample *examples)
{
	int			slots[MR_REPORT_MAX_EXAMPLES];
	MrReportPick picks[MR_REPORT_MAX_EXAMPLES];
	int			n = mr_report_scorer_examples(rs->scorer, slots, picks);

	for (int i = 0; i < n; i++)
	{
		MedrnnAttribution at;
		MrReportExample *e = &examples[i];

		CHECK_FOR_INTERRUPTS();
		MedrnnExplainInput(rs->c, rs->kept[slots[i]], rs->input_type, picks[i].pred_class,
						   opts->steps, &at);
		e->pick = picks[i];
		e->target = at.target;
		e->logit = at.logit;
		e->baseline_logit = at.baseline_logit;
		e->attr_sum = at.attr_sum;
		if (at.cell)
		{
			e->n_bins = at.n_bins;
			e->cell_attr = at.cell;
		}
		else
		{
			MrReportToken *t = palloc(sizeof(MrReportToken) * (at.n_tokens + 1));

			for (int64 j = 0; j < at.n_tokens; j++)
			{
				t[j].text = at.tokens[j];
				t[j].len = at.tokens[j] ? strlen(at.tokens[j]) : 0;
				t[j].attr = at.attr[j];
			}
			e->n_tokens = at.n_tokens;
			e->tokens = t;
		}
	}
	return n;
}

/* Parse JSON text (UTF-8) the server produced; it cannot fail but on memory */
static MrJson *
parse_json(const char *utf8)
{
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrJson	   *json;
	MrError		err;

	if (mr_json_parse(utf8, strlen(utf8), &a, &json, &err) != MR_OK)
		MedrnnReportError(&err);
	return json;
}

PG_FUNCTION_INFO_V1(rnn_report);

/*
 * rnn_report(model, relation, input_col, label_col, options): the report
 * as text/html.  Without a relation it shows the model and its training;
 * with a relation, examples; with a label column too, the evaluation.
 */
Datum
rnn_report(PG_FUNCTION_ARGS)
{
	bytea	   *b;
	MedrnnCachedModel *c;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	MrReportOptions opts;
	MrReportInput in;
	MrReportExample *examples = NULL;
	ReportScan	rs;
	MrJson	   *options_json = NULL;
	MrError		err;
	MrBuf		out;
	MrStatus	st;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	b = PG_GETARG_BYTEA_PP(0);
	c = MedrnnLoadModel(CurrentMemoryContext, b);
	if (!PG_ARGISNULL(4))
	{
		Jsonb	   *j = PG_GETARG_JSONB_P(4);

		options_json = parse_json(utf8_cstr(JsonbToCString(NULL, &j->root, VARSIZE(j))));
	}
	memset(&err, 0, sizeof(err));
	if (mr_report_options_parse(options_json, &opts, &err) != MR_OK)
		MedrnnReportError(&err);

	memset(&in, 0, sizeof(in));
	memset(&rs, 0, sizeof(rs));
	in.model = c->model;
	in.opts = &opts;
	in.fmt = MedrnnFormatDouble;
	in.info = parse_json(utf8_cstr(MedrnnModelInfoText(b, c->model)));
	in.generated_at = utf8_cstr(timestamptz_to_str(GetCurrentTransactionStartTimestamp()));

	if (PG_ARGISNULL(1) && !(PG_ARGISNULL(2) && PG_ARGISNULL(3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("input and label columns need a relation")));
	if (!PG_ARGISNULL(1))
	{
		Oid			relid = PG_GETARG_OID(1);
		MedrnnSource src;

		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a relation needs an input column"),
					 errhint("Name the column the model reads, and the label column to evaluate it.")));
		MedrnnResolveSource(relid, NameStr(*PG_GETARG_NAME(2)),
							PG_ARGISNULL(3) ? NULL : NameStr(*PG_GETARG_NAME(3)),
							c->model->task, &src);
		MedrnnCheckInputKind(c->model, &src);
		rs.c = c;
		rs.input_type = src.input_type;
		rs.labelled = !PG_ARGISNULL(3);
		rs.keep = CurrentMemoryContext;
		rs.unseen.keep = CurrentMemoryContext;
		rs.kept = palloc0(sizeof(Datum) * (opts.examples + 1));
		rs.truth = palloc(c->model->cfg.n_classes);
		st = mr_report_scorer_new(c->model, &opts, rs.labelled, &a, &rs.scorer);
		if (st != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		MedrnnScanSource(&src, report_row, &rs);
		if (rs.labelled && c->model->task == MR_TASK_CLASSIFICATION)
			MedrnnWarnUnseen(c->model, &rs.unseen, rs.rows_read - rs.skipped_null,
							 NameStr(*PG_GETARG_NAME(3)));
		MedrnnWarnUnseenEntries(c->model, &rs.counts, NameStr(*PG_GETARG_NAME(3)));

		examples = palloc0(sizeof(MrReportExample) * (opts.examples + 1));
		in.n_examples = explain_examples(&rs, &opts, examples);
		in.examples = examples;
		in.scorer = rs.scorer;
		in.relation = utf8_cstr(quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
														   get_rel_name(relid)));
		in.input_col = utf8_cstr(NameStr(*PG_GETARG_NAME(2)));
		in.label_col = rs.labelled ? utf8_cstr(NameStr(*PG_GETARG_NAME(3))) : NULL;
		in.rows_read = rs.rows_read;
		in.skipped_null = rs.skipped_null;
		in.unseen_label_rows = rs.unseen.rows;
		in.skipped_nonfinite = rs.counts.skipped_nonfinite;
		in.skipped_unknown = rs.counts.skipped_unknown;
		in.unseen_labels = rs.counts.unseen_entries;
	}

	mr_buf_init(&out, &a);
	if (mr_report_html(&in, &out) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (rs.scorer)
		mr_report_scorer_free(rs.scorer);
	PG_RETURN_TEXT_P(MedrnnUtf8ToText(out.data, out.len));
}
