/*
 * train.c
 *	  rnn_train(relation, input_col, label_col, options): read the rows,
 *	  build the vocabulary, train the network, return the model as bytea.
 *
 * All training memory lives in one "medrnn train context", so an error,
 * a cancel or statement_timeout anywhere (including inside the core,
 * which polls CHECK_FOR_INTERRUPTS between batches) frees everything and
 * returns nothing: there is no half-built model to store.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "medrnn.h"
#include "mr_blas.h"
#include "mr_corpus.h"
#include "mr_model.h"
#include "mr_train.h"
#include "mr_series_corpus.h"
#include "options.h"
#include "read_rows.h"
#include "seq_input.h"

/* State of the row scan */
typedef struct ReadState
{
	const MedrnnSource *src;
	MrCorpus   *corpus;			/* text and token rows */
	MrSeriesCorpus *series;		/* measurement rows */
	MemoryContext cxt;			/* for what outlives a row */
	MedrnnSeqMode mode;			/* rnnseq input: decided by the first non-empty row */
	int			time_kind;		/* measurement rows: RNNSEQ_TIME_* */
	List	   *empty_labels;	/* labels of empty sequences seen before the mode */
	int64		seen;
	int64		skipped_null;
	int64		dropped_events; /* events the aggregate skipped (NULL times) */
} ReadState;

/* Add an rnnseq row as tokens or as measurements */
static MrStatus
add_seq_row(ReadState *rs, Datum input, const char *label, size_t label_len, MrError *err)
{
	RnnSeqView	v;
	MedrnnSeqMode mode;

	RnnSeqGetView((struct varlena *) DatumGetRnnSeqP(input), &v);
	rs->dropped_events += v.n_dropped;
	mode = MedrnnSeqModeOf(&v);
	if (mode == MEDRNN_SEQ_ANY && rs->mode == MEDRNN_SEQ_ANY)
	{
		/* an empty sequence before we know what the column holds: later */
		MemoryContext old = MemoryContextSwitchTo(rs->cxt);

		rs->empty_labels = lappend(rs->empty_labels, pnstrdup(label, label_len));
		MemoryContextSwitchTo(old);
		return MR_OK;
	}
	if (mode != MEDRNN_SEQ_ANY)
	{
		if (rs->mode == MEDRNN_SEQ_ANY)
		{
			rs->mode = mode;
			rs->time_kind = v.time_kind;
		}
		else if (rs->mode != mode)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" holds both token and measurement sequences", rs->src->input_col),
					 errhint("Train token sequences and measurement sequences as separate models.")));
		if (mode == MEDRNN_SEQ_SERIES && v.time_kind != rs->time_kind)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("measurement sequences mix numeric times and timestamps")));
	}
	if (rs->mode == MEDRNN_SEQ_TOKENS)
	{
		const char **toks;
		size_t	   *lens;
		int			n = MedrnnSeqTokens(&v, &toks, &lens);

		return mr_corpus_add_tokens(rs->corpus, toks, lens, n, label, label_len, err);
	}
	else
	{
		double	   *times,
				   *values;
		const char **vars;
		size_t	   *var_lens;
		int			n = MedrnnSeqEvents(&v, &times, &vars, &var_lens, &values);

		return mr_series_corpus_add(rs->series, times, vars, var_lens, values, n,
									label, label_len, err);
	}
}

/* Add one row to the corpus, or count it as skipped */
static void
add_row(Datum input, bool input_null, const char *label, size_t label_len, void *arg)
{
	ReadState  *rs = arg;
	MrError		err;
	MrStatus	st;

	rs->seen++;
	if (input_null || label == NULL)
	{
		rs->skipped_null++;
		return;
	}
	if (rs->src->input_type == MEDRNN_IN_TEXT)
	{
		size_t		len;
		char	   *u = MedrnnTextToUtf8(DatumGetTextPP(input), &len);

		st = mr_corpus_add_text(rs->corpus, u, len, label, label_len, &err);
	}
	else if (rs->src->input_type == MEDRNN_IN_RNNSEQ)
		st = add_seq_row(rs, input, label, label_len, &err);
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(input);
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					k = 0;
		const char **toks;
		size_t	   *lens;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		toks = palloc(sizeof(char *) * (n + 1));
		lens = palloc(sizeof(size_t) * (n + 1));
		for (int i = 0; i < n; i++)
		{
			/* a NULL element is a missing token: nothing to embed */
			if (nulls[i])
				continue;
			toks[k] = MedrnnTextToUtf8(DatumGetTextPP(elems[i]), &lens[k]);
			k++;
		}
		st = mr_corpus_add_tokens(rs->corpus, toks, lens, k, label, label_len, &err);
	}
	if (st != MR_OK)
		MedrnnReportTrainError(&err);
	if ((rs->seen & 1023) == 0)
		CHECK_FOR_INTERRUPTS();
}

/* Hooks the core calls during training */
typedef struct TrainHookState
{
	int			epochs;
} TrainHookState;

static void
train_on_batch(int epoch, int64_t rows_done, int64_t rows_total, double loss, void *state)
{
	MedrnnProgressBatch(epoch, rows_done, rows_total, loss);
}

static void
train_on_epoch(const MrEpochLog *log, void *state)
{
	TrainHookState *hs = state;
	double		rate = log->seconds > 0 ? log->rows / log->seconds : 0.0;

	/* timings go to the detail: they differ between identical runs */
	if (isnan(log->val_loss))
		ereport(NOTICE,
				(errmsg("epoch %d/%d: loss %.4f, accuracy %.4f",
						log->epoch, hs->epochs, log->loss, log->accuracy),
				 errdetail("%.1f s, %.0f rows/s.", log->seconds, rate)));
	else
		ereport(NOTICE,
				(errmsg("epoch %d/%d: loss %.4f, accuracy %.4f, val_loss %.4f, val_accuracy %.4f",
						log->epoch, hs->epochs, log->loss, log->accuracy,
						log->val_loss, log->val_accuracy),
				 errdetail("%.1f s, %.0f rows/s.", log->seconds, rate)));
}

/* The classes of the training rows, whatever kind of rows they are */
typedef struct Classes
{
	const MrVocab *labels;		/* label text -> label id */
	const int32_t *class_label; /* (K) label id of class k */
	const int64_t *count;		/* (K) rows per class */
	int32		K;
	int64		n;				/* rows */
} Classes;

/* Index of a label (UTF-8) among the classes, or -1 */
static int
class_of_label(const Classes *c, const char *label)
{
	int32_t		id = mr_vocab_lookup(c->labels, label, strlen(label));

	for (int k = 0; id >= 0 && k < c->K; k++)
		if (c->class_label[k] == id)
			return k;
	return -1;
}

/* Text of class k (UTF-8, not NUL-terminated) */
static const char *
class_text(const Classes *c, int k, size_t *len)
{
	return mr_vocab_key(c->labels, c->class_label[k], len);
}

/*
 * The positive class of a binary model: the positive_label option, else
 * the one of 1/true/yes/positive when the other is 0/false/no/negative,
 * else the second label in sort order (scikit-learn's classes_[1]).
 */
static int
positive_class(const Classes *c, const MedrnnOptions *o)
{
	static const char *const pairs[][2] = {
		{"0", "1"}, {"false", "true"}, {"f", "t"}, {"no", "yes"}, {"negative", "positive"},
		{"N", "Y"}, {"n", "y"}
	};

	if (o->positive_label)
	{
		int			k = class_of_label(c, o->positive_label);

		if (c->K != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"positive_label\" applies to two classes only"),
					 errdetail("The rows have %d classes.", c->K)));
		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("positive label \"%s\" does not occur in the training rows",
							MedrnnUtf8ToServer(o->positive_label, strlen(o->positive_label)))));
		return k;
	}
	if (c->K != 2)
		return -1;
	for (size_t i = 0; i < lengthof(pairs); i++)
	{
		size_t		l0,
					l1;
		const char *s0 = class_text(c, 0, &l0);
		const char *s1 = class_text(c, 1, &l1);

		/* classes are in byte order, and each pair is too */
		if (l0 == strlen(pairs[i][0]) && memcmp(s0, pairs[i][0], l0) == 0 &&
			l1 == strlen(pairs[i][1]) && memcmp(s1, pairs[i][1], l1) == 0)
			return 1;
	}
	return 1;
}

/* Per-class loss weights from the class_weight option, or NULL */
static float *
class_weights(const Classes *c, const MedrnnOptions *o)
{
	float	   *w;
	int			K = c->K;

	if (o->class_weight == MEDRNN_CW_NONE)
		return NULL;
	w = palloc(sizeof(float) * K);
	for (int k = 0; k < K; k++)
		w[k] = 1.0f;
	if (o->class_weight == MEDRNN_CW_BALANCED)
	{
		for (int k = 0; k < K; k++)
			w[k] = (float) ((double) c->n / ((double) K * c->count[k]));
		return w;
	}
	for (int i = 0; i < o->n_explicit_weights; i++)
	{
		int			k = class_of_label(c, o->weight_labels[i]);

		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("class_weight names label \"%s\", which does not occur in the training rows",
							MedrnnUtf8ToServer(o->weight_labels[i], strlen(o->weight_labels[i])))));
		w[k] = (float) o->weight_values[i];
	}
	return w;
}

/* Fail before allocating when the model and training state would not fit */
static void
check_memory(const MrNetConfig *cfg, const MrTrainConfig *tc, int64 n_rows,
			 size_t already, size_t limit)
{
	size_t		n_params,
				train_bytes,
				total;

	if (mr_net_param_count(cfg, &n_params) != MR_OK ||
		mr_train_memory(cfg, tc, n_rows, &train_bytes) != MR_OK ||
		!mr_mul_size(n_params, 2 * sizeof(float), &total) ||	/* weights + encoded model */
		!mr_add_size(total, train_bytes, &total) ||
		!mr_add_size(total, already, &total) ||
		total > limit)
	{
		MrError		err;

		mr_set_error(&err, MR_ELIMIT,
					 "The model has %zu parameters; with the optimizer state, one batch's activations and the rows, training needs about %zu MB.",
					 n_params, (size_t) (total / (1024 * 1024)));
		MedrnnReportTrainError(&err);
	}
}

/* The training rows, ready for the core, and what the model keeps of them */
typedef struct TrainingRows
{
	MrDataset	data;
	Classes		classes;
	int32		vocab_size;		/* token models: V; series models: 0 */
	int32		n_features;		/* series models: 3 V */
	size_t		memory;			/* bytes the rows hold, for the budget */
	/* token models */
	int32		n_tokens;
	const char **tokens;
	uint32_t   *token_len;
	/* series models */
	MrSeriesRows series;
	int			series_time_kind;
	int			series_origin;
	double		series_step;
} TrainingRows;

/* Check there is something to learn: rows, and two classes */
static void
check_rows(const ReadState *rs, const MedrnnSource *src, int64 n, const MrVocab *labels)
{
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no rows to train on"),
				 errdetail("Relation \"%s\" has %lld rows, %lld of them with a NULL input or label.",
						   src->relname, (long long) rs->seen, (long long) rs->skipped_null),
				 errhint("Train on rows with a non-NULL input and label.")));
	if (mr_vocab_size(labels) < 2)
	{
		size_t		l;
		const char *only = mr_vocab_key(labels, 0, &l);

		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot train a classifier on a single class"),
				 errdetail("All %lld usable rows have label \"%s\".",
						   (long long) n, MedrnnUtf8ToServer(only, l)),
				 errhint("A classifier needs rows of at least two distinct labels.")));
	}
}

/* Text and token rows: rank the vocabulary and window every row */
static void
finish_token_rows(ReadState *rs, const MedrnnSource *src, const MedrnnOptions *o,
				  TrainingRows *tr)
{
	MrCorpusRows rows;
	MrError		err;

	check_rows(rs, src, mr_corpus_rows(rs->corpus), mr_corpus_labels(rs->corpus));
	if (mr_corpus_finish(rs->corpus, o->num_words, o->maxlen, o->padding, o->truncating,
						 &rows, &err) != MR_OK)
		MedrnnReportTrainError(&err);
	tr->data = (MrDataset) {rows.n, rows.ids, NULL, rows.lengths, rows.labels, rows.variants};
	tr->classes = (Classes) {mr_corpus_labels(rs->corpus), rows.class_label, rows.class_count,
	rows.n_classes, rows.n};
	tr->vocab_size = rows.vocab_size;
	/* the token lists, then the windowed rows with their SMILES variants */
	tr->memory = mr_corpus_memory(rs->corpus) +
		(size_t) rows.n * rows.variants * (o->maxlen + 1) * sizeof(int32_t);
	tr->n_tokens = rows.vocab_size - 1;
	tr->tokens = palloc(sizeof(char *) * (tr->n_tokens + 1));
	tr->token_len = palloc(sizeof(uint32_t) * (tr->n_tokens + 1));
	for (int i = 0; i < tr->n_tokens; i++)
	{
		size_t		l;

		tr->tokens[i] = mr_vocab_key(mr_corpus_words(rs->corpus), rows.word_ids[i], &l);
		tr->token_len[i] = (uint32_t) l;
	}
}

/* Measurement rows: resample every row onto the grid */
static void
finish_series_rows(ReadState *rs, const MedrnnSource *src, const MedrnnOptions *o,
				   TrainingRows *tr)
{
	MrError		err;

	check_rows(rs, src, mr_series_corpus_rows(rs->series), mr_series_corpus_labels(rs->series));
	if (!(o->step > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"step\" is required for measurement sequences"),
				 errhint("Give the width of a time bin, e.g. {\"step\": 60} for hourly bins of times in minutes, or {\"step\": \"1 hour\"} for timestamps.")));
	if (o->step_is_interval && rs->time_kind != RNNSEQ_TIME_TIMESTAMP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"step\" is an interval but the sequences are timed by numbers"),
				 errhint("Give the step as a number, in the sequences' time unit.")));
	tr->series_time_kind = rs->time_kind == RNNSEQ_TIME_TIMESTAMP ?
		MR_SERIES_TIME_TIMESTAMP : MR_SERIES_TIME_NUMBER;
	/* a timestamp has no natural zero; a number usually counts from admission */
	tr->series_origin = o->origin >= 0 ? o->origin :
		(tr->series_time_kind == MR_SERIES_TIME_TIMESTAMP ? MR_ORIGIN_FIRST : MR_ORIGIN_ZERO);
	tr->series_step = o->step;
	if (mr_series_corpus_finish(rs->series, o->maxlen, o->step, tr->series_origin,
								&tr->series, &err) != MR_OK)
		MedrnnReportTrainError(&err);
	tr->data = (MrDataset) {tr->series.n, NULL, tr->series.feats, tr->series.lengths,
	tr->series.labels};
	tr->classes = (Classes) {mr_series_corpus_labels(rs->series), tr->series.class_label,
	tr->series.class_count, tr->series.n_classes, tr->series.n};
	tr->n_features = MR_SERIES_INPUTS_PER_VAR * tr->series.n_vars;
	tr->memory = mr_series_corpus_memory(rs->series) +
		sizeof(float) * (size_t) tr->series.n * o->maxlen * tr->n_features;
	if (tr->series.events_on_grid < tr->series.events)
		ereport(NOTICE,
				(errmsg("%lld of %lld events fall outside the grid of %d bins and are not used",
						(long long) (tr->series.events - tr->series.events_on_grid),
						(long long) tr->series.events, o->maxlen)));
}

/* Empty sequences read before the column's kind was known */
static void
add_deferred_empty(ReadState *rs, const MedrnnSource *src)
{
	ListCell   *lc;
	MrError		err;

	if (rs->mode == MEDRNN_SEQ_ANY && rs->empty_labels != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("every sequence in relation \"%s\" is empty", src->relname)));
	foreach(lc, rs->empty_labels)
	{
		const char *label = lfirst(lc);
		MrStatus	st;

		if (rs->mode == MEDRNN_SEQ_TOKENS)
			st = mr_corpus_add_tokens(rs->corpus, NULL, NULL, 0, label, strlen(label), &err);
		else
			st = mr_series_corpus_add(rs->series, NULL, NULL, NULL, NULL, 0,
									  label, strlen(label), &err);
		if (st != MR_OK)
			MedrnnReportTrainError(&err);
	}
}

PG_FUNCTION_INFO_V1(rnn_train);

/* Train a classifier on a relation's rows */
Datum
rnn_train(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *input_col,
			   *label_col;
	MedrnnOptions o;
	MedrnnSource src;
	MemoryContext train_cxt,
				caller = CurrentMemoryContext;
	MrAllocator a;
	MrTokenizer tk;
	ReadState	rs;
	TrainingRows tr;
	MrNetConfig cfg;
	MrTrainConfig tc;
	MrTrainResult res;
	MrTrainHooks hooks;
	TrainHookState hs;
	MrModel		m;
	MrError		err;
	volatile MrStatus st;		/* set inside PG_TRY */
	size_t		limit = (size_t) medrnn_train_memory_limit * 1024;
	size_t		n_params,
				len;
	float	   *params;
	uint8_t    *image;
	bytea	   *result;
	char	   *options_json;
	bool		series;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation, input column and label column must not be NULL")));
	relid = PG_GETARG_OID(0);
	input_col = NameStr(*PG_GETARG_NAME(1));
	label_col = NameStr(*PG_GETARG_NAME(2));
	MedrnnParseOptions(PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3), &o);
	MedrnnResolveSource(relid, input_col, label_col, &src);
	if (o.smiles_variants > 1 && src.input_type != MEDRNN_IN_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"smiles_variants\" needs a text input column"),
				 errdetail("Column \"%s\" holds tokens or sequences, which are not rewritten.",
						   input_col)));

	train_cxt = AllocSetContextCreate(CurrentMemoryContext, "medrnn train context",
									  ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(train_cxt);
	a = MedrnnAllocator(train_cxt);
	tk.kind = o.tokenizer;
	tk.lowercase = o.lowercase;

	/* read every row: tokenize texts, collect tokens or measurements */
	memset(&rs, 0, sizeof(rs));
	rs.src = &src;
	rs.cxt = train_cxt;
	rs.corpus = mr_corpus_new(&a, &tk, limit);
	rs.series = mr_series_corpus_new(&a, limit);
	if (!rs.corpus || !rs.series)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	mr_corpus_set_smiles_variants(rs.corpus, o.smiles_variants, (uint64_t) o.seed);
	MedrnnScanSource(&src, add_row, &rs);
	add_deferred_empty(&rs, &src);

	if (rs.skipped_null > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld of %lld rows whose input or label is NULL",
						(long long) rs.skipped_null, (long long) rs.seen)));
	if (rs.dropped_events > 0)
		ereport(NOTICE,
				(errmsg("the sequences omit %lld events that had a NULL time or variable",
						(long long) rs.dropped_events)));

	if (mr_corpus_not_rewritten(rs.corpus) > 0)
		ereport(NOTICE,
				(errmsg("%lld of %lld texts are not SMILES that medrnn can rewrite; they train as written",
						(long long) mr_corpus_not_rewritten(rs.corpus),
						(long long) mr_corpus_rows(rs.corpus)),
				 errdetail("Each such text stands for all %d of its variants.", o.smiles_variants)));

	memset(&tr, 0, sizeof(tr));
	series = src.input_type == MEDRNN_IN_RNNSEQ && rs.mode == MEDRNN_SEQ_SERIES;
	if (series)
		finish_series_rows(&rs, &src, &o, &tr);
	else
		finish_token_rows(&rs, &src, &o, &tr);

	/* the network */
	memset(&cfg, 0, sizeof(cfg));
	cfg.vocab_size = tr.vocab_size;
	cfg.embed_dim = series ? 0 : o.embed_dim;
	cfg.n_features = tr.n_features;
	cfg.maxlen = o.maxlen;
	cfg.padding = o.padding;
	cfg.n_layers = o.n_layers;
	memcpy(cfg.hidden, o.hidden, sizeof(cfg.hidden));
	cfg.bidirectional = o.bidirectional;
	cfg.pooling = o.pooling;
	cfg.n_classes = tr.classes.K;
	if (mr_net_check_config(&cfg, &err) != MR_OK)
		MedrnnReportTrainError(&err);

	memset(&tc, 0, sizeof(tc));
	tc.epochs = o.epochs;
	tc.batch_size = o.batch_size;
	tc.adam.lr = (float) o.learning_rate;
	tc.adam.beta1 = 0.9f;
	tc.adam.beta2 = 0.999f;
	tc.adam.eps = 1e-7f;		/* Keras */
	tc.clip_norm = (float) o.clip_norm;
	tc.l2 = (float) o.l2;
	tc.dropout.input = (float) o.dropout;
	tc.dropout.recurrent = (float) o.recurrent_dropout;
	tc.seed = (uint64_t) o.seed;
	tc.validation_split = (float) o.validation_split;
	tc.patience = o.patience;
	tc.class_weight = class_weights(&tr.classes, &o);
	tc.threads = medrnn_threads;

	check_memory(&cfg, &tc, tr.data.n, tr.memory, limit);
	mr_net_param_count(&cfg, &n_params);
	params = MemoryContextAllocExtended(train_cxt, sizeof(float) * n_params, MCXT_ALLOC_HUGE);

	memset(&m, 0, sizeof(m));
	mr_net_bind(&m.net, &cfg, params, n_params);
	hs.epochs = o.epochs;
	hooks.should_stop = MedrnnShouldStop;
	hooks.on_epoch = train_on_epoch;
	hooks.on_batch = train_on_batch;
	hooks.state = &hs;
	/* the workers split each batch; each runs single-threaded BLAS */
	MedrnnUseThreads(1);
	/* rows per epoch are known exactly once the split is drawn: first batch */
	MedrnnProgressStart(relid, o.epochs, tr.data.n);
	PG_TRY();
	{
		st = mr_train(&m.net, &tr.data, &tc, &hooks, &a, &res, &err);
	}
	PG_FINALLY();
	{
		/* a cancel or an error in the core leaves no stale progress row */
		MedrnnProgressEnd();
	}
	PG_END_TRY();
	if (st != MR_OK)
		MedrnnReportTrainError(&err);

	/* the model */
	m.input_kind = series ? MR_INPUT_SERIES :
		src.input_type == MEDRNN_IN_TEXT ? MR_INPUT_TEXT : MR_INPUT_TOKENS;
	m.tokenizer = src.input_type == MEDRNN_IN_TEXT ? o.tokenizer : 0;
	m.lowercase = src.input_type == MEDRNN_IN_TEXT ? o.lowercase : 0;
	m.truncating = o.truncating;
	m.smiles_variants = o.smiles_variants > 1 ? o.smiles_variants : 0;
	m.rows_not_rewritten = (uint64_t) mr_corpus_not_rewritten(rs.corpus);
	m.positive_class = positive_class(&tr.classes, &o);
	m.cfg = cfg;
	m.params = params;
	m.n_tokens = tr.n_tokens;
	m.tokens = tr.tokens;
	m.token_len = tr.token_len;
	if (series)
	{
		m.series_time_kind = tr.series_time_kind;
		m.series_origin = tr.series_origin;
		m.series_step = tr.series_step;
		m.n_vars = tr.series.n_vars;
		m.var_names = palloc(sizeof(char *) * m.n_vars);
		m.var_name_len = palloc(sizeof(uint32_t) * m.n_vars);
		for (int v = 0; v < m.n_vars; v++)
		{
			size_t		l;

			m.var_names[v] = mr_vocab_key(mr_series_corpus_vars(rs.series), tr.series.var_ids[v], &l);
			m.var_name_len[v] = (uint32_t) l;
		}
		m.var_mean = tr.series.mean;
		m.var_scale = tr.series.scale;
	}
	m.labels = palloc(sizeof(char *) * tr.classes.K);
	m.label_len = palloc(sizeof(uint32_t) * tr.classes.K);
	for (int k = 0; k < tr.classes.K; k++)
	{
		size_t		l;

		m.labels[k] = class_text(&tr.classes, k, &l);
		m.label_len[k] = (uint32_t) l;
	}
	options_json = MedrnnOptionsToJson(&o);
	m.options_json = options_json;
	m.options_len = (uint32_t) strlen(options_json);
	m.rows_used = (uint64_t) tr.data.n;
	m.rows_skipped = (uint64_t) rs.skipped_null;
	m.train_rows = (uint64_t) res.train_rows;
	m.val_rows = (uint64_t) res.val_rows;
	m.n_epochs = res.n_epochs;
	m.best_epoch = res.best_epoch;
	m.stopped_early = res.stopped_early;
	m.epochs = res.epochs;
	m.train_seconds = res.seconds;
	m.created_at = (double) (GetCurrentTimestamp() / USECS_PER_SEC +
							 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY);
	if (res.stopped_early)
		ereport(NOTICE,
				(errmsg("early stopping after epoch %d; kept the weights of epoch %d",
						res.n_epochs, res.best_epoch)));

	st = mr_model_encode(&m, &a, &image, &len, &err);
	if (st != MR_OK)
		MedrnnReportTrainError(&err);
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
	PG_RETURN_BYTEA_P(result);
}
