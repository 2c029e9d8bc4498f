/*
 * evaluate.c
 *	  rnn_evaluate and rnn_roc: score a model on a relation's rows.
 *
 * Both read the rows like rnn_train (through SPI, as the calling user),
 * predict each with the one-row inference every prediction uses, and hand
 * (true class, probabilities) to the metrics core, whose definitions follow
 * scikit-learn (see mr_metrics.h).  Rows whose label the model never saw
 * cannot be scored; they are counted and reported, not dropped silently.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "evaluate.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_metrics.h"
#include "predict.h"
#include "read_rows.h"

#define MAX_UNSEEN_SHOWN 10
#define MAX_DENSE_CONFUSION 1000

typedef struct ScoreState
{
	MedrnnCachedModel *c;
	MedrnnInputType input_type;
	MrMetricsAcc *acc;
	int64		seen;
	int64		skipped_null;
	MedrnnUnseenLabels unseen;	/* rows with a label the model never saw */
} ScoreState;

/* Predict one row and add it to the metrics */
static void
score_row(Datum input, bool input_null, const char *label, size_t label_len, void *arg)
{
	ScoreState *ss = arg;
	const float *probs;
	int32		k;

	ss->seen++;
	CHECK_FOR_INTERRUPTS();
	if (input_null || label == NULL)
	{
		ss->skipped_null++;
		return;
	}
	k = mr_vocab_lookup(ss->c->model->label_index, label, label_len);
	if (k < 0)
	{
		MedrnnNoteUnseenLabel(&ss->unseen, label, label_len);
		return;
	}
	probs = MedrnnPredictRow(ss->c, input, ss->input_type);
	if (mr_metrics_add(ss->acc, k, probs) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

/* Up to max of labels as a quoted, comma-separated list */
static char *
quoted_list(List *labels, int max)
{
	StringInfoData b;
	ListCell   *lc;
	int			i = 0;

	initStringInfo(&b);
	foreach(lc, labels)
	{
		if (i++ == max)
		{
			appendStringInfoString(&b, ", ...");
			break;
		}
		appendStringInfo(&b, "%s\"%s\"", i > 1 ? ", " : "", (char *) lfirst(lc));
	}
	return b.data;
}

/* Count a row whose label the model never saw; see evaluate.h */
void
MedrnnNoteUnseenLabel(MedrnnUnseenLabels *u, const char *label, size_t label_len)
{
	u->rows++;
	if (list_length(u->labels) < MAX_UNSEEN_SHOWN)
	{
		MemoryContext old = MemoryContextSwitchTo(u->keep);
		char	   *s = MedrnnUtf8ToServer(label, label_len);
		ListCell   *lc;
		bool		dup = false;

		foreach(lc, u->labels)
			dup |= strcmp((char *) lfirst(lc), s) == 0;
		if (!dup)
			u->labels = lappend(u->labels, s);
		MemoryContextSwitchTo(old);
	}
}

/*
 * Rows whose label the model never saw are not scored: say so, with the
 * labels on both sides, since the usual cause is the wrong column or a
 * label column of another type (labels compare as text: 1 is not "yes").
 */
void
MedrnnWarnUnseen(const MrModel *m, const MedrnnUnseenLabels *u, int64 labelled, const char *label_col)
{
	List	   *known = NIL;

	if (u->rows == 0)
		return;
	for (int k = 0; k < m->cfg.n_classes && k <= 5; k++)
		known = lappend(known, MedrnnUtf8ToServer(m->labels[k], m->label_len[k]));
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 u->rows == labelled ?
			 errmsg("none of the " INT64_FORMAT " labelled rows has a label the model was trained on",
					labelled) :
			 errmsg(INT64_FORMAT " of " INT64_FORMAT " labelled rows have a label the model was not trained on",
					u->rows, labelled),
			 errdetail("Column \"%s\" holds labels such as %s; the model's %d classes are %s. Those rows are not scored.",
					   label_col, quoted_list(u->labels, 5), m->cfg.n_classes,
					   quoted_list(known, 5)),
			 errhint("Labels are compared as text, as rnn_train stored them: check that \"%s\" is the column, and of the type, the model was trained on.",
					 label_col)));
}

/* One row's probabilities; see evaluate.h */
const float *
MedrnnPredictRow(MedrnnCachedModel *c, Datum input, MedrnnInputType type)
{
	if (type == MEDRNN_IN_TEXT)
		return MedrnnPredictText(c, DatumGetTextPP(input));
	if (type == MEDRNN_IN_TEXT_ARRAY)
		return MedrnnPredictTokens(c, DatumGetArrayTypeP(input));
	return MedrnnPredictSeq(c, input);
}

/* Does the source's input column hold what model m reads?  See evaluate.h */
void
MedrnnCheckInputKind(const MrModel *m, const MedrnnSource *src)
{
	int			kind = m->input_kind;

	/* text models read text; token models text[] or rnnseq; series models rnnseq */
	if ((kind == MR_INPUT_TEXT) != (src->input_type == MEDRNN_IN_TEXT) ||
		(kind == MR_INPUT_SERIES && src->input_type != MEDRNN_IN_RNNSEQ))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" does not hold the model's kind of input", src->input_col),
				 errdetail("The model reads %s.",
						   kind == MR_INPUT_TEXT ? "text" :
						   kind == MR_INPUT_TOKENS ? "token arrays (text[]) or token sequences (rnnseq)" :
						   "measurement sequences (rnnseq)")));
}

/*
 * Check the relation's input column suits the loaded model c, and score
 * every row into ss (metrics in the current memory context).
 */
static void
score_relation(MedrnnCachedModel *c, Oid relid, const char *input_col, const char *label_col,
			   int positive, ScoreState *ss)
{
	MedrnnSource src;
	MrAllocator a = MedrnnAllocator(CurrentMemoryContext);

	memset(ss, 0, sizeof(*ss));
	ss->unseen.keep = CurrentMemoryContext;
	ss->c = c;
	MedrnnResolveSource(relid, input_col, label_col, c->model->task, &src);
	MedrnnCheckInputKind(ss->c->model, &src);
	ss->input_type = src.input_type;
	if (mr_metrics_new(&a, ss->c->model->cfg.n_classes, positive, &ss->acc) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	MedrnnScanSource(&src, score_row, ss);
	MedrnnWarnUnseen(ss->c->model, &ss->unseen, ss->seen - ss->skipped_null, label_col);
}

/* Label k of the model as a JSON string */
static void
append_label(StringInfo b, const MrModel *m, int k)
{
	escape_json(b, MedrnnUtf8ToServer(m->labels[k], m->label_len[k]));
}

/* A metric: a JSON member after the first, a number or null when undefined */
void
MedrnnAppendMetric(StringInfo b, const char *key, double v)
{
	appendStringInfo(b, ", \"%s\": ", key);
	MedrnnAppendJsonNumber(b, v);
}

/* Fetch the arguments common to both functions */
static void
get_args(FunctionCallInfo fcinfo, bytea **model, Oid *relid, char **input_col, char **label_col)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model, relation, input column and label column must not be NULL")));
	*model = PG_GETARG_BYTEA_PP(0);
	*relid = PG_GETARG_OID(1);
	*input_col = NameStr(*PG_GETARG_NAME(2));
	*label_col = NameStr(*PG_GETARG_NAME(3));
}

PG_FUNCTION_INFO_V1(rnn_evaluate);

/* Metrics of a model on a relation's rows, as jsonb */
Datum
rnn_evaluate(PG_FUNCTION_ARGS)
{
	bytea	   *model;
	Oid			relid;
	char	   *input_col,
			   *label_col;
	ScoreState	ss;
	MrMetrics	mt;
	const MrModel *m;
	int			K;
	StringInfoData j;
	ListCell   *lc;

	MedrnnCachedModel *c;

	get_args(fcinfo, &model, &relid, &input_col, &label_col);
	c = MedrnnLoadModel(CurrentMemoryContext, model);
	if (c->model->task != MR_TASK_CLASSIFICATION)
		return MedrnnEvaluateTargets(c, relid, input_col, label_col);
	score_relation(c, relid, input_col, label_col, c->model->positive_class, &ss);
	m = ss.c->model;
	K = m->cfg.n_classes;
	if (mr_metrics_finish(ss.acc, &mt) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	initStringInfo(&j);
	appendStringInfo(&j, "{\"rows\": " INT64_FORMAT ", \"skipped_null\": " INT64_FORMAT
					 ", \"unseen_label_rows\": " INT64_FORMAT ", \"unseen_labels\": [",
					 mt.rows, ss.skipped_null, ss.unseen.rows);
	foreach(lc, ss.unseen.labels)
	{
		if (lc != list_head(ss.unseen.labels))
			appendStringInfoString(&j, ", ");
		escape_json(&j, (char *) lfirst(lc));
	}
	appendStringInfoChar(&j, ']');
	MedrnnAppendMetric(&j, "accuracy", mt.accuracy);
	MedrnnAppendMetric(&j, "macro_f1", mt.macro_f1);
	MedrnnAppendMetric(&j, "weighted_f1", mt.weighted_f1);
	MedrnnAppendMetric(&j, "log_loss", mt.log_loss);

	appendStringInfoString(&j, ", \"per_class\": {");
	for (int k = 0; k < K; k++)
	{
		if (k)
			appendStringInfoString(&j, ", ");
		append_label(&j, m, k);
		appendStringInfoString(&j, ": {\"precision\": ");
		MedrnnAppendJsonNumber(&j, mt.precision[k]);
		appendStringInfoString(&j, ", \"recall\": ");
		MedrnnAppendJsonNumber(&j, mt.recall[k]);
		appendStringInfoString(&j, ", \"f1\": ");
		MedrnnAppendJsonNumber(&j, mt.f1[k]);
		appendStringInfo(&j, ", \"support\": " INT64_FORMAT "}", mt.support[k]);
	}
	appendStringInfoChar(&j, '}');

	/* rows are true labels, columns predicted ones, in the order of "labels" */
	appendStringInfoString(&j, ", \"confusion_matrix\": {\"labels\": [");
	for (int k = 0; k < K; k++)
	{
		if (k)
			appendStringInfoString(&j, ", ");
		append_label(&j, m, k);
	}
	if (K <= MAX_DENSE_CONFUSION)
	{
		int64	   *dense = palloc0(sizeof(int64) * K * K);

		for (int64 i = 0; i < mt.n_confusion; i++)
			dense[(int64) mt.confusion[i].true_class * K + mt.confusion[i].pred_class] = mt.confusion[i].count;
		appendStringInfoString(&j, "], \"matrix\": [");
		for (int t = 0; t < K; t++)
		{
			appendStringInfo(&j, "%s[", t ? ", " : "");
			for (int p = 0; p < K; p++)
				appendStringInfo(&j, "%s" INT64_FORMAT, p ? ", " : "", dense[(int64) t * K + p]);
			appendStringInfoChar(&j, ']');
		}
		appendStringInfoString(&j, "]}");
	}
	else
	{
		/* too many classes for a dense matrix: the nonzero cells */
		appendStringInfoString(&j, "], \"cells\": [");
		for (int64 i = 0; i < mt.n_confusion; i++)
			appendStringInfo(&j, "%s[%d, %d, " INT64_FORMAT "]", i ? ", " : "",
							 mt.confusion[i].true_class, mt.confusion[i].pred_class,
							 mt.confusion[i].count);
		appendStringInfoString(&j, "]}");
	}

	if (K == 2 && m->positive_class >= 0)
	{
		appendStringInfoString(&j, ", \"positive_label\": ");
		append_label(&j, m, m->positive_class);
		appendStringInfo(&j, ", \"positives\": " INT64_FORMAT, mt.positives);
		MedrnnAppendMetric(&j, "roc_auc", mt.roc_auc);
		MedrnnAppendMetric(&j, "pr_auc", mt.pr_auc);
		MedrnnAppendMetric(&j, "brier", mt.brier);
		appendStringInfoString(&j, ", \"calibration\": [");
		for (int b = 0; b < MR_CALIBRATION_BINS; b++)
		{
			/* edges b * 0.1 in double, as numpy.linspace and mr_metrics have them */
			appendStringInfo(&j, "%s{\"bin\": %d, \"lower\": ", b ? ", " : "", b + 1);
			MedrnnAppendJsonNumber(&j, b * 0.1);
			appendStringInfoString(&j, ", \"upper\": ");
			MedrnnAppendJsonNumber(&j, (b + 1) * 0.1);
			appendStringInfo(&j, ", \"count\": %lld", (long long) mt.calibration[b].count);
			MedrnnAppendMetric(&j, "mean_predicted", mt.calibration[b].mean_score);
			MedrnnAppendMetric(&j, "fraction_positive", mt.calibration[b].frac_positive);
			appendStringInfoChar(&j, '}');
		}
		appendStringInfoChar(&j, ']');
	}
	appendStringInfoChar(&j, '}');
	mr_metrics_free(ss.acc);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(j.data)));
}

PG_FUNCTION_INFO_V1(rnn_roc);

/* The ROC curve of a binary model: one row per distinct score threshold */
Datum
rnn_roc(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *model;
	Oid			relid;
	char	   *input_col,
			   *label_col;
	ScoreState	ss;
	const MrRocPoint *points;
	int64		n_points;
	MedrnnCachedModel *c;
	const MrModel *m;
	int			positive = -1;

	get_args(fcinfo, &model, &relid, &input_col, &label_col);
	/* fail early, before reading any rows */
	c = MedrnnLoadModel(CurrentMemoryContext, model);
	m = c->model;
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4) && m->task != MR_TASK_CLASSIFICATION)
	{
		MedrnnRocTargets(fcinfo, c, relid, input_col, label_col, text_to_cstring(PG_GETARG_TEXT_PP(4)));
		return (Datum) 0;
	}
	/* a class of a classifier: that class against the rest */
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		size_t		len;
		char	   *u = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(4), &len);

		positive = mr_vocab_lookup(m->label_index, u, len);
		if (positive < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("label \"%s\" is not one of the model's labels",
							text_to_cstring(PG_GETARG_TEXT_PP(4)))));
	}
	else if (m->task == MR_TASK_CLASSIFICATION)
		positive = m->positive_class;
	if (m->task != MR_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rnn_roc of a %s model needs a label", mr_task_name(m->task)),
				 m->task == MR_TASK_REGRESSION ?
				 errhint("A regression has no ROC curve; rnn_evaluate gives its errors.") :
				 errhint("Name one of the model's labels: rnn_roc(model, relation, input, labels, 'label').")));
	if (positive < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rnn_roc needs a binary model"),
				 m->cfg.n_classes != 2 ?
				 errdetail("The model has %d classes.", m->cfg.n_classes) :
				 errdetail("The model names no positive class."),
				 errhint("Name a class for its curve against the rest: rnn_roc(model, relation, input, label_col, 'class').")));
	InitMaterializedSRF(fcinfo, 0);
	score_relation(c, relid, input_col, label_col, positive, &ss);
	if (mr_roc_curve(ss.acc, &points, &n_points) != MR_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	for (int64 i = 0; i < n_points; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Float8GetDatum(points[i].threshold);
		values[1] = Float8GetDatum(points[i].tpr);
		values[2] = Float8GetDatum(points[i].fpr);
		values[3] = Float8GetDatum(points[i].precision);
		for (int c = 0; c < 4; c++)
			nulls[c] = isnan(DatumGetFloat8(values[c]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	mr_metrics_free(ss.acc);
	return (Datum) 0;
}
