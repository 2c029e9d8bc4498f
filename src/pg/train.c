/*
 * train.c
 *	  rnn_train(relation, input_col, label_col [, base], options) and
 *	  rnn_pretrain(relation, input_col, options): read the rows through SPI
 *	  and hand them to the core's fit pipeline (mr_fit), which returns the
 *	  model.
 *
 * What stays here is what needs the server: resolving the relation and
 * columns, reading rows as the calling user, converting them to the
 * core's UTF-8 rows, the memory budget and thread settings, progress, and
 * turning the core's statuses and notices into ereport.  All training
 * memory lives in one "medrnn train context", so an error, a cancel or
 * statement_timeout anywhere (including inside the core, which polls
 * CHECK_FOR_INTERRUPTS between rows and batches) frees everything and
 * returns nothing: there is no half-built model to store.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "info.h"
#include "input.h"
#include "medrnn.h"
#include "mr_blas.h"
#include "mr_fit.h"
#include "mr_series.h"
#include "options.h"
#include "model_cache.h"
#include "read_rows.h"
#include "registry.h"
#include "train_parallel.h"

/* The row source mr_fit reads: the SPI scan, rows converted to UTF-8 */
typedef struct TrainSource
{
	MedrnnScan	scan;
	MedrnnInputType input_type;
} TrainSource;

/* An rnnseq input as tokens, measurements, or an empty sequence */
static void
seq_row(Datum input, MrRow *row)
{
	MrSeqView	v;

	RnnSeqGetView(DatumGetRnnSeqP(input), &v);
	row->dropped_events = v.n_dropped;
	if (v.kind == MR_SEQ_EMPTY)
		row->kind = MR_ROW_EMPTY;
	else if (v.kind == MR_SEQ_MEASURES)
	{
		double	   *times,
				   *values;
		const char **vars;
		size_t	   *var_lens;

		row->kind = MR_ROW_EVENTS;
		row->n = MedrnnSeqEvents(&v, &times, &vars, &var_lens, &values);
		row->times = times;
		row->vars = vars;
		row->var_lens = var_lens;
		row->values = values;
		row->time_kind = v.time_kind == MR_SEQ_TIME_TIMESTAMP ?
			MR_SERIES_TIME_TIMESTAMP : MR_SERIES_TIME_NUMBER;
	}
	else
	{
		/* tokens, or timed tokens in time order */
		const char **toks;
		size_t	   *lens;

		row->kind = MR_ROW_TOKENS;
		row->n = MedrnnSeqTokens(&v, false, &toks, &lens);
		row->toks = toks;
		row->lens = lens;
	}
}

/* The next row for mr_fit (an MrRowSource) */
static void
next_row(MrRow *row, void *state)
{
	TrainSource *ts = state;
	Datum		input;
	bool		input_null;
	MemoryContext old;

	if (!MedrnnScanNext(&ts->scan, &input, &input_null, &row->label, &row->label_len))
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->input_null = input_null;
	if (input_null)
	{
		row->kind = MR_ROW_TEXT;
		return;
	}
	old = MemoryContextSwitchTo(ts->scan.rowcxt);
	switch (ts->input_type)
	{
		case MEDRNN_IN_TEXT:
			row->kind = MR_ROW_TEXT;
			row->text = MedrnnTextToUtf8(DatumGetTextPP(input), &row->len);
			break;
		case MEDRNN_IN_TEXT_ARRAY:
			{
				const char **toks;
				size_t	   *lens;

				row->kind = MR_ROW_TOKENS;
				row->n = MedrnnArrayTokens(DatumGetArrayTypeP(input), false, &toks, &lens);
				row->toks = toks;
				row->lens = lens;
				break;
			}
		case MEDRNN_IN_RNNSEQ:
			seq_row(input, row);
			break;
	}
	MemoryContextSwitchTo(old);
}

/* Training begins: the live progress view learns its size */
static void
train_on_start(const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data,
			   void *state)
{
	MedrnnProgressStart(*(Oid *) state, tc->epochs, data->n);
}

static void
train_on_batch(int epoch, int64_t rows_done, int64_t rows_total, double loss, void *state)
{
	MedrnnProgressBatch(epoch, rows_done, rows_total, loss);
}

/*
 * A name of the server's as UTF-8, NUL-terminated, for the core's messages
 * (the source itself in a UTF8 database, else a converted copy)
 */
static const char *
utf8_name(const char *s)
{
	return pg_server_to_any(s, (int) strlen(s), PG_UTF8);
}

/*
 * Fine-tuning: decode the base model (given, or deployed under the name in
 * the options) into the training context and put it in spec with its
 * fingerprint.  A base given both ways is an error.
 */
static void
set_base_model(FunctionCallInfo fcinfo, bytea *base, MrFitSpec *spec)
{
	const MrOptions *o = &spec->options;
	MrModel    *m;

	if (base && o->base_model)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the base model is given twice"),
				 errdetail("rnn_train was passed a model and option \"base_model\" names one."),
				 errhint("Leave out \"base_model\".")));
	if (!base && o->base_model)
		base = MedrnnDeployedModelBytes(fcinfo,
										MedrnnUtf8ToServer(o->base_model, o->base_model_len));
	if (!base)
		return;
	m = MedrnnDecodeModel(base);
	MedrnnModelDigest((const uint8 *) VARDATA_ANY(base), m->fingerprint_len, spec->base_fingerprint);
	spec->base = m;
}

/* What data-parallel training does not do (train_parallel.c): ERRORs */
static void
check_data_parallel(const MrFitSpec *spec, bytea *base)
{
	const MrOptions *o = &spec->options;
	const char *what = NULL;

	if (spec->task != MR_TASK_CLASSIFICATION && spec->task != MR_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"distributed\" trains classification and regression models only"),
				 errhint("Train this model without \"distributed\".")));
	if (o->validation_split > 0)
		what = "validation_split";
	else if (o->patience > 0)
		what = "early_stopping";
	else if (o->smiles_variants > 1)
		what = "smiles_variants";
	else if (base || o->base_model)
		what = "base_model";
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" cannot be used with \"distributed\"", what),
				 errdetail("Data-parallel training runs a fixed number of epochs from scratch, every row read as written."),
				 errhint("Leave out one of the two options.")));
}

/*
 * Train on a relation's rows: a model of the label column (label_col), or
 * a language model of the input alone (label_col NULL), from scratch or
 * from base (NULL: none, or the options' "base_model")
 */
static bytea *
train_model(FunctionCallInfo fcinfo, Oid relid, const char *input_col, const char *label_col,
			Jsonb *options, bytea *base)
{
	MedrnnSource src;
	MrFitSpec	spec;
	MrFitHooks	hooks;
	TrainSource ts;
	MemoryContext train_cxt,
				caller = CurrentMemoryContext;
	MrAllocator a;
	MrError		err;
	volatile MrStatus st = MR_OK;
	volatile int blas_threads;
	uint8_t    *image = NULL;
	size_t		len = 0;
	bytea	   *result;

	memset(&spec, 0, sizeof(spec));
	MedrnnParseOptions(options, &spec.options);
	MedrnnResolveSource(relid, input_col, label_col, spec.options.task, &src);
	spec.task = label_col ? src.task : MR_TASK_LANGUAGE_MODEL;
	spec.label_column = label_col ? utf8_name(label_col) : NULL;
	spec.source = src.input_type == MEDRNN_IN_TEXT ? MR_SOURCE_TEXT :
		src.input_type == MEDRNN_IN_TEXT_ARRAY ? MR_SOURCE_TOKENS : MR_SOURCE_SEQ;
	spec.relation = utf8_name(src.relname);
	spec.input_column = utf8_name(input_col);
	spec.threads = medrnn_threads;
	spec.memory_limit = (size_t) medrnn_train_memory_limit * 1024;
	spec.format_double = MedrnnFormatDouble;
	/* data-parallel: the rows are read here once, for the vocabulary and labels */
	if (spec.options.distributed)
	{
		check_data_parallel(&spec, base);
		spec.init_only = 1;
	}

	memset(&hooks, 0, sizeof(hooks));
	hooks.should_stop = MedrnnShouldStop;
	hooks.notice = MedrnnNotice;
	hooks.on_start = train_on_start;
	hooks.on_batch = train_on_batch;
	hooks.state = &relid;

	train_cxt = AllocSetContextCreate(CurrentMemoryContext, "medrnn train context",
									  ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(train_cxt);
	set_base_model(fcinfo, base, &spec);
	a = MedrnnAllocator(train_cxt);
	memset(&ts, 0, sizeof(ts));
	ts.input_type = src.input_type;
	MedrnnScanBegin(&src, &ts.scan);

	/* the workers split each batch; each runs single-threaded BLAS */
	blas_threads = mr_blas_get_threads();
	MedrnnUseThreads(1);
	PG_TRY();
	{
		st = mr_fit(&spec, &(MrRowSource) {next_row, &ts}, &hooks, &a, &image, &len, &err);
	}
	PG_FINALLY();
	{
		/* a cancel or an error in the core leaves no stale progress row */
		MedrnnProgressEnd();
		mr_blas_set_threads(blas_threads);
	}
	PG_END_TRY();
	MedrnnScanEnd(&ts.scan);
	if (st != MR_OK)
		MedrnnReportError(&err);

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %zu bytes is larger than a bytea can hold", len),
				 errhint("Reduce num_words, embed_dim or hidden.")));
	result = MemoryContextAlloc(caller, VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), image, len);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(train_cxt);
	if (spec.options.distributed)
		result = MedrnnTrainDataParallel(fcinfo, &src, &spec.options, result);
	return result;
}

PG_FUNCTION_INFO_V1(rnn_train);

/*
 * Train a model on a relation's rows:
 * rnn_train(relation, input_col, label_col, options), or with a base model
 * to fine-tune, rnn_train(relation, input_col, label_col, base, options)
 */
Datum
rnn_train(PG_FUNCTION_ARGS)
{
	int			opt_arg = PG_NARGS() == 5 ? 4 : 3;
	bytea	   *base = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation, input column and label column must not be NULL")));
	if (PG_NARGS() == 5)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("base model must not be NULL"),
					 errhint("To train from scratch, leave the base model out.")));
		base = PG_GETARG_BYTEA_PP(3);
	}
	PG_RETURN_BYTEA_P(train_model(fcinfo, PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(1)),
								  NameStr(*PG_GETARG_NAME(2)),
								  PG_ARGISNULL(opt_arg) ? NULL : PG_GETARG_JSONB_P(opt_arg), base));
}

PG_FUNCTION_INFO_V1(rnn_pretrain);

/* Pretrain a language model on a relation's input column: rnn_pretrain(relation, input_col, options) */
Datum
rnn_pretrain(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation and input column must not be NULL")));
	PG_RETURN_BYTEA_P(train_model(fcinfo, PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(1)), NULL,
								  PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), NULL));
}
