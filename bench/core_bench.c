/*
 * core_bench.c
 *	  The numeric core alone, without the server: read a CSV (header
 *	  text,label), tokenize, train and predict, and print throughput.
 *
 * It runs exactly the code rnn_train runs (mr_corpus, mr_train) with the
 * default recipe, so "SQL vs core" in bench/ shows what the server adds.
 *
 *	  core_bench --train tr.csv [--test te.csv] [--epochs N] [--seed S]
 *				 [--threads T] [--char] [--predict-rows N] [--print-memory]
 *
 * --print-memory prints, before training, the bytes training needs at the
 * least (bench/run.sh compares the backend's peak memory with it): 4 floats
 * per parameter (weights, gradients, Adam's two moments), one batch's
 * activations (split among the workers as mr_train splits it), and the
 * tokenized rows (T ids, a length and a label each); and, for reference,
 * what mr_train_memory says mr_train allocates besides the weights and rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mr_blas.h"
#include "mr_corpus.h"
#include "mr_infer.h"
#include "mr_predict.h"
#include "mr_model.h"
#include "mr_train.h"

typedef struct Csv
{
	char	  **text;
	char	  **label;
	size_t	   *text_len;
	long		n;
} Csv;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Read one RFC 4180 field; returns its length, -1 at end of file */
static long
read_field(FILE *f, char **buf, size_t *cap, int *end_of_row)
{
	size_t		n = 0;
	int			c = fgetc(f);
	int			quoted = 0;

	if (c == EOF)
		return -1;
	if (c == '"')
	{
		quoted = 1;
		c = fgetc(f);
	}
	for (;;)
	{
		if (c == EOF)
			break;
		if (quoted && c == '"')
		{
			c = fgetc(f);
			if (c != '"')
			{
				quoted = 0;
				continue;
			}
		}
		else if (!quoted && (c == ',' || c == '\n' || c == '\r'))
			break;
		if (n + 2 > *cap)
		{
			*cap = *cap ? *cap * 2 : 256;
			*buf = realloc(*buf, *cap);
		}
		(*buf)[n++] = (char) c;
		c = fgetc(f);
	}
	if (c == '\r')
		c = fgetc(f);
	*end_of_row = c != ',';
	if (!*buf)
		*buf = malloc(1);
	(*buf)[n] = '\0';
	return (long) n;
}

/* Load text,label rows (header skipped) */
static Csv
load_csv(const char *path)
{
	FILE	   *f = fopen(path, "r");
	Csv			csv = {0};
	char	   *buf = NULL;
	size_t		cap = 0;
	long		cap_rows = 0;
	int			eor;

	if (!f)
	{
		perror(path);
		exit(1);
	}
	/* header */
	while (read_field(f, &buf, &cap, &eor) >= 0 && !eor)
		;
	for (;;)
	{
		long		n = read_field(f, &buf, &cap, &eor);
		char	   *text;

		if (n < 0)
			break;
		text = strdup(buf);
		if (eor || read_field(f, &buf, &cap, &eor) < 0)
			break;
		if (csv.n == cap_rows)
		{
			cap_rows = cap_rows ? cap_rows * 2 : 1024;
			csv.text = realloc(csv.text, sizeof(char *) * cap_rows);
			csv.label = realloc(csv.label, sizeof(char *) * cap_rows);
			csv.text_len = realloc(csv.text_len, sizeof(size_t) * cap_rows);
		}
		csv.text[csv.n] = text;
		csv.text_len[csv.n] = (size_t) n;
		csv.label[csv.n] = strdup(buf);
		csv.n++;
	}
	free(buf);
	fclose(f);
	return csv;
}

static void
on_epoch(const MrEpochLog *log, void *state)
{
	int			T = *(int *) state;

	printf("epoch %d: loss %.4f accuracy %.4f %.2f s %.0f tokens/s\n",
		   log->epoch, log->loss, log->accuracy, log->seconds,
		   log->rows * (double) T / log->seconds);
	fflush(stdout);
}

/*
 * The least memory training needs, and what mr_train_memory estimates.
 * Workers split a batch of B rows as mr_train does: B / n rows each, the
 * first B % n one more.
 */
static void
print_train_memory(const MrNetConfig *cfg, const MrTrainConfig *tc, int64_t n_rows)
{
	size_t		n_params,
				acts_total = 0,
				train_bytes = 0,
				rows_bytes,
				need;
	int			workers = tc->threads < 1 ? 1 : tc->threads;

	if (workers > tc->batch_size)
		workers = tc->batch_size;
	mr_net_param_count(cfg, &n_params);
	for (int w = 0; w < workers; w++)
	{
		size_t		acts;
		int			Bw = tc->batch_size / workers + (w < tc->batch_size % workers);

		if (mr_acts_size(cfg, Bw, 0, &acts) != MR_OK)
		{
			fprintf(stderr, "mr_acts_size failed\n");
			exit(1);
		}
		acts_total += acts;
	}
	mr_train_memory(cfg, tc, n_rows, &train_bytes);
	rows_bytes = (size_t) n_rows * ((size_t) cfg->maxlen * sizeof(int32_t) + 2 * sizeof(int32_t));
	need = 4 * sizeof(float) * n_params + acts_total + rows_bytes;
	printf("RESULT memory params=%zu weights_adam_grads_bytes=%zu acts_bytes=%zu rows_bytes=%zu need_bytes=%zu train_memory_bytes=%zu workers=%d batch=%d\n",
		   n_params, 4 * sizeof(float) * n_params, acts_total, rows_bytes, need,
		   train_bytes, workers, tc->batch_size);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *train_path = NULL,
			   *test_path = NULL;
	int			epochs = 5,
				threads = 1,
				T = 100,
				batch = 32,
				char_mode = 0,
				print_memory = 0;
	long		predict_rows = 0;
	uint64_t	seed = 0;
	MrTokenizer tk = {MR_TOKENIZER_WORD, 1};
	const MrAllocator *a = &mr_malloc_allocator;
	MrCorpus   *corpus;
	MrCorpusRows rows;
	MrError		err;
	Csv			tr;
	MrNetConfig cfg = {0};
	MrTrainConfig tc = {0};
	MrTrainHooks hooks = {NULL, on_epoch, NULL, &T};
	MrTrainResult res;
	MrNet		net;
	size_t		n_params;
	double		t0;

	for (int i = 1; i < argc; i++)
	{
		if (!strcmp(argv[i], "--train") && i + 1 < argc)
			train_path = argv[++i];
		else if (!strcmp(argv[i], "--test") && i + 1 < argc)
			test_path = argv[++i];
		else if (!strcmp(argv[i], "--epochs") && i + 1 < argc)
			epochs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--predict-rows") && i + 1 < argc)
			predict_rows = atol(argv[++i]);
		else if (!strcmp(argv[i], "--char"))
			char_mode = 1;
		else if (!strcmp(argv[i], "--print-memory"))
			print_memory = 1;
		else
		{
			fprintf(stderr, "usage: %s --train CSV [--test CSV] [--epochs N] [--seed S] [--threads T] [--char] [--predict-rows N] [--print-memory]\n", argv[0]);
			return 2;
		}
	}
	if (!train_path)
		return 2;
	if (char_mode)
	{
		tk.kind = MR_TOKENIZER_CHAR;
		tk.lowercase = 0;
	}
	/* training spreads each batch over threads workers, each on 1-thread BLAS */
	mr_blas_set_threads(1);
	printf("# OpenBLAS core %s, training workers %d\n", mr_blas_corename(), threads);

	tr = load_csv(train_path);
	t0 = now();
	corpus = mr_corpus_new(a, &tk, 0);
	for (long i = 0; i < tr.n; i++)
		mr_corpus_add_text(corpus, tr.text[i], tr.text_len[i], tr.label[i], strlen(tr.label[i]), &err);
	mr_corpus_finish(corpus, 20000, T, MR_PAD_PRE, MR_PAD_PRE, &rows, &err);
	printf("# %ld rows, vocabulary %d, %d classes, tokenized in %.2f s\n",
		   tr.n, rows.vocab_size, rows.n_classes, now() - t0);

	cfg.vocab_size = rows.vocab_size;
	cfg.embed_dim = 128;
	cfg.maxlen = T;
	cfg.n_layers = 2;
	cfg.hidden[0] = 128;
	cfg.hidden[1] = 64;
	cfg.n_classes = rows.n_classes;
	mr_net_param_count(&cfg, &n_params);
	mr_net_bind(&net, &cfg, calloc(n_params, sizeof(float)), n_params);
	tc.epochs = epochs;
	tc.batch_size = batch;
	tc.adam = (MrAdam) {0.001f, 0.9f, 0.999f, 1e-7f};
	tc.seed = seed;
	tc.threads = threads;
	if (print_memory)
		print_train_memory(&cfg, &tc, rows.n);
	{
		MrDataset	data = {rows.n, rows.ids, NULL, rows.lengths, rows.labels};

		if (mr_train(&net, &data, &tc, &hooks, a, &res, &err) != MR_OK)
		{
			fprintf(stderr, "training failed: %s\n", err.detail);
			return 1;
		}
	}
	{
		MrEpochLog *last = &res.epochs[res.n_epochs - 1];

		printf("RESULT train_tokens_per_s(last epoch)=%.0f epoch_seconds=%.2f\n",
			   last->rows * (double) T / last->seconds, last->seconds);
	}

	if (test_path)
	{
		Csv			te = load_csv(test_path);
		MrModel		m;
		MrInfer    *inf;
		float	   *probs = malloc(sizeof(float) * cfg.n_classes);
		int32_t    *ring = malloc(sizeof(int32_t) * T),
				   *ids = malloc(sizeof(int32_t) * T);
		long		hits = 0,
					total = 0,
					n_pred;

		memset(&m, 0, sizeof(m));
		m.tokenizer = tk.kind;
		m.lowercase = tk.lowercase;
		m.truncating = MR_PAD_PRE;
		m.cfg = cfg;
		m.net = net;
		m.vocab = mr_vocab_new(a, rows.vocab_size);
		for (int i = 0; i < rows.vocab_size - 1; i++)
		{
			size_t		len;
			const char *w = mr_vocab_key(mr_corpus_words(corpus), rows.word_ids[i], &len);

			mr_vocab_add(m.vocab, w, len, 0);
		}
		mr_infer_new(&net, a, &inf);
		mr_blas_set_threads(1);
		n_pred = predict_rows > 0 ? predict_rows : te.n;
		t0 = now();
		for (long r = 0; r < n_pred; r++)
		{
			long		i = r % te.n;
			int32_t		L = mr_model_text_row(&m, te.text[i], te.text_len[i], ring, ids, NULL, NULL);
			int			best = 0;
			size_t		len;
			const char *lab;

			mr_infer_row(inf, ids, NULL, L, probs);
			for (int k = 1; k < cfg.n_classes; k++)
				if (probs[k] > probs[best])
					best = k;
			lab = mr_vocab_key(mr_corpus_labels(corpus), rows.class_label[best], &len);
			if (r < te.n)
			{
				hits += strlen(te.label[i]) == len && memcmp(lab, te.label[i], len) == 0;
				total++;
			}
		}
		{
			double		dt = now() - t0;

			printf("RESULT test_accuracy=%.4f\n", (double) hits / total);
			printf("RESULT predict_rows_per_s(one row at a time, tokenize included)=%.1f (%ld rows in %.2f s)\n",
				   n_pred / dt, n_pred, dt);
		}
	}
	return 0;
}
