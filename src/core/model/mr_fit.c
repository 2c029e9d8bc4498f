/*
 * mr_fit.c
 *	  Rows to a trained, encoded model (see mr_fit.h).
 *
 * The steps, in order: read every row (tokenize texts, collect tokens or
 * measurements, count what is skipped); finish the rows (canonical order,
 * vocabulary, windows or the measurement grid); check what the rows and
 * options together allow (two classes, the positive label, the class
 * weights, the memory budget); train; build and encode the model.
 */
#include "mr_fit.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "mr_corpus.h"
#include "mr_infer.h"
#include "mr_metrics_targets.h"
#include "mr_loss.h"
#include "mr_model.h"
#include "mr_pretrain.h"
#include "mr_rng.h"
#include "mr_series.h"
#include "mr_series_corpus.h"
#include "mr_targets.h"
#include "mr_tokenize.h"

/* What the rnnseq rows of a column turned out to be */
typedef enum SeqMode
{
	SEQ_UNKNOWN = 0,			/* only empty sequences so far */
	SEQ_TOKENS,
	SEQ_SERIES
} SeqMode;

/* The run: its inputs and what it has built so far */
typedef struct Fit
{
	const MrFitSpec *spec;
	const MrOptions *o;
	const MrFitHooks *hooks;
	const MrAllocator *a;
	MrError    *err;
	/* reading */
	MrCorpus   *corpus;			/* text and token rows */
	MrSeriesCorpus *series;		/* measurement rows */
	SeqMode		mode;
	int			time_kind;		/* measurement rows: MR_SERIES_TIME_* */
	int			origin;			/* measurement rows: the grid's MrSeriesOrigin */
	MrBuf		empty_labels;	/* labels of empty sequences read before the mode was known */
	MrBuf		empty_label_lens;	/* their lengths (size_t each) */
	int64_t		seen;
	int64_t		skipped_null;
	int64_t		skipped_nonfinite;	/* regression labels NaN or infinite */
	int64_t		skipped_unknown;	/* multitask rows without a known label */
	int64_t		empty_sets;		/* multilabel rows with no label: all negative */
	int64_t		dropped_events;
	/* the finished rows */
	int			is_series;
	MrDataset	data;
	const MrVocab *labels;		/* label text -> label id */
	const int32_t *class_label; /* (K) label id of class k */
	const int64_t *class_count; /* (K) rows per class */
	int32_t		K;
	MrTargets	targets;		/* tasks other than classification */
	size_t		rows_memory;	/* bytes the rows hold */
	MrCorpusRows corpus_rows;
	MrSeriesRows series_rows;
} Fit;

/* Pass a NOTICE or WARNING on */
static void
notice(const Fit *f, int level, const MrError *msg)
{
	if (f->hooks && f->hooks->notice)
		f->hooks->notice(level, msg, f->hooks->state);
}

static int
should_stop(const Fit *f)
{
	return f->hooks && f->hooks->should_stop && f->hooks->should_stop(f->hooks->state);
}

/* ----------------------------------------------------------------------
 * reading the rows
 * ---------------------------------------------------------------------- */

/* Decide, or check, what an rnnseq column holds */
static MrStatus
seq_mode(Fit *f, SeqMode mode, int time_kind)
{
	if (f->mode == SEQ_UNKNOWN)
	{
		f->mode = mode;
		f->time_kind = time_kind;
		return MR_OK;
	}
	if (f->mode != mode)
	{
		mr_error_message(f->err, MR_EMISMATCH, "column \"%s\" holds both token and measurement sequences",
						 f->spec->input_column);
		mr_error_hint(f->err, "Train token sequences and measurement sequences as separate models.");
		return MR_EMISMATCH;
	}
	if (mode == SEQ_SERIES && time_kind != f->time_kind)
		return mr_error_message(f->err, MR_EMISMATCH, "measurement sequences mix numeric times and timestamps");
	return MR_OK;
}

typedef enum LabelVerdict
{
	LABEL_OK,
	LABEL_SKIP,					/* counted */
	LABEL_BAD					/* the error is in f->err */
} LabelVerdict;

/*
 * Whether a row's label trains the task: a regression label must be a
 * finite number (NaN and infinities are skipped and counted, as NULLs
 * are); a multitask row must know at least one label
 */
static LabelVerdict
accept_label(Fit *f, const MrRow *r)
{
	int			task = f->spec->task;
	int64_t		entries;
	double		v;

	if (task == MR_TASK_REGRESSION)
	{
		switch (mr_targets_parse_value(r->label, r->label_len, &v))
		{
			case 1:
				return LABEL_OK;
			case 0:
				f->skipped_nonfinite++;
				return LABEL_SKIP;
			default:
				mr_error_message(f->err, MR_EINVAL, "label \"%.*s\" is not a number",
								 (int) (r->label_len > 64 ? 64 : r->label_len), r->label);
				mr_error_hint(f->err, "A regression reads numeric labels.");
				return LABEL_BAD;
		}
	}
	if (task == MR_TASK_MULTILABEL || task == MR_TASK_MULTITASK)
	{
		if (mr_targets_check_multi(r->label, r->label_len, &entries, f->err) != MR_OK)
			return LABEL_BAD;
		if (entries == 0 && task == MR_TASK_MULTITASK)
		{
			f->skipped_unknown++;
			return LABEL_SKIP;
		}
		f->empty_sets += entries == 0;
	}
	return LABEL_OK;
}

/* Add one row to the corpus it belongs to, or count it as skipped */
static MrStatus
add_row(Fit *f, const MrRow *r)
{
	MrRow		unlabelled;

	/* a language model reads no label: every row gets the same, empty one */
	if (f->spec->task == MR_TASK_LANGUAGE_MODEL)
	{
		unlabelled = *r;
		unlabelled.label = "";
		unlabelled.label_len = 0;
		r = &unlabelled;
	}
	f->seen++;
	if (r->input_null || r->label == NULL)
	{
		f->skipped_null++;
		return MR_OK;
	}
	switch (accept_label(f, r))
	{
		case LABEL_SKIP:
			return MR_OK;
		case LABEL_BAD:
			return f->err->status;
		default:
			break;
	}
	f->dropped_events += r->dropped_events;
	switch (r->kind)
	{
		case MR_ROW_TEXT:
			return mr_corpus_add_text(f->corpus, r->text, r->len, r->label, r->label_len, f->err);
		case MR_ROW_TOKENS:
			if (f->spec->source == MR_SOURCE_SEQ && seq_mode(f, SEQ_TOKENS, 0) != MR_OK)
				return MR_EMISMATCH;
			return mr_corpus_add_tokens(f->corpus, r->toks, r->lens, r->n, r->label, r->label_len, f->err);
		case MR_ROW_EVENTS:
			if (seq_mode(f, SEQ_SERIES, r->time_kind) != MR_OK)
				return MR_EMISMATCH;
			return mr_series_corpus_add(f->series, r->times, r->vars, r->var_lens, r->values, r->n,
										r->label, r->label_len, f->err);
		case MR_ROW_EMPTY:
			if (f->mode == SEQ_TOKENS)
				return mr_corpus_add_tokens(f->corpus, NULL, NULL, 0, r->label, r->label_len, f->err);
			if (f->mode == SEQ_SERIES)
				return mr_series_corpus_add(f->series, NULL, NULL, NULL, NULL, 0,
											r->label, r->label_len, f->err);
			/* before the column's kind is known: later */
			mr_buf_append(&f->empty_labels, r->label, r->label_len);
			mr_buf_append(&f->empty_label_lens, (const char *) &r->label_len, sizeof(size_t));
			if (f->empty_labels.failed || f->empty_label_lens.failed)
				return mr_set_error(f->err, MR_ENOMEM, "Out of memory for empty sequences.");
			return MR_OK;
		case MR_ROW_END:
			break;
	}
	return MR_OK;
}

/* The empty sequences read before the column's kind was known */
static MrStatus
add_deferred_empty(Fit *f)
{
	size_t		n = f->empty_label_lens.len / sizeof(size_t),
				off = 0;

	if (f->mode == SEQ_UNKNOWN && n > 0)
		return mr_error_message(f->err, MR_EDATA, "every sequence in relation \"%s\" is empty",
								f->spec->relation);
	for (size_t i = 0; i < n; i++)
	{
		size_t		len;
		MrRow		r;

		memcpy(&len, f->empty_label_lens.data + i * sizeof(size_t), sizeof(size_t));
		memset(&r, 0, sizeof(r));
		r.kind = MR_ROW_EMPTY;
		r.label = f->empty_labels.data + off;
		r.label_len = len;
		off += len;
		f->seen--;				/* counted when it was read */
		if (add_row(f, &r) != MR_OK)
			return f->err->status;
	}
	return MR_OK;
}

/* Read every row of the source */
static MrStatus
read_rows(Fit *f, const MrRowSource *src)
{
	MrRow		r;

	for (;;)
	{
		memset(&r, 0, sizeof(r));
		src->next(&r, src->state);
		if (r.kind == MR_ROW_END)
			break;
		if (add_row(f, &r) != MR_OK)
			return f->err->status;
		if ((f->seen & 1023) == 0 && should_stop(f))
			return mr_set_error(f->err, MR_ECANCELED, "Training was canceled.");
	}
	if (f->spec->source == MR_SOURCE_SEQ && add_deferred_empty(f) != MR_OK)
		return f->err->status;
	return MR_OK;
}

/* Say what was skipped, and what was not rewritten */
static void
report_reading(Fit *f)
{
	MrError		msg;

	if (f->skipped_null > 0)
	{
		mr_error_message(&msg, MR_OK, "skipped %lld of %lld rows whose input%s is NULL",
						 (long long) f->skipped_null, (long long) f->seen,
						 f->spec->task == MR_TASK_LANGUAGE_MODEL ? "" : " or label");
		notice(f, MR_NOTICE, &msg);
	}
	if (f->skipped_nonfinite > 0)
	{
		mr_error_message(&msg, MR_OK, "skipped %lld of %lld rows whose label is NaN or infinite",
						 (long long) f->skipped_nonfinite, (long long) f->seen);
		notice(f, MR_NOTICE, &msg);
	}
	if (f->skipped_unknown > 0)
	{
		mr_error_message(&msg, MR_OK, "skipped %lld of %lld rows that know none of their labels",
						 (long long) f->skipped_unknown, (long long) f->seen);
		mr_error_detail(&msg, "A multitask row trains only the labels it gives; an empty object gives none.");
		notice(f, MR_NOTICE, &msg);
	}
	if (f->empty_sets > 0)
	{
		mr_error_message(&msg, MR_OK, "%lld rows have an empty label set; they train as negative for every label",
						 (long long) f->empty_sets);
		mr_error_hint(&msg, "If an empty set means \"not known\" rather than \"none\", make those labels NULL, or use a jsonb label column, whose missing labels are unknown.");
		notice(f, MR_NOTICE, &msg);
	}
	if (f->dropped_events > 0)
	{
		mr_error_message(&msg, MR_OK, "the sequences omit %lld events that had a NULL time or variable",
						 (long long) f->dropped_events);
		notice(f, MR_NOTICE, &msg);
	}
	if (mr_corpus_not_rewritten(f->corpus) > 0)
	{
		mr_error_message(&msg, MR_OK,
						 "%lld of %lld texts are not SMILES that medrnn can rewrite; they train as written",
						 (long long) mr_corpus_not_rewritten(f->corpus),
						 (long long) mr_corpus_rows(f->corpus));
		mr_error_detail(&msg, "Each such text stands for all %lld of its variants.",
						(long long) f->o->smiles_variants);
		notice(f, MR_NOTICE, &msg);
	}
}

/* ----------------------------------------------------------------------
 * the training rows
 * ---------------------------------------------------------------------- */

/* There is something to learn: rows, and two classes */
static MrStatus
check_rows(Fit *f, int64_t n, const MrVocab *labels)
{
	if (n == 0)
	{
		mr_error_message(f->err, MR_EDATA, "no rows to train on");
		if (f->skipped_nonfinite + f->skipped_unknown > 0)
			mr_error_detail(f->err, "Relation \"%s\" has %lld rows: %lld with a NULL input or label, %lld with a label that trains nothing (NaN, infinite, or no known result).",
							f->spec->relation, (long long) f->seen, (long long) f->skipped_null,
							(long long) (f->skipped_nonfinite + f->skipped_unknown));
		else
			mr_error_detail(f->err, "Relation \"%s\" has %lld rows, %lld of them with a NULL input or label.",
							f->spec->relation, (long long) f->seen, (long long) f->skipped_null);
		mr_error_hint(f->err, "Train on rows with a non-NULL input and label.");
		return MR_EDATA;
	}
	if (f->spec->task == MR_TASK_CLASSIFICATION && mr_vocab_size(labels) < 2)
	{
		size_t		l;
		const char *only = mr_vocab_key(labels, 0, &l);

		mr_error_message(f->err, MR_EDATA, "cannot train a classifier on a single class");
		mr_error_detail(f->err, "All %lld usable rows have label \"%.*s\".", (long long) n, (int) l, only);
		mr_error_hint(f->err, "A classifier needs rows of at least two distinct labels.");
		return MR_EDATA;
	}
	return MR_OK;
}

/* A language model needs a row of two tokens; its outputs are the commonest */
static MrStatus
check_lm_rows(Fit *f)
{
	const MrCorpusRows *rows = &f->corpus_rows;
	int			V = rows->variants > 1 ? rows->variants : 1;
	int64_t		predictions = 0;

	for (int64_t r = 0; r < rows->n; r++)
		predictions += mr_lm_predictions(rows->lengths[r * V]);
	if (rows->vocab_size < 2 || predictions == 0)
	{
		mr_error_message(f->err, MR_EDATA, "no tokens to predict");
		mr_error_detail(f->err, "No row of relation \"%s\" has two tokens in a row within maxlen %lld.",
						f->spec->relation, (long long) f->o->maxlen);
		mr_error_hint(f->err, "A language model learns from each token that follows another.");
		return MR_EDATA;
	}
	f->K = mr_lm_outputs(rows->vocab_size, f->o->output_words);
	return MR_OK;
}

/* Fine-tuning: how much of the rows the base model's vocabulary misses */
static void
report_unknown_tokens(Fit *f)
{
	MrError		msg;
	int64_t		unknown = mr_corpus_unknown_tokens(f->corpus);

	if (unknown == 0)
		return;
	mr_error_message(&msg, MR_OK, "%lld tokens of the training rows are not in the base model's vocabulary; they are left out",
					 (long long) unknown);
	mr_error_detail(&msg, "A fine-tuned model keeps its base model's %d tokens, and prediction leaves out the others alike.",
					(int) f->corpus_rows.vocab_size - 1);
	mr_error_hint(&msg, "To learn them, pretrain the base model on rows that include these texts.");
	notice(f, MR_NOTICE, &msg);
}

/* Text and token rows: rank the vocabulary and window every row */
static MrStatus
finish_token_rows(Fit *f)
{
	const MrOptions *o = f->o;
	MrCorpusRows *rows = &f->corpus_rows;

	if (check_rows(f, mr_corpus_rows(f->corpus), mr_corpus_labels(f->corpus)) != MR_OK)
		return MR_EDATA;
	/* a masked model's rows hold their real steps first, and only those */
	if (mr_corpus_finish(f->corpus, (int32_t) o->num_words, (int) o->maxlen,
						 o->mask ? MR_PAD_POST : o->padding, o->truncating, o->mask, rows,
						 f->err) != MR_OK)
		return f->err->status;
	f->data = (MrDataset) {rows->n, rows->T, 0, rows->ids, NULL, rows->lengths,
	rows->labels, rows->variants};
	f->labels = mr_corpus_labels(f->corpus);
	f->class_label = rows->class_label;
	f->class_count = rows->class_count;
	f->K = rows->n_classes;
	if (f->spec->task == MR_TASK_LANGUAGE_MODEL && check_lm_rows(f) != MR_OK)
		return MR_EDATA;
	if (f->spec->base)
		report_unknown_tokens(f);
	/* the token lists, then the windowed rows with their SMILES variants */
	f->rows_memory = mr_corpus_memory(f->corpus) +
		(size_t) rows->n * rows->variants * ((size_t) rows->T + 1) * sizeof(int32_t);
	return MR_OK;
}

/* Measurement rows: resample every row onto the grid */
static MrStatus
finish_series_rows(Fit *f)
{
	const MrOptions *o = f->o;
	MrSeriesRows *rows = &f->series_rows;

	if (check_rows(f, mr_series_corpus_rows(f->series), mr_series_corpus_labels(f->series)) != MR_OK)
		return MR_EDATA;
	if (!(o->step > 0.0))
	{
		mr_error_message(f->err, MR_EINVAL, "option \"step\" is required for measurement sequences");
		mr_error_hint(f->err, "Give the width of a time bin, e.g. {\"step\": 60} for hourly bins of times in minutes, or {\"step\": \"1 hour\"} for timestamps.");
		return MR_EINVAL;
	}
	if (o->step_is_interval && f->time_kind != MR_SERIES_TIME_TIMESTAMP)
	{
		mr_error_message(f->err, MR_EINVAL, "option \"step\" is an interval but the sequences are timed by numbers");
		mr_error_hint(f->err, "Give the step as a number, in the sequences' time unit.");
		return MR_EINVAL;
	}
	/* a timestamp has no natural zero; a number usually counts from admission */
	f->origin = o->origin >= 0 ? o->origin :
		(f->time_kind == MR_SERIES_TIME_TIMESTAMP ? MR_ORIGIN_FIRST : MR_ORIGIN_ZERO);
	if (mr_series_corpus_finish(f->series, (int) o->maxlen, o->step, f->origin, o->mask, rows,
								f->err) != MR_OK)
		return f->err->status;
	f->data = (MrDataset) {rows->n, (int32_t) o->maxlen, MR_SERIES_INPUTS_PER_VAR * rows->n_vars,
	NULL, rows->feats, rows->lengths, rows->labels};
	f->labels = mr_series_corpus_labels(f->series);
	f->class_label = rows->class_label;
	f->class_count = rows->class_count;
	f->K = rows->n_classes;
	f->rows_memory = mr_series_corpus_memory(f->series) +
		sizeof(float) * (size_t) rows->n * (size_t) o->maxlen * (size_t) f->data.F;
	if (rows->events_on_grid < rows->events)
	{
		MrError		msg;

		mr_error_message(&msg, MR_OK, "%lld of %lld events fall outside the grid of %lld bins and are not used",
						 (long long) (rows->events - rows->events_on_grid), (long long) rows->events,
						 (long long) o->maxlen);
		notice(f, MR_NOTICE, &msg);
	}
	return MR_OK;
}

/*
 * The targets of a task other than classification: the distinct labels
 * the corpus collected (its "classes") become numbers or label rows, and
 * K becomes the network's outputs
 */
static MrStatus
finish_targets(Fit *f)
{
	if (f->spec->task == MR_TASK_CLASSIFICATION || f->spec->task == MR_TASK_LANGUAGE_MODEL)
		return MR_OK;
	if (mr_targets_build(&f->targets, f->spec->task, f->labels, f->class_label, f->K,
						 f->data.labels, f->data.n, f->a, f->err) != MR_OK)
		return f->err->status;
	f->data.multi = f->targets.multi;
	f->data.values = f->targets.values;
	f->K = f->targets.K;
	f->rows_memory += (size_t) f->targets.n * ((size_t) f->K + sizeof(float));
	return MR_OK;
}

/* What pretraining or fine-tuning asks of the options (mr_pretrain.h) */
static MrStatus
pretraining_options(Fit *f, MrOptions *o)
{
	const MrFitSpec *spec = f->spec;

	if (spec->task == MR_TASK_LANGUAGE_MODEL)
		return mr_pretrain_options(o, f->err);
	if (spec->base)
		return mr_finetune_options(spec->base, spec->source, o, f->err);
	if (o->base_model)
		return mr_set_error(f->err, MR_EINVAL, "A base model is named, but none was given.");
	return mr_scratch_options(o, f->err);
}

/* Options that only some tasks read, refused before reading a row */
static MrStatus
check_task_options(const Fit *f)
{
	const MrOptions *o = f->o;
	int			task = f->spec->task;
	const char *name = mr_task_name(task);

	if (task != MR_TASK_CLASSIFICATION && o->positive_label)
	{
		mr_error_message(f->err, MR_EINVAL, "option \"positive_label\" applies to classification only");
		mr_error_detail(f->err, "The label column trains a %s model.", name);
		return MR_EINVAL;
	}
	if (task != MR_TASK_REGRESSION && mr_options_given(o, "loss"))
	{
		mr_error_message(f->err, MR_EINVAL, "option \"loss\" applies to regression only");
		mr_error_detail(f->err, "The label column trains a %s model.", name);
		mr_error_hint(f->err, "For a numeric label column trained as classes, leave out \"loss\"; to train a regression on integers, add \"task\": \"regression\".");
		return MR_EINVAL;
	}
	if (task == MR_TASK_REGRESSION && o->class_weight != MR_CW_NONE)
	{
		mr_error_message(f->err, MR_EINVAL, "option \"class_weight\" does not apply to regression");
		mr_error_hint(f->err, "Leave out \"class_weight\".");
		return MR_EINVAL;
	}
	if (task != MR_TASK_CLASSIFICATION && o->class_weight == MR_CW_EXPLICIT)
	{
		mr_error_message(f->err, MR_EINVAL, "a %s model takes \"class_weight\": \"balanced\" only", name);
		mr_error_detail(f->err, "\"balanced\" weighs each label's positives and negatives alike.");
		return MR_EINVAL;
	}
	return MR_OK;
}

/* The sigmoid head's per-label weights from class_weight (NULL: none) */
static MrStatus
label_weights(Fit *f, float **out)
{
	*out = NULL;
	if (f->o->class_weight != MR_CW_BALANCED)
		return MR_OK;
	if (!(*out = mr_alloc(f->a, sizeof(float) * 2 * (size_t) f->K)))
		return mr_set_error(f->err, MR_ENOMEM, "Out of memory for label weights.");
	mr_targets_balanced_weights(&f->targets, *out);
	return MR_OK;
}

/*
 * The decision threshold of every label of a multi-label model: the one
 * with the best F1 on the validation rows (mr_train's own split), or 0.5
 * without them.  The best is one of the rows' scores; the threshold is set
 * halfway down to the next lower score, which classifies the validation
 * rows alike but does not sit on a score that new rows only just miss.
 * The validation rows are scored as written (SMILES variants are averaged
 * only at prediction).
 */
static MrStatus
choose_thresholds(Fit *f, const MrNet *net, const MrTrainConfig *tc, float **out)
{
	const MrDataset *d = &f->data;
	int32_t		K = f->K;
	int			V = d->variants > 1 ? d->variants : 1;
	int64_t    *train_idx = NULL,
			   *val_idx = NULL,
				n_val = 0;
	int8_t	   *truth = NULL;
	float	   *scores = NULL;
	MrInfer    *inf = NULL;
	MrStatus	st = MR_OK;

	if (!(*out = mr_alloc(f->a, sizeof(float) * (size_t) K)))
		return mr_set_error(f->err, MR_ENOMEM, "Out of memory for thresholds.");
	for (int32_t k = 0; k < K; k++)
		(*out)[k] = 0.5f;
	if (tc->validation_split <= 0.0f)
		return MR_OK;
	train_idx = mr_alloc(f->a, sizeof(int64_t) * (size_t) d->n);
	val_idx = mr_alloc(f->a, sizeof(int64_t) * (size_t) d->n);
	if (!train_idx || !val_idx ||
		(n_val = mr_stratified_split(NULL, d->n, 1, tc->validation_split, tc->seed,
									 train_idx, val_idx, f->a)) < 0 ||
		!(truth = mr_alloc(f->a, (size_t) (n_val > 0 ? n_val : 1) * (size_t) K)) ||
		!(scores = mr_alloc(f->a, sizeof(float) * (size_t) (n_val > 0 ? n_val : 1) * (size_t) K)) ||
		mr_infer_new(net, f->a, &inf) != MR_OK)
	{
		st = mr_set_error(f->err, MR_ENOMEM, "Out of memory for choosing thresholds.");
		goto done;
	}
	for (int64_t i = 0; i < n_val; i++)
	{
		int64_t		r = val_idx[i];

		if ((i & 255) == 0 && should_stop(f))
		{
			st = mr_set_error(f->err, MR_ECANCELED, "Training was canceled.");
			goto done;
		}
		memcpy(truth + (size_t) i * K, d->multi + (size_t) d->labels[r] * K, (size_t) K);
		mr_infer_row(inf, d->ids ? d->ids + (size_t) r * V * d->T : NULL,
					 d->feats ? d->feats + (size_t) r * d->T * d->F : NULL,
					 d->lengths ? d->lengths[r * V] : d->T, scores + (size_t) i * K);
	}
	for (int32_t k = 0; k < K; k++)
	{
		float		t;

		float		below = -1.0f;

		if ((st = mr_best_f1_threshold(f->a, truth + k, K, scores + k, K, n_val, &t)) != MR_OK)
		{
			mr_set_error(f->err, st, "Could not choose the thresholds.");
			goto done;
		}
		for (int64_t i = 0; i < n_val; i++)
		{
			float		s = scores[(size_t) i * K + k];

			if (truth[(size_t) i * K + k] >= 0 && s < t && s > below)
				below = s;
		}
		if (below >= 0.0f)
			t = below + 0.5f * (t - below);
		/* a threshold is stored within (0, 1); a score can round to 1 */
		if (!(t > 1e-6f))
			t = 1e-6f;
		if (!(t < 1.0f - 1e-6f))
			t = 1.0f - 1e-6f;
		(*out)[k] = t;
	}
done:
	if (inf)
		mr_infer_free(inf, f->a);
	mr_free(f->a, train_idx);
	mr_free(f->a, val_idx);
	mr_free(f->a, truth);
	mr_free(f->a, scores);
	return st;
}

/* Index of a label (UTF-8) among the classes, or -1 */
static int
class_of_label(const Fit *f, const char *label, size_t len)
{
	int32_t		id = mr_vocab_lookup(f->labels, label, len);

	for (int k = 0; id >= 0 && k < f->K; k++)
		if (f->class_label[k] == id)
			return k;
	return -1;
}

/*
 * The positive class of a binary model: the positive_label option, else
 * the second label in byte order (scikit-learn's classes_[1]), which is
 * the positive one of 0/1, false/true, f/t, no/yes, N/Y and
 * negative/positive
 */
static MrStatus
positive_class(Fit *f, int *out)
{
	const MrOptions *o = f->o;

	*out = f->K == 2 ? 1 : -1;
	if (!o->positive_label)
		return MR_OK;
	if (f->K != 2)
	{
		mr_error_message(f->err, MR_EINVAL, "option \"positive_label\" applies to two classes only");
		mr_error_detail(f->err, "The rows have %d classes.", (int) f->K);
		return MR_EINVAL;
	}
	*out = class_of_label(f, o->positive_label, o->positive_label_len);
	if (*out < 0)
		return mr_error_message(f->err, MR_EINVAL, "positive label \"%s\" does not occur in the training rows",
								o->positive_label);
	return MR_OK;
}

/* Per-class loss weights from the class_weight option (NULL: none) */
static MrStatus
class_weights(Fit *f, float **out)
{
	const MrOptions *o = f->o;
	float	   *w;

	*out = NULL;
	if (o->class_weight == MR_CW_NONE)
		return MR_OK;
	if (!(w = mr_alloc(f->a, sizeof(float) * (size_t) f->K)))
		return mr_set_error(f->err, MR_ENOMEM, "Out of memory for class weights.");
	for (int k = 0; k < f->K; k++)
		w[k] = o->class_weight == MR_CW_BALANCED ?
			(float) ((double) f->data.n / ((double) f->K * f->class_count[k])) : 1.0f;
	for (int i = 0; o->class_weight == MR_CW_EXPLICIT && i < o->n_class_weights; i++)
	{
		int			k = class_of_label(f, o->weight_labels[i], o->weight_label_lens[i]);

		if (k < 0)
		{
			mr_free(f->a, w);
			return mr_error_message(f->err, MR_EINVAL,
									"class_weight names label \"%s\", which does not occur in the training rows",
									o->weight_labels[i]);
		}
		w[k] = (float) o->weight_values[i];
	}
	*out = w;
	return MR_OK;
}

/*
 * A classifier whose classes are about as many as its rows has learnt
 * nothing it can use: usually the label column was the wrong one
 */
static void
warn_if_classes_are_rows(Fit *f)
{
	MrError		msg;

	if (f->K < 3 || (int64_t) f->K * 2 <= f->data.n)
		return;
	mr_error_message(&msg, MR_OK, "%d classes among %lld training rows", (int) f->K, (long long) f->data.n);
	mr_error_detail(&msg, "Most classes have a single row, so the model cannot learn them.");
	mr_error_hint(&msg, "Check that the label column holds the labels, not the input or an identifier.");
	notice(f, MR_WARNING, &msg);
}

/* ----------------------------------------------------------------------
 * training
 * ---------------------------------------------------------------------- */

/* The network the options and rows ask for */
static MrStatus
net_config(const Fit *f, MrNetConfig *cfg)
{
	const MrOptions *o = f->o;

	memset(cfg, 0, sizeof(*cfg));
	cfg->vocab_size = f->is_series ? 0 : f->corpus_rows.vocab_size;
	cfg->embed_dim = f->is_series ? 0 : (int32_t) o->embed_dim;
	cfg->n_features = f->data.F;
	cfg->maxlen = (int32_t) o->maxlen;
	cfg->padding = o->mask ? MR_PAD_POST : o->padding;
	cfg->mask = o->mask;
	cfg->n_layers = o->n_layers;
	memcpy(cfg->hidden, o->hidden, sizeof(cfg->hidden));
	cfg->bidirectional = o->bidirectional;
	/* a language model's one-row inference reads the state after the last token */
	cfg->pooling = f->spec->task == MR_TASK_LANGUAGE_MODEL ? MR_POOL_LAST : o->pooling;
	cfg->n_classes = f->K;
	cfg->head = mr_task_head(f->spec->task);
	return mr_net_check_config(cfg, f->err);
}

/* How training runs, from the options */
static void
train_config(const Fit *f, const float *weights, MrTrainConfig *tc)
{
	const MrOptions *o = f->o;

	memset(tc, 0, sizeof(*tc));
	tc->epochs = (int) o->epochs;
	tc->batch_size = (int) o->batch_size;
	tc->adam.lr = (float) o->learning_rate;
	tc->adam.beta1 = MR_ADAM_BETA1;
	tc->adam.beta2 = MR_ADAM_BETA2;
	tc->adam.eps = MR_ADAM_EPS;
	tc->clip_norm = (float) o->clip_norm;
	tc->l2 = (float) o->l2;
	tc->dropout.input = (float) o->dropout;
	tc->dropout.recurrent = (float) o->recurrent_dropout;
	tc->seed = (uint64_t) o->seed;
	tc->validation_split = (float) o->validation_split;
	tc->patience = (int) o->patience;
	if (f->spec->task == MR_TASK_CLASSIFICATION)
		tc->class_weight = weights;
	else
		tc->label_weight = weights;
	if (f->spec->task == MR_TASK_REGRESSION && o->loss == MR_LOSS_HUBER)
		tc->huber_delta = MR_HUBER_DELTA;
	tc->threads = f->spec->threads;
	tc->base = f->spec->base ? &f->spec->base->net : NULL;
	tc->lr_decay = (float) o->lr_decay;
	tc->gradual_unfreeze = o->unfreeze;
}

/* Fail before allocating when the model and training state would not fit */
static MrStatus
check_memory(const Fit *f, const MrNetConfig *cfg, const MrTrainConfig *tc)
{
	size_t		n_params = 0,
				train_bytes,
				total = SIZE_MAX;

	if (mr_net_param_count(cfg, &n_params) != MR_OK ||
		mr_train_memory(cfg, tc, &f->data, &train_bytes) != MR_OK ||
		!mr_mul_size(n_params, 2 * sizeof(float), &total) ||	/* weights + encoded model */
		!mr_add_size(total, train_bytes, &total) ||
		!mr_add_size(total, f->rows_memory, &total) ||
		(f->spec->memory_limit > 0 && total > f->spec->memory_limit))
	{
		mr_set_error(f->err, MR_ELIMIT,
					 "The model has %zu parameters; with the optimizer state, one batch's activations and the rows, training needs about %zu MB.",
					 n_params, (size_t) (total / (1024 * 1024)));
		/* a language model's outputs at every step are most of its activations */
		if (cfg->head == MR_HEAD_NEXT_TOKEN)
			mr_error_hint(f->err, "Raise medrnn.train_memory_limit, or reduce output_words, batch_size or maxlen: each batch holds output_words outputs for every step of every row.");
		/* without a mask, every row holds maxlen steps however short it is */
		else if (!cfg->mask && !f->is_series)
			mr_error_hint(f->err, "Raise medrnn.train_memory_limit, reduce num_words, maxlen, hidden or batch_size, or set \"mask\": true, which sizes training by the longest row instead of maxlen.");
		return MR_ELIMIT;
	}
	return MR_OK;
}

/* mr_train's hooks, passed on to the caller's */
static int
fit_should_stop(void *state)
{
	return should_stop(state);
}

static void
fit_on_batch(int epoch, int64_t done, int64_t total, double loss, void *state)
{
	const Fit  *f = state;

	if (f->hooks && f->hooks->on_batch)
		f->hooks->on_batch(epoch, done, total, loss, f->hooks->state);
}

/* One NOTICE per epoch; timings go to the detail, since they differ between identical runs */
static void
fit_on_epoch(const MrEpochLog *log, void *state)
{
	const Fit  *f = state;
	MrError		msg;
	double		rate = log->seconds > 0 ? log->rows / log->seconds : 0.0;

	if (f->spec->task == MR_TASK_LANGUAGE_MODEL)
	{
		/* perplexity: e^(mean cross-entropy per predicted token) */
		if (isnan(log->val_loss))
			mr_error_message(&msg, MR_OK, "epoch %d/%lld: loss %.4f, perplexity %.2f, accuracy %.4f",
							 log->epoch, (long long) f->o->epochs, log->loss, exp(log->loss),
							 log->accuracy);
		else
			mr_error_message(&msg, MR_OK, "epoch %d/%lld: loss %.4f, perplexity %.2f, accuracy %.4f, val_loss %.4f, val_perplexity %.2f, val_accuracy %.4f",
							 log->epoch, (long long) f->o->epochs, log->loss, exp(log->loss),
							 log->accuracy, log->val_loss, exp(log->val_loss), log->val_accuracy);
	}
	else if (f->spec->task == MR_TASK_REGRESSION)
	{
		if (isnan(log->val_loss))
			mr_error_message(&msg, MR_OK, "epoch %d/%lld: loss %.4f",
							 log->epoch, (long long) f->o->epochs, log->loss);
		else
			mr_error_message(&msg, MR_OK, "epoch %d/%lld: loss %.4f, val_loss %.4f",
							 log->epoch, (long long) f->o->epochs, log->loss, log->val_loss);
	}
	else if (isnan(log->val_loss))
		mr_error_message(&msg, MR_OK, "epoch %d/%lld: loss %.4f, accuracy %.4f",
						 log->epoch, (long long) f->o->epochs, log->loss, log->accuracy);
	else
		mr_error_message(&msg, MR_OK, "epoch %d/%lld: loss %.4f, accuracy %.4f, val_loss %.4f, val_accuracy %.4f",
						 log->epoch, (long long) f->o->epochs, log->loss, log->accuracy,
						 log->val_loss, log->val_accuracy);
	mr_error_detail(&msg, "%.1f s, %.0f rows/s.", log->seconds, rate);
	notice(f, MR_NOTICE, &msg);
}

/* ----------------------------------------------------------------------
 * the model
 * ---------------------------------------------------------------------- */

/* Fill the model's fields from the finished rows and the trained network */
static MrStatus
build_model(Fit *f, MrModel *m, const MrNetConfig *cfg, float *params, size_t n_params,
			int positive, const MrTrainResult *res, MrBuf *options_json)
{
	const MrOptions *o = f->o;
	const MrAllocator *a = f->a;
	int			text = f->spec->source == MR_SOURCE_TEXT;

	float	   *thresholds = m->thresholds;

	memset(m, 0, sizeof(*m));
	m->task = f->spec->task;
	m->thresholds = thresholds;
	if (m->task == MR_TASK_REGRESSION)
	{
		m->loss = o->loss;
		m->target_mean = f->targets.mean;
		m->target_scale = f->targets.scale;
	}
	m->input_kind = f->is_series ? MR_INPUT_SERIES : text ? MR_INPUT_TEXT : MR_INPUT_TOKENS;
	m->tokenizer = text ? o->tokenizer : 0;
	m->lowercase = text ? o->lowercase : 0;
	m->truncating = o->truncating;
	m->smiles_variants = o->smiles_variants > 1 ? (int32_t) o->smiles_variants : 0;
	m->rows_not_rewritten = (uint64_t) mr_corpus_not_rewritten(f->corpus);
	m->positive_class = positive;
	m->cfg = *cfg;
	m->params = params;
	mr_net_bind(&m->net, cfg, params, n_params);
	if (f->spec->base)
	{
		/* the base model's vocabulary, which the rows' ids index */
		m->n_tokens = f->spec->base->n_tokens;
		m->tokens = mr_alloc(a, sizeof(char *) * ((size_t) m->n_tokens + 1));
		m->token_len = mr_alloc(a, sizeof(uint32_t) * ((size_t) m->n_tokens + 1));
		if (!m->tokens || !m->token_len)
			return mr_set_error(f->err, MR_ENOMEM, "Out of memory for the vocabulary.");
		memcpy(m->tokens, f->spec->base->tokens, sizeof(char *) * (size_t) m->n_tokens);
		memcpy(m->token_len, f->spec->base->token_len, sizeof(uint32_t) * (size_t) m->n_tokens);
		m->has_base = 1;
		memcpy(m->base_fingerprint, f->spec->base_fingerprint, MR_FINGERPRINT_BYTES);
		m->base_rows = f->spec->base->rows_used;
	}
	else if (!f->is_series)
	{
		const MrCorpusRows *rows = &f->corpus_rows;

		m->n_tokens = rows->vocab_size - 1;
		m->tokens = mr_alloc(a, sizeof(char *) * ((size_t) m->n_tokens + 1));
		m->token_len = mr_alloc(a, sizeof(uint32_t) * ((size_t) m->n_tokens + 1));
		if (!m->tokens || !m->token_len)
			return mr_set_error(f->err, MR_ENOMEM, "Out of memory for the vocabulary.");
		for (int i = 0; i < m->n_tokens; i++)
		{
			size_t		l;

			m->tokens[i] = mr_vocab_key(mr_corpus_words(f->corpus), rows->word_ids[i], &l);
			m->token_len[i] = (uint32_t) l;
		}
	}
	else
	{
		const MrSeriesRows *rows = &f->series_rows;

		m->series_time_kind = f->time_kind;
		m->series_origin = f->origin;
		m->series_step = o->step;
		m->n_vars = rows->n_vars;
		m->var_names = mr_alloc(a, sizeof(char *) * ((size_t) m->n_vars + 1));
		m->var_name_len = mr_alloc(a, sizeof(uint32_t) * ((size_t) m->n_vars + 1));
		if (!m->var_names || !m->var_name_len)
			return mr_set_error(f->err, MR_ENOMEM, "Out of memory for the variables.");
		for (int v = 0; v < m->n_vars; v++)
		{
			size_t		l;

			m->var_names[v] = mr_vocab_key(mr_series_corpus_vars(f->series), rows->var_ids[v], &l);
			m->var_name_len[v] = (uint32_t) l;
		}
		m->var_mean = rows->mean;
		m->var_scale = rows->scale;
	}
	m->labels = mr_alloc(a, sizeof(char *) * (size_t) f->K);
	m->label_len = mr_alloc(a, sizeof(uint32_t) * (size_t) f->K);
	if (!m->labels || !m->label_len)
		return mr_set_error(f->err, MR_ENOMEM, "Out of memory for the labels.");
	for (int k = 0; k < f->K; k++)
	{
		size_t		l;

		/* classes, label names, what the regression predicts, or the next tokens */
		if (m->task == MR_TASK_LANGUAGE_MODEL)
		{
			m->labels[k] = k == 0 ? "" : m->tokens[k - 1];
			l = k == 0 ? 0 : m->token_len[k - 1];
		}
		else if (m->task == MR_TASK_CLASSIFICATION)
			m->labels[k] = mr_vocab_key(f->labels, f->class_label[k], &l);
		else if (m->task != MR_TASK_REGRESSION)
			m->labels[k] = mr_vocab_key(f->targets.names, f->targets.name_order[k], &l);
		else
		{
			m->labels[k] = f->spec->label_column ? f->spec->label_column : "value";
			l = strlen(m->labels[k]);
			if (l > MR_MAX_LABEL_BYTES)
				l = MR_MAX_LABEL_BYTES;
		}
		m->label_len[k] = (uint32_t) l;
	}
	mr_options_to_json(o, f->spec->format_double, options_json);
	if (options_json->failed)
		return mr_set_error(f->err, MR_ENOMEM, "Out of memory for the options.");
	m->options_json = options_json->data;
	m->options_len = (uint32_t) options_json->len;
	m->rows_used = (uint64_t) f->data.n;
	/* NULLs, and labels a task cannot train on (NaN, nothing known) */
	m->rows_skipped = (uint64_t) (f->skipped_null + f->skipped_nonfinite + f->skipped_unknown);
	m->train_rows = (uint64_t) res->train_rows;
	m->val_rows = (uint64_t) res->val_rows;
	m->n_epochs = res->n_epochs;
	m->best_epoch = res->best_epoch;
	m->stopped_early = res->stopped_early;
	m->epochs = res->epochs;
	m->train_seconds = res->seconds;
	m->created_at = f->spec->created_at > 0 ? f->spec->created_at : (double) time(NULL);
	return MR_OK;
}

/*
 * The weights mr_train would start from, and a history of one empty epoch
 * (a model records at least one): spec->init_only
 */
static MrStatus
init_weights(MrNet *net, const MrDataset *data, const MrTrainConfig *tc, const MrAllocator *a,
			 MrTrainResult *res, MrError *err)
{
	MrRng		rng;

	mr_rng_seed(&rng, tc->seed);
	if (mr_net_init(net, &rng, a) != MR_OK ||
		!(res->epochs = mr_alloc0(a, sizeof(MrEpochLog))))
		return mr_set_error(err, MR_ENOMEM, "Out of memory for the weights.");
	res->epochs[0] = (MrEpochLog) {1, 0.0, 0.0, NAN, NAN, 0.0, 0};
	res->n_epochs = 1;
	res->best_epoch = 1;
	res->train_rows = data->n;
	return MR_OK;
}

/* Release what the run allocated */
static void
fit_free(Fit *f)
{
	mr_corpus_free(f->corpus);
	mr_series_corpus_free(f->series);
	mr_corpus_rows_free(&f->corpus_rows, f->a);
	mr_series_rows_free(&f->series_rows, f->a);
	mr_buf_free(&f->empty_labels);
	mr_buf_free(&f->empty_label_lens);
	mr_targets_free(&f->targets, f->a);
}

/* Train and encode; see mr_fit.h */
MrStatus
mr_fit(const MrFitSpec *spec, const MrRowSource *src, const MrFitHooks *hooks,
	   const MrAllocator *a, uint8_t **image, size_t *len, MrError *err)
{
	Fit			f;
	MrTokenizer tk;
	MrNetConfig cfg;
	MrTrainConfig tc;
	MrTrainHooks th;
	MrTrainResult res;
	MrModel		m;
	MrBuf		options_json;
	float	   *weights = NULL,
			   *params = NULL,
			   *thresholds = NULL;
	size_t		n_params;
	int			positive;
	MrStatus	st;
	MrOptions	opts = spec->options;	/* fine-tuning fills in the base model's */
	const MrOptions *o = &opts;

	*image = NULL;
	*len = 0;
	memset(&f, 0, sizeof(f));
	memset(&res, 0, sizeof(res));
	memset(&m, 0, sizeof(m));
	f.spec = spec;
	f.o = &opts;
	f.hooks = hooks;
	f.a = a;
	f.err = err;
	mr_buf_init(&f.empty_labels, a);
	mr_buf_init(&f.empty_label_lens, a);
	mr_buf_init(&options_json, a);

	/* options that cannot apply to this column, before reading a row */
	if (spec->task < MR_TASK_CLASSIFICATION || spec->task > MR_TASK_LANGUAGE_MODEL)
	{
		st = mr_set_error(err, MR_EINVAL, "Task %d is not recognized.", spec->task);
		goto done;
	}
	if ((st = pretraining_options(&f, &opts)) != MR_OK ||
		(st = check_task_options(&f)) != MR_OK)
		goto done;
	if (spec->source == MR_SOURCE_TEXT &&
		((st = mr_options_check_input(o, MR_OPT_TEXT, spec->input_column, "text", err)) != MR_OK ||
		 (st = mr_options_check_variants(o, err)) != MR_OK))
		goto done;
	if (spec->source == MR_SOURCE_TOKENS &&
		(st = mr_options_check_input(o, MR_OPT_TOKENS, spec->input_column, "pre-split tokens (text[])", err)) != MR_OK)
		goto done;

	/* read every row: tokenize texts, collect tokens or measurements */
	tk.kind = (MrTokenizerKind) o->tokenizer;
	tk.lowercase = o->lowercase;
	f.corpus = mr_corpus_new(a, &tk, spec->memory_limit);
	f.series = mr_series_corpus_new(a, spec->memory_limit);
	if (!f.corpus || !f.series)
	{
		st = mr_set_error(err, MR_ENOMEM, "Out of memory for the training rows.");
		goto done;
	}
	mr_corpus_set_smiles_variants(f.corpus, (int32_t) o->smiles_variants, (uint64_t) o->seed);
	if (spec->base)
		mr_corpus_set_vocab(f.corpus, spec->base->vocab, spec->base->cfg.vocab_size);
	if (spec->task != MR_TASK_CLASSIFICATION)
	{
		mr_corpus_set_targets(f.corpus);
		mr_series_corpus_set_targets(f.series);
	}
	if ((st = read_rows(&f, src)) != MR_OK)
		goto done;
	report_reading(&f);
	if (spec->source == MR_SOURCE_SEQ &&
		(st = mr_options_check_input(o, f.mode == SEQ_SERIES ? MR_OPT_SERIES : MR_OPT_TOKENS,
									 spec->input_column,
									 f.mode == SEQ_SERIES ? "measurement sequences" : "token sequences",
									 err)) != MR_OK)
		goto done;

	/* the training rows, and what the options ask of them */
	f.is_series = spec->source == MR_SOURCE_SEQ && f.mode == SEQ_SERIES;
	if (f.is_series && (spec->task == MR_TASK_LANGUAGE_MODEL || spec->base))
	{
		mr_error_message(err, MR_EINVAL, "column \"%s\" holds measurements, not tokens", spec->input_column);
		mr_error_detail(err, "A language model predicts tokens: words, characters, codes.");
		st = MR_EINVAL;
		goto done;
	}
	if ((st = f.is_series ? finish_series_rows(&f) : finish_token_rows(&f)) != MR_OK ||
		(st = finish_targets(&f)) != MR_OK)
		goto done;
	positive = -1;
	if (spec->task == MR_TASK_CLASSIFICATION)
	{
		warn_if_classes_are_rows(&f);
		if ((st = positive_class(&f, &positive)) != MR_OK ||
			(st = class_weights(&f, &weights)) != MR_OK)
			goto done;
	}
	else if (spec->task != MR_TASK_REGRESSION && spec->task != MR_TASK_LANGUAGE_MODEL &&
			 (st = label_weights(&f, &weights)) != MR_OK)
		goto done;
	if ((st = net_config(&f, &cfg)) != MR_OK)
		goto done;
	train_config(&f, weights, &tc);
	if ((st = check_memory(&f, &cfg, &tc)) != MR_OK)
		goto done;
	mr_net_param_count(&cfg, &n_params);
	if (!(params = mr_alloc(a, sizeof(float) * n_params)))
	{
		st = mr_set_error(err, MR_ENOMEM, "Out of memory for %zu weights.", n_params);
		goto done;
	}

	/* train */
	mr_net_bind(&m.net, &cfg, params, n_params);
	th.should_stop = fit_should_stop;
	th.on_epoch = fit_on_epoch;
	th.on_batch = fit_on_batch;
	th.state = &f;
	if (hooks && hooks->on_start)
		hooks->on_start(&cfg, &tc, &f.data, hooks->state);
	if ((st = spec->init_only ? init_weights(&m.net, &f.data, &tc, a, &res, err) :
		 mr_train(&m.net, &f.data, &tc, &th, a, &res, err)) != MR_OK)
		goto done;
	if (res.stopped_early)
	{
		MrError		msg;

		mr_error_message(&msg, MR_OK, "early stopping after epoch %d; kept the weights of epoch %d",
						 res.n_epochs, res.best_epoch);
		notice(&f, MR_NOTICE, &msg);
	}

	/* the model */
	if (cfg.head == MR_HEAD_SIGMOID && (st = choose_thresholds(&f, &m.net, &tc, &thresholds)) != MR_OK)
		goto done;
	m.thresholds = thresholds;
	if ((st = build_model(&f, &m, &cfg, params, n_params, positive, &res, &options_json)) != MR_OK)
		goto done;
	st = mr_model_encode(&m, a, image, len, err);

done:
	/* the model's lists, also when building it failed partway */
	mr_free(a, m.tokens);
	mr_free(a, m.token_len);
	mr_free(a, m.var_names);
	mr_free(a, m.var_name_len);
	mr_free(a, m.labels);
	mr_free(a, m.label_len);
	mr_free(a, params);
	mr_free(a, weights);
	mr_free(a, thresholds);
	mr_free(a, res.epochs);
	mr_buf_free(&options_json);
	fit_free(&f);
	return st;
}
