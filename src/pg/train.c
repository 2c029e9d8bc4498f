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
#include "options.h"
#include "read_rows.h"

/* State of the row scan */
typedef struct ReadState
{
	const MedrnnSource *src;
	MrCorpus   *corpus;
	int64		seen;
	int64		skipped_null;
} ReadState;

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

static int
train_should_stop(void *state)
{
	/* raises an ERROR on cancel or timeout; the context is freed with it */
	CHECK_FOR_INTERRUPTS();
	return 0;
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

/* Index of a label (UTF-8) among the classes, or -1 */
static int
class_of_label(const MrCorpus *c, const MrCorpusRows *rows, const char *label)
{
	int32_t		id = mr_vocab_lookup(mr_corpus_labels(c), label, strlen(label));

	for (int k = 0; id >= 0 && k < rows->n_classes; k++)
		if (rows->class_label[k] == id)
			return k;
	return -1;
}

/* Text of class k (UTF-8, not NUL-terminated) */
static const char *
class_text(const MrCorpus *c, const MrCorpusRows *rows, int k, size_t *len)
{
	return mr_vocab_key(mr_corpus_labels(c), rows->class_label[k], len);
}

/*
 * The positive class of a binary model: the positive_label option, else
 * the one of 1/true/yes/positive when the other is 0/false/no/negative,
 * else the second label in sort order (scikit-learn's classes_[1]).
 */
static int
positive_class(const MrCorpus *c, const MrCorpusRows *rows, const MedrnnOptions *o)
{
	static const char *const pairs[][2] = {
		{"0", "1"}, {"false", "true"}, {"f", "t"}, {"no", "yes"}, {"negative", "positive"},
		{"N", "Y"}, {"n", "y"}
	};

	if (o->positive_label)
	{
		int			k = class_of_label(c, rows, o->positive_label);

		if (rows->n_classes != 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"positive_label\" applies to two classes only"),
					 errdetail("The rows have %d classes.", rows->n_classes)));
		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("positive label \"%s\" does not occur in the training rows",
							MedrnnUtf8ToServer(o->positive_label, strlen(o->positive_label)))));
		return k;
	}
	if (rows->n_classes != 2)
		return -1;
	for (size_t i = 0; i < lengthof(pairs); i++)
	{
		size_t		l0,
					l1;
		const char *s0 = class_text(c, rows, 0, &l0);
		const char *s1 = class_text(c, rows, 1, &l1);

		/* classes are in byte order, and each pair is too */
		if (l0 == strlen(pairs[i][0]) && memcmp(s0, pairs[i][0], l0) == 0 &&
			l1 == strlen(pairs[i][1]) && memcmp(s1, pairs[i][1], l1) == 0)
			return 1;
	}
	return 1;
}

/* Per-class loss weights from the class_weight option, or NULL */
static float *
class_weights(const MrCorpus *c, const MrCorpusRows *rows, const MedrnnOptions *o)
{
	float	   *w;
	int			K = rows->n_classes;

	if (o->class_weight == MEDRNN_CW_NONE)
		return NULL;
	w = palloc(sizeof(float) * K);
	for (int k = 0; k < K; k++)
		w[k] = 1.0f;
	if (o->class_weight == MEDRNN_CW_BALANCED)
	{
		for (int k = 0; k < K; k++)
			w[k] = (float) ((double) rows->n / ((double) K * rows->class_count[k]));
		return w;
	}
	for (int i = 0; i < o->n_explicit_weights; i++)
	{
		int			k = class_of_label(c, rows, o->weight_labels[i]);

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
	MrCorpusRows rows;
	MrNetConfig cfg;
	MrTrainConfig tc;
	MrTrainResult res;
	MrTrainHooks hooks;
	TrainHookState hs;
	MrModel		m;
	MrError		err;
	MrStatus	st;
	size_t		limit = (size_t) medrnn_train_memory_limit * 1024;
	size_t		n_params,
				len;
	float	   *params;
	uint8_t    *image;
	bytea	   *result;
	char	   *options_json;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation, input column and label column must not be NULL")));
	relid = PG_GETARG_OID(0);
	input_col = NameStr(*PG_GETARG_NAME(1));
	label_col = NameStr(*PG_GETARG_NAME(2));
	MedrnnParseOptions(PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3), &o);
	MedrnnResolveSource(relid, input_col, label_col, &src);

	train_cxt = AllocSetContextCreate(CurrentMemoryContext, "medrnn train context",
									  ALLOCSET_DEFAULT_SIZES);
	a = MedrnnAllocator(train_cxt);
	tk.kind = o.tokenizer;
	tk.lowercase = o.lowercase;

	/* read and tokenize every row */
	memset(&rs, 0, sizeof(rs));
	rs.src = &src;
	rs.corpus = mr_corpus_new(&a, &tk, limit);
	if (!rs.corpus)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	MedrnnScanSource(&src, add_row, &rs);

	if (rs.skipped_null > 0)
		ereport(NOTICE,
				(errmsg("skipped " INT64_FORMAT " of " INT64_FORMAT " rows whose input or label is NULL",
						rs.skipped_null, rs.seen)));
	if (mr_corpus_rows(rs.corpus) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no rows to train on"),
				 errdetail("Relation \"%s\" has " INT64_FORMAT " rows, " INT64_FORMAT " of them with a NULL input or label.",
						   src.relname, rs.seen, rs.skipped_null),
				 errhint("Train on rows with a non-NULL input and label.")));
	if (mr_corpus_n_labels(rs.corpus) < 2)
	{
		size_t		l;
		const char *only = mr_vocab_key(mr_corpus_labels(rs.corpus), 0, &l);

		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot train a classifier on a single class"),
				 errdetail("All " INT64_FORMAT " usable rows have label \"%s\".",
						   mr_corpus_rows(rs.corpus), MedrnnUtf8ToServer(only, l)),
				 errhint("A classifier needs rows of at least two distinct labels.")));
	}

	st = mr_corpus_finish(rs.corpus, o.num_words, o.maxlen, o.padding, o.truncating, &rows, &err);
	if (st != MR_OK)
		MedrnnReportTrainError(&err);

	/* the network */
	memset(&cfg, 0, sizeof(cfg));
	cfg.vocab_size = rows.vocab_size;
	cfg.embed_dim = o.embed_dim;
	cfg.maxlen = o.maxlen;
	cfg.padding = o.padding;
	cfg.n_layers = o.n_layers;
	memcpy(cfg.hidden, o.hidden, sizeof(cfg.hidden));
	cfg.bidirectional = o.bidirectional;
	cfg.pooling = o.pooling;
	cfg.n_classes = rows.n_classes;
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
	tc.class_weight = class_weights(rs.corpus, &rows, &o);
	tc.threads = medrnn_threads;

	check_memory(&cfg, &tc, rows.n, mr_corpus_memory(rs.corpus), limit);
	mr_net_param_count(&cfg, &n_params);
	params = MemoryContextAllocExtended(train_cxt, sizeof(float) * n_params, MCXT_ALLOC_HUGE);

	memset(&m, 0, sizeof(m));
	mr_net_bind(&m.net, &cfg, params, n_params);
	{
		MrDataset	data = {rows.n, rows.ids, NULL, rows.lengths, rows.labels};

		hs.epochs = o.epochs;
		hooks.should_stop = train_should_stop;
		hooks.on_epoch = train_on_epoch;
		hooks.on_batch = NULL;
		hooks.state = &hs;
		/* the workers split each batch; each runs single-threaded BLAS */
		MedrnnUseThreads(1);
		st = mr_train(&m.net, &data, &tc, &hooks, &a, &res, &err);
		if (st != MR_OK)
			MedrnnReportTrainError(&err);
	}

	/* the model */
	m.input_kind = src.input_type == MEDRNN_IN_TEXT ? MR_INPUT_TEXT : MR_INPUT_TOKENS;
	m.tokenizer = src.input_type == MEDRNN_IN_TEXT ? o.tokenizer : 0;
	m.lowercase = src.input_type == MEDRNN_IN_TEXT ? o.lowercase : 0;
	m.truncating = o.truncating;
	m.positive_class = positive_class(rs.corpus, &rows, &o);
	m.cfg = cfg;
	m.params = params;
	m.n_tokens = rows.vocab_size - 1;
	m.tokens = palloc(sizeof(char *) * (m.n_tokens + 1));
	m.token_len = palloc(sizeof(uint32_t) * (m.n_tokens + 1));
	for (int i = 0; i < m.n_tokens; i++)
	{
		size_t		l;

		m.tokens[i] = mr_vocab_key(mr_corpus_words(rs.corpus), rows.word_ids[i], &l);
		m.token_len[i] = (uint32_t) l;
	}
	m.labels = palloc(sizeof(char *) * rows.n_classes);
	m.label_len = palloc(sizeof(uint32_t) * rows.n_classes);
	for (int k = 0; k < rows.n_classes; k++)
	{
		size_t		l;

		m.labels[k] = class_text(rs.corpus, &rows, k, &l);
		m.label_len[k] = (uint32_t) l;
	}
	options_json = MedrnnOptionsToJson(&o);
	m.options_json = options_json;
	m.options_len = (uint32_t) strlen(options_json);
	m.rows_used = (uint64_t) rows.n;
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
	MemoryContextDelete(train_cxt);
	PG_RETURN_BYTEA_P(result);
}
