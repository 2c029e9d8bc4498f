/*
 * train_parallel.c
 *	  Data-parallel training: rnn_train(..., '{"distributed": true}').
 *
 * Each epoch is one aggregate query over the relation,
 *
 *	SELECT rnn_train_epoch(model, input, label, epoch) FROM relation
 *
 * whose transition function collects a part's rows (read as the model
 * reads them) and whose state, when it leaves the part, is that part's
 * weights after one epoch of local steps from the model's (the core's
 * mr_shard_epoch).  The combine function gathers the parts; the
 * coordinator averages their weights by rows and runs the next epoch
 * from the average.  Citus runs an aggregate with a combine function and
 * a non-internal state as a partial aggregate on each shard
 * (worker_partial_agg), moving the state as text through the state type's
 * output and input functions, so every shard trains where it is stored;
 * PostgreSQL's parallel workers run it the same way on one node.  Without
 * either, the whole table is one part: an epoch of ordinary training.
 *
 * The state in progress is an expanded object holding the part's rows;
 * flattening it (for the type's output function, or a tuple) runs the
 * epoch first, so every flat state is finished weights:
 *
 *	"MRTS", u32 version, u32 parts, u32 0, then per part: i64 rows,
 *	i64 skipped, f64 loss_sum, f64 hits, f64 seconds, i32 port, i32 0,
 *	u64 n, float weights[n]
 *
 * in the server's byte order (every node of a cluster shares it).  The
 * combine function concatenates the parts, and the coordinator averages
 * them in an order of their own bytes, so the result does not depend on
 * the order in which the shards answered.  Text states come from outside
 * (rnn_train_state_in): every length is checked before it is read.
 */
#include "postgres.h"

#include <math.h>
#include <time.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "postmaster/postmaster.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "input.h"
#include "medrnn.h"
#include "model_cache.h"
#include "mr_blas.h"
#include "mr_json.h"
#include "mr_shard_epoch.h"
#include "options.h"
#include "seq_type.h"
#include "train_parallel.h"

#define STATE_MAGIC "MRTS"
#define STATE_VERSION 1

typedef struct StateHeader
{
	char		magic[4];
	uint32		version;
	uint32		n_parts;
	uint32		zero;
} StateHeader;

typedef struct PartHeader
{
	int64		rows;
	int64		skipped;
	double		loss_sum;
	double		hits;
	double		seconds;
	int32		port;
	int32		zero;
	uint64		n_params;
} PartHeader;

/* ----------------------------------------------------------------------
 * a part in progress: an expanded object
 * ---------------------------------------------------------------------- */

typedef struct BuildingState
{
	ExpandedObjectHeader hdr;
	MrModel    *model;			/* decoded in the object's context; trained in place */
	MrOptions	options;		/* the ones the model records */
	MrAllocator a;
	MrShardEpoch *se;
	int32		epoch;
	bool		done;
	MrShardResult res;
} BuildingState;

static Size state_get_flat_size(ExpandedObjectHeader *eohptr);
static void state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods state_methods = {
	state_get_flat_size,
	state_flatten_into
};

/*
 * The options a model records.  Its bytes are untrusted like the rest of
 * it: options that do not parse make it an invalid model (22P03), as a
 * bad section would.
 */
static void
model_options(const MrModel *m, const MrAllocator *a, MrOptions *o)
{
	MrJson	   *json;
	MrError		err,
				bad;

	if (mr_json_parse(m->options_json, m->options_len, a, &json, &err) != MR_OK ||
		mr_options_parse(o, json, NULL, a, &err) != MR_OK)
	{
		memset(&bad, 0, sizeof(bad));
		bad.status = MR_ECORRUPT;
		snprintf(bad.detail, sizeof(bad.detail), "Its recorded options do not parse: %s",
				 err.message);
		MedrnnReportModelError(&bad);
	}
}

/* A new part for model, in a context under the aggregate's */
static BuildingState *
building_state_new(MemoryContext aggcxt, bytea *model, int32 epoch)
{
	MemoryContext cxt = AllocSetContextCreate(aggcxt, "medrnn training part",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	BuildingState *bs = palloc0(sizeof(BuildingState));
	MrError		err;

	EOH_init_header(&bs->hdr, &state_methods, cxt);
	bs->epoch = epoch;
	bs->a = MedrnnAllocator(cxt);
	bs->model = MedrnnDecodeModel(model);
	MedrnnCheckPredictor(bs->model);
	model_options(bs->model, &bs->a, &bs->options);
	if (mr_shard_epoch_new(bs->model, &bs->options, (size_t) medrnn_train_memory_limit * 1024,
						   &bs->a, &bs->se, &err) != MR_OK)
		MedrnnReportError(&err);
	MemoryContextSwitchTo(old);
	return bs;
}

/* Batches of the part's epoch show in rnn_progress */
static void
part_on_batch(int epoch, int64_t rows_done, int64_t rows_total, double loss, void *state)
{
	MedrnnProgressBatch(*(int32 *) state, rows_done, rows_total, loss);
}

/* CPU seconds of this process, every thread (training's workers included) */
static double
cpu_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0.0;
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Run the part's epoch, once */
static void
finish_part(BuildingState *bs)
{
	MemoryContext old;
	MrTrainHooks hooks;
	MrError		err;
	volatile MrStatus st = MR_OK;
	volatile int blas_threads;
	double		cpu0;

	if (bs->done)
		return;
	memset(&hooks, 0, sizeof(hooks));
	hooks.should_stop = MedrnnShouldStop;
	hooks.on_batch = part_on_batch;
	hooks.state = &bs->epoch;
	old = MemoryContextSwitchTo(bs->hdr.eoh_context);
	MedrnnProgressStart(InvalidOid, bs->epoch, 0);
	blas_threads = mr_blas_get_threads();
	MedrnnUseThreads(1);
	cpu0 = cpu_seconds();
	PG_TRY();
	{
		st = mr_shard_epoch_run(bs->se, bs->epoch, medrnn_threads, &hooks, &bs->res, &err);
	}
	PG_FINALLY();
	{
		MedrnnProgressEnd();
		mr_blas_set_threads(blas_threads);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	if (st != MR_OK)
		MedrnnReportError(&err);
	/* the compute, not the wall time: parts share a worker's cores */
	bs->res.seconds = cpu_seconds() - cpu0;
	bs->done = true;
}

static Size
part_size(uint64 n_params)
{
	return sizeof(PartHeader) + sizeof(float) * n_params;
}

static Size
state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	BuildingState *bs = (BuildingState *) eohptr;

	finish_part(bs);
	return VARHDRSZ + sizeof(StateHeader) + part_size(bs->model->net.n_params);
}

static void
state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	BuildingState *bs = (BuildingState *) eohptr;
	char	   *p = (char *) result + VARHDRSZ;
	StateHeader sh = {STATE_MAGIC, STATE_VERSION, 1, 0};
	PartHeader	ph;
	uint64		n = bs->model->net.n_params;

	finish_part(bs);
	Assert(allocated_size == VARHDRSZ + sizeof(StateHeader) + part_size(n));
	memset(result, 0, allocated_size);
	SET_VARSIZE(result, allocated_size);
	memcpy(p, &sh, sizeof(sh));
	p += sizeof(sh);
	memset(&ph, 0, sizeof(ph));
	ph.rows = bs->res.rows;
	ph.skipped = bs->res.skipped;
	ph.loss_sum = bs->res.loss_sum;
	ph.hits = bs->res.hits;
	ph.seconds = bs->res.seconds;
	ph.port = PostPortNumber;
	ph.n_params = n;
	memcpy(p, &ph, sizeof(ph));
	p += sizeof(ph);
	memcpy(p, bs->res.params ? bs->res.params : bs->model->params, sizeof(float) * n);
}

/* ----------------------------------------------------------------------
 * flat states
 * ---------------------------------------------------------------------- */

/* A flat state's parts, checked: ERROR for anything malformed */
typedef struct StateParts
{
	int			n;
	const PartHeader **headers;
	const float **weights;
} StateParts;

static void
bad_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid rnn_train_state"),
			 errdetail("%s", detail)));
}

static void
read_parts(const bytea *state, StateParts *sp)
{
	const char *p = VARDATA_ANY(state);
	Size		left = VARSIZE_ANY_EXHDR(state);
	StateHeader sh;

	if (left < sizeof(sh))
		bad_state("The state is shorter than its header.");
	memcpy(&sh, p, sizeof(sh));
	if (memcmp(sh.magic, STATE_MAGIC, 4) != 0 || sh.version != STATE_VERSION || sh.zero != 0)
		bad_state("The header is not that of a training state of this version.");
	p += sizeof(sh);
	left -= sizeof(sh);
	if (sh.n_parts < 1 || sh.n_parts > left / sizeof(PartHeader))
		bad_state("The part count does not fit the state's length.");
	sp->n = (int) sh.n_parts;
	sp->headers = palloc(sizeof(PartHeader *) * sp->n);
	sp->weights = palloc(sizeof(float *) * sp->n);
	for (int i = 0; i < sp->n; i++)
	{
		PartHeader *ph = palloc(sizeof(PartHeader));
		float	   *w;

		if (left < sizeof(PartHeader))
			bad_state("A part is cut short.");
		memcpy(ph, p, sizeof(PartHeader));
		p += sizeof(PartHeader);
		left -= sizeof(PartHeader);
		if (ph->n_params > left / sizeof(float) || ph->rows < 0 || ph->skipped < 0 ||
			!isfinite(ph->loss_sum) || !isfinite(ph->hits) || !isfinite(ph->seconds) ||
			(i > 0 && ph->n_params != sp->headers[0]->n_params))
			bad_state("A part's counts or weights do not fit.");
		/* copied: the bytes need not be aligned for floats */
		w = palloc(sizeof(float) * Max(ph->n_params, 1));
		memcpy(w, p, sizeof(float) * ph->n_params);
		p += sizeof(float) * ph->n_params;
		left -= sizeof(float) * ph->n_params;
		sp->headers[i] = ph;
		sp->weights[i] = w;
	}
	if (left != 0)
		bad_state("There are bytes after the last part.");
}

PG_FUNCTION_INFO_V1(rnn_train_state_in);

/* Text (hex) to a state: checked, since the text can come from anyone */
Datum
rnn_train_state_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	size_t		len = strlen(s);
	bytea	   *b;
	StateParts	sp;

	if (len % 2 != 0)
		bad_state("The text is not hexadecimal bytes.");
	b = palloc(VARHDRSZ + len / 2);
	SET_VARSIZE(b, VARHDRSZ + hex_decode(s, len, VARDATA(b)));
	read_parts(b, &sp);
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(rnn_train_state_out);

/* A state as hex text; a part still in progress runs its epoch first */
Datum
rnn_train_state_out(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_P(0);
	size_t		len = VARSIZE(b) - VARHDRSZ;
	char	   *out = palloc(len * 2 + 1);

	out[hex_encode(VARDATA(b), len, out)] = '\0';
	PG_RETURN_CSTRING(out);
}

/* ----------------------------------------------------------------------
 * the aggregate
 * ---------------------------------------------------------------------- */

typedef enum StepInput
{
	STEP_TEXT,
	STEP_TOKENS,
	STEP_SEQ
} StepInput;

/* The transition: add one row to the part (made at the first row) */
static Datum
epoch_step(FunctionCallInfo fcinfo, StepInput kind)
{
	MemoryContext aggcxt,
				old;
	BuildingState *bs;
	MrError		err;
	MrStatus	st = MR_OK;
	const char *label = NULL;
	size_t		label_len = 0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rnn_train_epoch's transition function can only be called as an aggregate")));
	if (PG_ARGISNULL(0))
	{
		if (PG_ARGISNULL(1) || PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("model and epoch must not be NULL")));
		bs = building_state_new(aggcxt, PG_GETARG_BYTEA_PP(1), PG_GETARG_INT32(4));
	}
	else
	{
		Datum		d = PG_GETARG_DATUM(0);

		if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("rnn_train_epoch cannot add rows to a finished training state")));
		bs = (BuildingState *) DatumGetEOHP(d);
	}
	if (bs->done)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("rnn_train_epoch cannot add rows to a finished training state")));

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		mr_shard_epoch_skip(bs->se);
		PG_RETURN_DATUM(EOHPGetRWDatum(&bs->hdr));
	}
	label = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(3), &label_len);
	old = MemoryContextSwitchTo(bs->hdr.eoh_context);
	switch (kind)
	{
		case STEP_TEXT:
			{
				size_t		len;
				char	   *s = MedrnnTextToUtf8(PG_GETARG_TEXT_PP(2), &len);

				st = mr_shard_epoch_add_text(bs->se, s, len, label, label_len, &err);
				break;
			}
		case STEP_TOKENS:
			{
				const char **toks;
				size_t	   *lens;
				int			n = MedrnnArrayTokens(PG_GETARG_ARRAYTYPE_P(2), false, &toks, &lens);

				st = mr_shard_epoch_add_tokens(bs->se, toks, lens, n, label, label_len, &err);
				break;
			}
		case STEP_SEQ:
			{
				MrSeqView	v;

				RnnSeqGetView(DatumGetRnnSeqP(PG_GETARG_DATUM(2)), &v);
				if (v.kind == MR_SEQ_MEASURES || bs->model->input_kind == MR_INPUT_SERIES)
					st = mr_shard_epoch_add_seq(bs->se, &v, MedrnnServerToUtf8(), label,
												label_len, &err);
				else
				{
					const char **toks;
					size_t	   *lens;
					int			n = MedrnnSeqTokens(&v, false, &toks, &lens);

					st = mr_shard_epoch_add_tokens(bs->se, toks, lens, n, label, label_len, &err);
				}
				break;
			}
	}
	MemoryContextSwitchTo(old);
	if (st != MR_OK)
		MedrnnReportError(&err);
	PG_RETURN_DATUM(EOHPGetRWDatum(&bs->hdr));
}

PG_FUNCTION_INFO_V1(rnn_train_epoch_step_text);
Datum
rnn_train_epoch_step_text(PG_FUNCTION_ARGS)
{
	return epoch_step(fcinfo, STEP_TEXT);
}

PG_FUNCTION_INFO_V1(rnn_train_epoch_step_tokens);
Datum
rnn_train_epoch_step_tokens(PG_FUNCTION_ARGS)
{
	return epoch_step(fcinfo, STEP_TOKENS);
}

PG_FUNCTION_INFO_V1(rnn_train_epoch_step_seq);
Datum
rnn_train_epoch_step_seq(PG_FUNCTION_ARGS)
{
	return epoch_step(fcinfo, STEP_SEQ);
}

PG_FUNCTION_INFO_V1(rnn_train_epoch_combine);

/* The parts of two states, in one (each finished first if it is not) */
Datum
rnn_train_epoch_combine(PG_FUNCTION_ARGS)
{
	bytea	   *a = PG_GETARG_BYTEA_P(0);
	bytea	   *b = PG_GETARG_BYTEA_P(1);
	StateParts	pa,
				pb;
	StateHeader sh;
	Size		len;
	bytea	   *out;

	read_parts(a, &pa);
	read_parts(b, &pb);
	if (pa.headers[0]->n_params != pb.headers[0]->n_params)
		bad_state("The parts' weights differ in number: they are not of one model.");
	len = VARSIZE(a) - VARHDRSZ + VARSIZE(b) - VARHDRSZ - sizeof(StateHeader);
	out = palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	memcpy(&sh, VARDATA(a), sizeof(sh));
	sh.n_parts = (uint32) (pa.n + pb.n);
	memcpy(VARDATA(out), &sh, sizeof(sh));
	memcpy(VARDATA(out) + sizeof(sh), VARDATA(a) + sizeof(sh), VARSIZE(a) - VARHDRSZ - sizeof(sh));
	memcpy(VARDATA(out) + VARSIZE(a) - VARHDRSZ, VARDATA(b) + sizeof(sh),
		   VARSIZE(b) - VARHDRSZ - sizeof(sh));
	PG_RETURN_BYTEA_P(out);
}

/* ----------------------------------------------------------------------
 * the coordinator's epochs
 * ---------------------------------------------------------------------- */

/* Parts in an order of their own: by rows, then by their weights' bytes */
static const StateParts *sort_parts;

static int
compare_parts(const void *x, const void *y)
{
	int			i = *(const int *) x,
				j = *(const int *) y;
	const PartHeader *a = sort_parts->headers[i],
			   *b = sort_parts->headers[j];

	if (a->rows != b->rows)
		return a->rows < b->rows ? 1 : -1;
	return memcmp(sort_parts->weights[i], sort_parts->weights[j], sizeof(float) * a->n_params);
}

/* Per-node compute, for the closing NOTICE */
typedef struct NodeTime
{
	int32		port;
	double		seconds;
	int64		rows;
} NodeTime;

#define MAX_NODES 64

static void
add_node_time(NodeTime *nodes, int *n_nodes, const PartHeader *ph)
{
	for (int i = 0; i < *n_nodes; i++)
		if (nodes[i].port == ph->port)
		{
			nodes[i].seconds += ph->seconds;
			nodes[i].rows += ph->rows;
			return;
		}
	if (*n_nodes < MAX_NODES)
		nodes[(*n_nodes)++] = (NodeTime) {ph->port, ph->seconds, ph->rows};
}

/* The epoch query: the aggregate over the relation's input and label */
static char *
epoch_query(FunctionCallInfo fcinfo, const MedrnnSource *src)
{
	char	   *ext = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));
	char	   *rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(src->relid)),
												 get_rel_name(src->relid));

	return psprintf("SELECT %s.rnn_train_epoch($1, %s%s, %s::%s::pg_catalog.text, $2) FROM %s",
					quote_identifier(ext), quote_identifier(src->input_col),
					src->input_type == MEDRNN_IN_TEXT ? "::pg_catalog.text" :
					src->input_type == MEDRNN_IN_TEXT_ARRAY ? "::pg_catalog.text[]" : "",
					quote_identifier(src->label_col),
					src->task == MR_TASK_REGRESSION ? "pg_catalog.float8" : "pg_catalog.text",
					rel);
}

static double
seconds_since(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_DOUBLE(now);
}

/* The coordinator's training: what every epoch reads and adds to */
typedef struct EpochRun
{
	FunctionCallInfo fcinfo;
	const MedrnnSource *src;
	MrModel    *m;
	MrAllocator a;
	MemoryContext cxt;			/* the run's: the model, the logs */
	MemoryContext epoch_cxt;	/* one epoch's parts and sums, reset after it */
	MrEpochLog *logs;
	int			epochs;
	char	   *query;
	SPIPlanPtr	plan;			/* the query, prepared once */
	bytea	   *start;			/* the untrained model (the caller's) */
	bytea	   *model;			/* the model the next epoch starts from */
	NodeTime	nodes[MAX_NODES];
	int			n_nodes;
	double		coordinator_seconds;	/* averaging and encoding */
	instr_time	t_start;
} EpochRun;

/* One epoch: the aggregate query, then the average of its parts */
static void
run_epoch(EpochRun *r, int e)
{
	MrModel    *m = r->m;
	Oid			argtypes[2] = {BYTEAOID, INT4OID};
	Datum		args[2] = {PointerGetDatum(r->model), Int32GetDatum(e)};
	instr_time	t0,
				t1;
	bool		isnull;
	Datum		d;
	StateParts	sp;
	int		   *order;
	double	   *sum;
	double		rows = 0.0,
				loss = 0.0,
				hits = 0.0;
	uint64		n = m->net.n_params;
	MrEpochLog *log = &r->logs[e - 1];
	uint8_t    *image;
	size_t		len;
	MrError		err;

	CHECK_FOR_INTERRUPTS();
	INSTR_TIME_SET_CURRENT(t0);
	/* not SPI's context, which would keep every epoch's parts until the end */
	MemoryContextSwitchTo(r->epoch_cxt);
	/* a plan that may use parallel workers, run without a row limit (which rules them out) */
	if (!r->plan &&
		(!(r->plan = SPI_prepare_cursor(r->query, 2, argtypes, CURSOR_OPT_PARALLEL_OK)) ||
		 SPI_keepplan(r->plan) != 0))
		elog(ERROR, "preparing the training epoch query failed");
	if (SPI_execute_plan(r->plan, args, NULL, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "the training epoch query failed");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("relation \"%s\" has no rows to train on", r->src->relname)));
	INSTR_TIME_SET_CURRENT(t1);
	read_parts(DatumGetByteaPCopy(d), &sp);
	SPI_freetuptable(SPI_tuptable);
	if (sp.headers[0]->n_params != n)
		bad_state("The parts' weights are not the model's.");

	/* the average, in an order that does not depend on the shards' */
	order = palloc(sizeof(int) * sp.n);
	for (int i = 0; i < sp.n; i++)
		order[i] = i;
	sort_parts = &sp;
	qsort(order, sp.n, sizeof(int), compare_parts);
	sum = palloc0(sizeof(double) * Max(n, 1));
	for (int k = 0; k < sp.n; k++)
	{
		const PartHeader *ph = sp.headers[order[k]];
		const float *w = sp.weights[order[k]];

		if (ph->rows == 0)
			continue;
		for (uint64 j = 0; j < n; j++)
			sum[j] += (double) ph->rows * (double) w[j];
		rows += (double) ph->rows;
		loss += ph->loss_sum;
		hits += ph->hits;
		add_node_time(r->nodes, &r->n_nodes, ph);
	}
	if (rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("relation \"%s\" has no rows to train on", r->src->relname),
				 errdetail("Every row has a NULL input or label, or a label the model does not know.")));
	for (uint64 j = 0; j < n; j++)
		m->params[j] = (float) (sum[j] / rows);
	*log = (MrEpochLog) {e, loss / rows, m->task == MR_TASK_CLASSIFICATION ? hits / rows : NAN,
	NAN, NAN, seconds_since(t0), (int64_t) rows};
	if (!isfinite(log->loss))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("training diverged in epoch %d", e),
				 errhint("Lower learning_rate, or set clip_norm.")));

	/* the model after this epoch: the next one's start, or the result */
	m->n_epochs = e;
	m->best_epoch = e;
	m->epochs = r->logs;
	m->train_rows = (uint64) rows;
	m->val_rows = 0;
	m->stopped_early = 0;
	m->train_seconds = seconds_since(r->t_start);
	if (mr_model_encode(m, &r->a, &image, &len, &err) != MR_OK)
		MedrnnReportError(&err);
	if (r->model != r->start)
		pfree(r->model);
	r->model = MemoryContextAlloc(r->cxt, VARHDRSZ + len);
	SET_VARSIZE(r->model, VARHDRSZ + len);
	memcpy(VARDATA(r->model), image, len);
	mr_free(&r->a, image);
	r->coordinator_seconds += seconds_since(t1);

	if (m->task == MR_TASK_CLASSIFICATION)
		ereport(NOTICE,
				(errmsg("epoch %d/%d: loss %.4f, accuracy %.4f (%d parts, %lld rows)",
						e, r->epochs, log->loss, log->accuracy, sp.n, (long long) rows),
				 errdetail("%.1f s.", log->seconds)));
	else
		ereport(NOTICE,
				(errmsg("epoch %d/%d: loss %.4f (%d parts, %lld rows)",
						e, r->epochs, log->loss, sp.n, (long long) rows),
				 errdetail("%.1f s.", log->seconds)));
	MedrnnProgressBatch(e, (int64) rows, (int64) rows, log->loss);
	MemoryContextSwitchTo(r->cxt);
	MemoryContextReset(r->epoch_cxt);
}

/* See train_parallel.h */
bytea *
MedrnnTrainDataParallel(FunctionCallInfo fcinfo, const MedrnnSource *src, const MrOptions *o,
						bytea *start)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(caller, "medrnn data-parallel training",
											  ALLOCSET_DEFAULT_SIZES);
	EpochRun   *r;
	StringInfoData per_node;
	bytea	   *result;

	MemoryContextSwitchTo(cxt);
	r = palloc0(sizeof(EpochRun));
	INSTR_TIME_SET_CURRENT(r->t_start);
	r->fcinfo = fcinfo;
	r->src = src;
	r->cxt = cxt;
	r->epoch_cxt = AllocSetContextCreate(cxt, "medrnn data-parallel epoch", ALLOCSET_DEFAULT_SIZES);
	r->a = MedrnnAllocator(cxt);
	r->m = MedrnnDecodeModel(start);
	r->epochs = (int) o->epochs;
	r->logs = palloc0(sizeof(MrEpochLog) * r->epochs);
	r->query = epoch_query(fcinfo, src);
	r->start = start;
	r->model = start;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MedrnnProgressStart(src->relid, r->epochs, (int64) r->m->rows_used);
	PG_TRY();
	{
		for (int e = 1; e <= r->epochs; e++)
			run_epoch(r, e);
	}
	PG_FINALLY();
	{
		MedrnnProgressEnd();
		if (r->plan)
			SPI_freeplan(r->plan);
	}
	PG_END_TRY();
	SPI_finish();

	initStringInfo(&per_node);
	for (int i = 0; i < r->n_nodes; i++)
		appendStringInfo(&per_node, "%snode on port %d: %.1f s for %lld rows",
						 i ? "; " : "", r->nodes[i].port, r->nodes[i].seconds,
						 (long long) r->nodes[i].rows);
	ereport(NOTICE,
			(errmsg("data-parallel training: %d epochs in %.1f s; the coordinator averaged and encoded for %.1f s",
					r->epochs, seconds_since(r->t_start), r->coordinator_seconds),
			 errdetail("Training compute (CPU) over all epochs, by node: %s.", per_node.data)));

	result = MemoryContextAlloc(caller, VARSIZE(r->model));
	memcpy(result, r->model, VARSIZE(r->model));
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(cxt);
	return result;
}
