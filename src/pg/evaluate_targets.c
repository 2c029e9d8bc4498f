/*
 * evaluate_targets.c
 *	  rnn_evaluate and rnn_roc for models that do not classify: regression
 *	  (RMSE, MAE, R², residual quantiles) and multi-label or multitask
 *	  models (per-label ROC-AUC, PR-AUC and F1 at the model's thresholds;
 *	  micro, macro and example-based F1, subset accuracy, Hamming loss).
 *
 * The rows are read as for training: a regression label must be a number
 * (NaN and infinities are skipped and counted, as rnn_train does), a
 * multitask row's missing labels are unknown and left out of every
 * figure.  The definitions follow scikit-learn (mr_metrics_targets.h).
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "evaluate.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_metrics_targets.h"
#include "mr_targets.h"
#include "predict.h"
#include "read_rows.h"

typedef struct TargetScore
{
	MedrnnCachedModel *c;
	MedrnnInputType input_type;
	MrRegAcc   *reg;
	MrMultiAcc *multi;
	int8	   *truth;			/* (K) the current row's */
	int64		seen;
	int64		skipped_null;
	MedrnnTargetCounts counts;
} TargetScore;

/* A scored row's label; see evaluate.h */
bool
MedrnnReadTarget(const MrModel *m, const char *label, size_t label_len,
				 double *value, int8 *truth, MedrnnTargetCounts *counts)
{
	int64		unseen;
	MrError		err;

	if (m->task == MR_TASK_REGRESSION)
	{
		if (mr_targets_parse_value(label, label_len, value) == 1)
			return true;
		counts->skipped_nonfinite++;
		return false;
	}
	if (mr_targets_truth(label, label_len, m->label_index, m->task, m->cfg.n_classes,
						 truth, &unseen, &err) != MR_OK)
		MedrnnReportError(&err);
	counts->unseen_entries += unseen;
	for (int k = 0; k < m->cfg.n_classes; k++)
		if (truth[k] >= 0)
			return true;
	counts->skipped_unknown++;
	return false;
}

/* See evaluate.h */
void
MedrnnWarnUnseenEntries(const MrModel *m, const MedrnnTargetCounts *counts, const char *label_col)
{
	if (counts->unseen_entries > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg(INT64_FORMAT " labels in column \"%s\" are not among the model's %d",
						counts->unseen_entries, label_col, m->cfg.n_classes),
				 errdetail("They are not scored; the rows' other labels are.")));
}

/* Predict one row and add it to the metrics */
static void
score_target_row(Datum input, bool input_null, const char *label, size_t label_len, void *arg)
{
	TargetScore *ts = arg;
	const MrModel *m = ts->c->model;
	const float *probs;
	double		y;

	ts->seen++;
	CHECK_FOR_INTERRUPTS();
	if (input_null || label == NULL)
	{
		ts->skipped_null++;
		return;
	}
	if (!MedrnnReadTarget(m, label, label_len, &y, ts->truth, &ts->counts))
		return;
	probs = MedrnnPredictRow(ts->c, input, ts->input_type);
	if (m->task == MR_TASK_REGRESSION)
	{
		if (mr_reg_metrics_add(ts->reg, y, mr_model_value(m, probs[0])) != MR_OK)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("a prediction is not a finite number")));
	}
	else if (mr_multi_metrics_add(ts->multi, ts->truth, probs) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

/* Score every row of the relation into ts */
static void
score_targets(MedrnnCachedModel *c, Oid relid, const char *input_col, const char *label_col,
			  TargetScore *ts)
{
	MedrnnSource src;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);
	const MrModel *m = c->model;
	MrStatus	st;

	memset(ts, 0, sizeof(*ts));
	ts->c = c;
	MedrnnResolveSource(relid, input_col, label_col, m->task, &src);
	MedrnnCheckInputKind(m, &src);
	ts->input_type = src.input_type;
	if (m->task == MR_TASK_REGRESSION)
		st = mr_reg_metrics_new(&a, &ts->reg);
	else
	{
		st = mr_multi_metrics_new(&a, m->cfg.n_classes, m->thresholds, &ts->multi);
		ts->truth = palloc(m->cfg.n_classes);
	}
	if (st != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	MedrnnScanSource(&src, score_target_row, ts);
	MedrnnWarnUnseenEntries(m, &ts->counts, label_col);
}

static void
append_count(StringInfo b, const char *key, int64 v)
{
	appendStringInfo(b, ", \"%s\": " INT64_FORMAT, key, v);
}

/* rnn_evaluate of a model that does not classify; see evaluate.h */
Datum
MedrnnEvaluateTargets(MedrnnCachedModel *c, Oid relid, const char *input_col, const char *label_col)
{
	const MrModel *m = c->model;
	TargetScore ts;
	StringInfoData j;

	score_targets(c, relid, input_col, label_col, &ts);
	initStringInfo(&j);
	appendStringInfo(&j, "{\"task\": \"%s\"", mr_task_name(m->task));
	append_count(&j, "skipped_null", ts.skipped_null);
	if (m->task == MR_TASK_REGRESSION)
	{
		MrRegMetrics rm;

		if (mr_reg_metrics_finish(ts.reg, &rm) != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		append_count(&j, "rows", rm.rows);
		append_count(&j, "skipped_nonfinite", ts.counts.skipped_nonfinite);
		MedrnnAppendMetric(&j, "rmse", rm.rmse);
		MedrnnAppendMetric(&j, "mae", rm.mae);
		MedrnnAppendMetric(&j, "r2", rm.r2);
		MedrnnAppendMetric(&j, "mean_true", rm.mean_true);
		MedrnnAppendMetric(&j, "std_true", rm.std_true);
		MedrnnAppendMetric(&j, "mean_residual", rm.mean_residual);
		MedrnnAppendMetric(&j, "max_abs_error", rm.max_abs_error);
		appendStringInfoString(&j, ", \"residual_quantiles\": {");
		for (int q = 0; q < MR_REG_QUANTILES; q++)
		{
			appendStringInfo(&j, "%s\"%g\": ", q ? ", " : "", mr_reg_quantile_levels[q]);
			MedrnnAppendJsonNumber(&j, rm.residual_quantile[q]);
		}
		appendStringInfoChar(&j, '}');
		mr_reg_metrics_free(ts.reg);
	}
	else
	{
		MrMultiMetrics mm;

		if (mr_multi_metrics_finish(ts.multi, &mm) != MR_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		append_count(&j, "rows", mm.rows);
		append_count(&j, "skipped_unknown", ts.counts.skipped_unknown);
		append_count(&j, "unseen_labels", ts.counts.unseen_entries);
		append_count(&j, "known_labels", mm.known);
		MedrnnAppendMetric(&j, "mean_roc_auc", mm.mean_roc_auc);
		MedrnnAppendMetric(&j, "mean_pr_auc", mm.mean_pr_auc);
		appendStringInfo(&j, ", \"auc_labels\": %d", mm.auc_labels);
		MedrnnAppendMetric(&j, "micro_f1", mm.micro_f1);
		MedrnnAppendMetric(&j, "macro_f1", mm.macro_f1);
		MedrnnAppendMetric(&j, "example_f1", mm.example_f1);
		MedrnnAppendMetric(&j, "subset_accuracy", mm.subset_accuracy);
		MedrnnAppendMetric(&j, "hamming_loss", mm.hamming_loss);
		appendStringInfoString(&j, ", \"per_label\": {");
		for (int k = 0; k < mm.K; k++)
		{
			appendStringInfoString(&j, k ? ", " : "");
			escape_json(&j, MedrnnUtf8ToServer(m->labels[k], m->label_len[k]));
			appendStringInfo(&j, ": {\"known\": " INT64_FORMAT, mm.known_k[k]);
			append_count(&j, "positives", mm.positives_k[k]);
			append_count(&j, "predicted", mm.predicted_k[k]);
			MedrnnAppendMetric(&j, "threshold", m->thresholds[k]);
			MedrnnAppendMetric(&j, "precision", mm.precision[k]);
			MedrnnAppendMetric(&j, "recall", mm.recall[k]);
			MedrnnAppendMetric(&j, "f1", mm.f1[k]);
			MedrnnAppendMetric(&j, "roc_auc", mm.roc_auc[k]);
			MedrnnAppendMetric(&j, "pr_auc", mm.pr_auc[k]);
			appendStringInfoChar(&j, '}');
		}
		appendStringInfoChar(&j, '}');
		mr_multi_metrics_free(ts.multi);
	}
	appendStringInfoChar(&j, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(j.data)));
}

/* rnn_roc of one label of a multi-label model; see evaluate.h */
void
MedrnnRocTargets(FunctionCallInfo fcinfo, MedrnnCachedModel *c, Oid relid, const char *input_col,
				 const char *label_col, const char *label)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const MrModel *m = c->model;
	size_t		len;
	char	   *u = MedrnnTextToUtf8(cstring_to_text(label), &len);
	int32		k = mr_vocab_lookup(m->label_index, u, len);
	TargetScore ts;
	const MrRocPoint *points;
	int64		n_points;

	if (m->task != MR_TASK_MULTILABEL && m->task != MR_TASK_MULTITASK)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rnn_roc needs a binary or multi-label model"),
				 errdetail("The model is a %s model.", mr_task_name(m->task))));
	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("label \"%s\" is not one of the model's labels", label)));
	InitMaterializedSRF(fcinfo, 0);
	score_targets(c, relid, input_col, label_col, &ts);
	if (mr_multi_roc_curve(ts.multi, k, &points, &n_points) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	for (int64 i = 0; i < n_points; i++)
	{
		Datum		values[4];
		bool		nulls[4];

		values[0] = Float8GetDatum(points[i].threshold);
		values[1] = Float8GetDatum(points[i].tpr);
		values[2] = Float8GetDatum(points[i].fpr);
		values[3] = Float8GetDatum(points[i].precision);
		for (int col = 0; col < 4; col++)
			nulls[col] = isnan(DatumGetFloat8(values[col]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	mr_multi_metrics_free(ts.multi);
}
