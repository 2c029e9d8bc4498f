/*
 * core_bench.c
 *	  The numeric core alone, without the server: read a CSV (header
 *	  text,label), train and predict, and print throughput.
 *
 * It trains through mr_fit, the pipeline rnn_train calls, with the default
 * recipe (or --options), so "SQL vs core" in bench/ shows what the server
 * adds.
 *
 *	  core_bench --train tr.csv [--test te.csv] [--epochs N] [--seed S]
 *				 [--threads T] [--char] [--options JSON] [--predict-rows N]
 *				 [--print-memory] [--count-tokens]
 *
 * --options gives rnn_train's options as JSON text instead of --epochs,
 * --seed and --char.  --print-memory prints, before training, the bytes
 * training needs at the least (bench/run.sh compares the backend's peak
 * memory with it): 4 floats per parameter (weights, gradients, Adam's two
 * moments), one batch's activations (split among the workers as mr_train
 * splits it), and the tokenized rows (T ids, a length and a label each);
 * and, for reference, what mr_train_memory says mr_train allocates besides
 * the weights and rows.  --count-tokens prints the rows and their real
 * tokens (the window's ids that are not padding, after truncation), the
 * steps a masked epoch's length buckets compute and the steps an unmasked
 * one computes, and stops before training: bench/mask_speed.sh divides by
 * them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mr_blas.h"
#include "mr_fit.h"
#include "mr_json.h"
#include "mr_model.h"
#include "mr_predict.h"
#include "mr_rng.h"
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

/* The fit pipeline's rows: the CSV's */
typedef struct CsvSource
{
	const Csv  *csv;
	long		pos;
} CsvSource;

static void
csv_next(MrRow *row, void *state)
{
	CsvSource  *cs = state;
	long		i = cs->pos++;

	if (i >= cs->csv->n)
	{
		row->kind = MR_ROW_END;
		return;
	}
	row->kind = MR_ROW_TEXT;
	row->text = cs->csv->text[i];
	row->len = cs->csv->text_len[i];
	row->label = cs->csv->label[i];
	row->label_len = strlen(cs->csv->label[i]);
}

/* The pipeline's NOTICEs (one per epoch among them), as comments */
static void
on_notice(int level, const MrError *msg, void *state)
{
	printf("# %s%s%s\n", msg->message, msg->detail[0] ? " " : "", msg->detail);
	fflush(stdout);
}

/*
 * The least memory training needs, and what mr_train_memory estimates.
 * Workers split a batch of B rows as mr_train does: B / n rows each, the
 * first B % n one more.
 */
static void
print_train_memory(const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data,
				   void *state)
{
	int64_t		n_rows = data->n;
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
	mr_train_memory(cfg, tc, data, &train_bytes);
	rows_bytes = (size_t) n_rows * ((size_t) cfg->maxlen * sizeof(int32_t) + 2 * sizeof(int32_t));
	need = 4 * sizeof(float) * n_params + acts_total + rows_bytes;
	printf("RESULT memory params=%zu weights_adam_grads_bytes=%zu acts_bytes=%zu rows_bytes=%zu need_bytes=%zu train_memory_bytes=%zu workers=%d batch=%d\n",
		   n_params, 4 * sizeof(float) * n_params, acts_total, rows_bytes, need,
		   train_bytes, workers, tc->batch_size);
	fflush(stdout);
}

/*
 * The rows and their real tokens as training windows them, and the steps
 * one epoch of a masked run computes (each batch runs its longest row's
 * steps for all its rows), from one seeded shuffle and mr_bucket_batches
 * over all the rows at the recipe's batch size; then stop.
 */
static void
count_tokens(const MrNetConfig *cfg, const MrTrainConfig *tc, const MrDataset *data, void *state)
{
	int			stride = data->variants > 1 ? data->variants : 1;
	int64_t		n = data->n,
			   *idx = malloc(sizeof(int64_t) * (size_t) (n + 1)),
			   *tmp = malloc(sizeof(int64_t) * (size_t) (n + 1)),
			   *starts = malloc(sizeof(int64_t) * (size_t) (n + 1)),
				n_batches;
	long long	tokens = 0,
				bucketed = 0;
	MrRng		rng;

	if (!idx || !tmp || !starts)
		exit(2);
	for (int64_t i = 0; i < n; i++)
	{
		tokens += data->lengths ? data->lengths[i * stride] : data->T;
		idx[i] = i;
	}
	mr_rng_seed(&rng, tc->seed);
	for (int64_t i = n - 1; i > 0; i--)
	{
		int64_t		j = (int64_t) mr_rng_below(&rng, (uint64_t) i + 1),
					t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
	n_batches = mr_bucket_batches(idx, n, data, NULL, tc->batch_size, &rng, starts, tmp);
	for (int64_t k = 0; k < n_batches; k++)
	{
		int64_t		end = starts[k] + tc->batch_size < n ? starts[k] + tc->batch_size : n;
		int			longest = 0;

		for (int64_t r = starts[k]; r < end; r++)
		{
			int			len = data->lengths ? data->lengths[idx[r] * stride] : data->T;

			longest = len > longest ? len : longest;
		}
		bucketed += (long long) longest * (end - starts[k]);
	}
	printf("RESULT rows=%lld real_tokens=%lld maxlen=%d bucketed_steps=%lld padded_steps=%lld\n",
		   (long long) n, tokens, (int) data->T, bucketed, (long long) n * data->T);
	exit(0);
}

int
main(int argc, char **argv)
{
	const char *train_path = NULL,
			   *test_path = NULL,
			   *options = NULL;
	int			epochs = 5,
				threads = 1,
				char_mode = 0,
				print_memory = 0,
				tokens_only = 0;
	long		predict_rows = 0;
	unsigned long long seed = 0;
	const MrAllocator *a = &mr_malloc_allocator;
	char		built[256];
	MrError		err;
	Csv			tr;
	MrJson	   *json;
	MrFitSpec	spec;
	MrFitHooks	hooks = {NULL, on_notice, NULL, NULL, NULL};
	CsvSource	src;
	MrModel    *m;
	uint8_t    *image;
	size_t		len;
	int			T;
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
		else if (!strcmp(argv[i], "--options") && i + 1 < argc)
			options = argv[++i];
		else if (!strcmp(argv[i], "--predict-rows") && i + 1 < argc)
			predict_rows = atol(argv[++i]);
		else if (!strcmp(argv[i], "--char"))
			char_mode = 1;
		else if (!strcmp(argv[i], "--print-memory"))
			print_memory = 1;
		else if (!strcmp(argv[i], "--count-tokens"))
			tokens_only = 1;
		else
		{
			fprintf(stderr, "usage: %s --train CSV [--test CSV] [--epochs N] [--seed S] [--threads T] [--char] [--options JSON] [--predict-rows N] [--print-memory] [--count-tokens]\n", argv[0]);
			return 2;
		}
	}
	if (!train_path)
		return 2;
	if (!options)
	{
		snprintf(built, sizeof(built), "{\"epochs\": %d, \"seed\": %llu%s}", epochs, seed,
				 char_mode ? ", \"tokenizer\": \"char\"" : "");
		options = built;
	}
	memset(&spec, 0, sizeof(spec));
	if (mr_json_parse(options, strlen(options), a, &json, &err) != MR_OK ||
		mr_options_parse(&spec.options, json, NULL, a, &err) != MR_OK)
	{
		fprintf(stderr, "options: %s %s\n", err.message, err.detail);
		return 2;
	}
	spec.source = MR_SOURCE_TEXT;
	spec.relation = train_path;
	spec.input_column = "text";
	spec.threads = threads;
	if (print_memory)
		hooks.on_start = print_train_memory;
	if (tokens_only)
		hooks.on_start = count_tokens;
	T = (int) spec.options.maxlen;

	/* training spreads each batch over threads workers, each on 1-thread BLAS */
	mr_blas_set_threads(1);
	printf("# OpenBLAS core %s, training workers %d\n", mr_blas_corename(), threads);

	tr = load_csv(train_path);
	src.csv = &tr;
	src.pos = 0;
	t0 = now();
	if (mr_fit(&spec, &(MrRowSource) {csv_next, &src}, &hooks, a, &image, &len, &err) != MR_OK ||
		mr_model_decode(image, len, a, &m, &err) != MR_OK)
	{
		fprintf(stderr, "training failed: %s %s\n", err.message, err.detail);
		return 1;
	}
	printf("# %ld rows, vocabulary %d, %d classes, trained in %.2f s\n",
		   tr.n, m->n_tokens, m->cfg.n_classes, now() - t0);
	{
		MrEpochLog *last = &m->epochs[m->n_epochs - 1];

		printf("RESULT train_tokens_per_s(last epoch)=%.0f epoch_seconds=%.2f\n",
			   last->rows * (double) T / last->seconds, last->seconds);
	}

	if (test_path)
	{
		Csv			te = load_csv(test_path);
		MrPredictor *pred;
		int			K = m->cfg.n_classes;
		long		hits = 0,
					total = 0,
					n_pred;

		if (mr_predictor_new(m, a, &pred) != MR_OK)
		{
			fprintf(stderr, "out of memory\n");
			return 1;
		}
		n_pred = predict_rows > 0 ? predict_rows : te.n;
		t0 = now();
		for (long r = 0; r < n_pred; r++)
		{
			long		i = r % te.n;
			int			best = 0;
			const float *probs;

			mr_predict_text(pred, te.text[i], te.text_len[i], &probs, &err);
			for (int k = 1; k < K; k++)
				if (probs[k] > probs[best])
					best = k;
			if (r < te.n)
			{
				hits += strlen(te.label[i]) == m->label_len[best] &&
					memcmp(m->labels[best], te.label[i], m->label_len[best]) == 0;
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
