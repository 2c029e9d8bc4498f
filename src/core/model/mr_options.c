/*
 * mr_options.c
 *	  The table of rnn_train's options, and parsing, checking and writing
 *	  them from it (see mr_options.h).
 */
#include "mr_options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_net.h"
#include "mr_series.h"
#include "mr_smiles.h"
#include "mr_targets.h"
#include "mr_tokenize.h"

/* ----------------------------------------------------------------------
 * values: reading them, and the messages when they are wrong
 * ---------------------------------------------------------------------- */

/* 'option "x" must be <want>' with the type it got */
static MrStatus
wrong_type(const char *name, const char *want, const MrJson *v, MrError *err)
{
	mr_error_message(err, MR_EINVAL, "option \"%s\" must be %s", name, want);
	mr_error_detail(err, "Got %s.", mr_json_type_name(v));
	return MR_EINVAL;
}

/* A number's text for a message: as written, or in %g form if very long */
static const char *
number_text(const MrJson *v, char buf[32])
{
	if (v->len <= 24)
		return v->text;
	if (!isfinite(v->number))
		return isnan(v->number) ? "NaN" : v->number > 0 ? "Infinity" : "-Infinity";
	snprintf(buf, 32, "%g", v->number);
	return buf;
}

/* A finite number */
static MrStatus
get_number(const char *name, const MrJson *v, double *out, MrError *err)
{
	char		buf[32];

	if (v->type != MR_JSON_NUMBER)
		return wrong_type(name, "a number", v, err);
	if (!isfinite(v->number))
	{
		mr_error_message(err, MR_EINVAL, "option \"%s\" must be a finite number", name);
		mr_error_detail(err, "Got %s.", number_text(v, buf));
		return MR_EINVAL;
	}
	*out = v->number;
	return MR_OK;
}

/* A number within [lo, hi], either end open */
static MrStatus
get_number_range(const char *name, const MrJson *v, double lo, double hi,
				 int lo_open, int hi_open, double *out, MrError *err)
{
	double		d;

	if (get_number(name, v, &d, err) != MR_OK)
		return MR_EINVAL;
	if ((lo_open ? d <= lo : d < lo) || (hi_open ? d >= hi : d > hi))
	{
		mr_error_message(err, MR_EINVAL, "option \"%s\" must be %s %g and %s %g",
						 name, lo_open ? "greater than" : "at least", lo,
						 hi_open ? "less than" : "at most", hi);
		mr_error_detail(err, "Got %g.", d);
		return MR_EINVAL;
	}
	*out = d;
	return MR_OK;
}

/* An integer within [lo, hi]: written as one (no fraction, no exponent) */
static MrStatus
get_int_range(const char *name, const MrJson *v, int64_t lo, int64_t hi, int64_t *out,
			  MrError *err)
{
	char		buf[32];
	char	   *end;
	long long	n;

	if (v->type != MR_JSON_NUMBER)
		return wrong_type(name, "an integer", v, err);
	errno = 0;
	n = strtoll(v->text, &end, 10);
	if (*end != '\0' || errno == ERANGE)
	{
		mr_error_message(err, MR_EINVAL, "option \"%s\" must be an integer", name);
		mr_error_detail(err, "Got %s.", number_text(v, buf));
		return MR_EINVAL;
	}
	if (n < lo || n > hi)
	{
		mr_error_message(err, MR_EINVAL, "option \"%s\" must be between %lld and %lld",
						 name, (long long) lo, (long long) hi);
		mr_error_detail(err, "Got %s.", v->text);
		return MR_EINVAL;
	}
	*out = (int64_t) n;
	return MR_OK;
}

/* One of a list of strings: its index */
static MrStatus
get_choice(const char *name, const MrJson *v, const char *const *choices, int *out, MrError *err)
{
	int			n = 0;
	char		text[1024];

	if (v->type != MR_JSON_STRING)
		return wrong_type(name, "a string", v, err);
	for (n = 0; choices[n]; n++)
		if (strcmp(v->text, choices[n]) == 0)
		{
			*out = n;
			return MR_OK;
		}
	/* the list of choices, in a buffer on the stack */
	text[0] = '\0';
	for (int i = 0; i < n; i++)
	{
		size_t		used = strlen(text);

		snprintf(text + used, sizeof(text) - used, "%s\"%s\"", i ? ", " : "", choices[i]);
	}
	mr_error_message(err, MR_EINVAL, n == 1 ? "option \"%s\" must be %s" : "option \"%s\" must be one of %s",
					 name, text);
	mr_error_detail(err, "Got \"%s\".", v->text);
	return MR_EINVAL;
}

/* A copy of a string value with a */
static const char *
copy_string(const MrJson *v, const MrAllocator *a, size_t *len)
{
	char	   *c = mr_alloc(a, v->len + 1);

	if (c)
	{
		memcpy(c, v->text, v->len);
		c[v->len] = '\0';
	}
	*len = v->len;
	return c;
}

/* ----------------------------------------------------------------------
 * the options that are more than one value
 * ---------------------------------------------------------------------- */

/* "hidden": an integer or an array of 1..MR_MAX_LAYERS integers */
static MrStatus
parse_hidden(MrOptions *o, const MrOptionDef *def, const MrJson *v,
			 const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	int64_t		h;

	memset(o->hidden, 0, sizeof(o->hidden));
	if (v->type == MR_JSON_NUMBER)
	{
		if (get_int_range(def->name, v, 1, MR_MAX_HIDDEN, &h, err) != MR_OK)
			return MR_EINVAL;
		o->n_layers = 1;
		o->hidden[0] = (int) h;
		return MR_OK;
	}
	if (v->type != MR_JSON_ARRAY)
		return wrong_type(def->name, "an integer or an array of integers", v, err);
	if (v->n == 0)
		return mr_error_message(err, MR_EINVAL, "option \"%s\" must list at least one layer size",
								def->name);
	for (int i = 0; i < v->n; i++)
	{
		if (i >= MR_MAX_LAYERS)
			return mr_error_message(err, MR_EINVAL, "option \"%s\" can list at most %d layers",
									def->name, MR_MAX_LAYERS);
		if (get_int_range(def->name, &v->items[i], 1, MR_MAX_HIDDEN, &h, err) != MR_OK)
			return MR_EINVAL;
		o->hidden[i] = (int) h;
	}
	o->n_layers = v->n;
	return MR_OK;
}

static void
write_hidden(const MrOptions *o, MrBuf *out, MrFormatDouble fmt)
{
	mr_buf_putc(out, '[');
	for (int l = 0; l < o->n_layers; l++)
		mr_buf_printf(out, "%s%d", l ? ", " : "", o->hidden[l]);
	mr_buf_putc(out, ']');
}

/* "early_stopping": true (patience 3), false, or the patience in epochs */
static MrStatus
parse_early_stopping(MrOptions *o, const MrOptionDef *def, const MrJson *v,
					 const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	if (v->type == MR_JSON_BOOL)
	{
		o->patience = v->boolean ? 3 : 0;
		return MR_OK;
	}
	if (v->type == MR_JSON_NUMBER)
		return get_int_range(def->name, v, 1, MR_OPT_MAX_EPOCHS, &o->patience, err);
	return wrong_type(def->name, "a boolean or a patience in epochs", v, err);
}

static void
write_early_stopping(const MrOptions *o, MrBuf *out, MrFormatDouble fmt)
{
	if (o->patience > 0)
		mr_buf_printf(out, "%lld", (long long) o->patience);
	else
		mr_buf_puts(out, "false");
}

/* "class_weight": "balanced" or {"label": weight, ...} */
static MrStatus
parse_class_weight(MrOptions *o, const MrOptionDef *def, const MrJson *v,
				   const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	static const char *const modes[] = {"balanced", NULL};
	int			mode;

	if (v->type == MR_JSON_STRING)
	{
		if (get_choice(def->name, v, modes, &mode, err) != MR_OK)
			return MR_EINVAL;
		o->class_weight = MR_CW_BALANCED;
		return MR_OK;
	}
	if (v->type != MR_JSON_OBJECT)
		return wrong_type(def->name, "\"balanced\" or an object of label: weight", v, err);
	o->class_weight = MR_CW_EXPLICIT;
	o->weight_labels = mr_alloc(a, sizeof(char *) * (size_t) (v->n + 1));
	o->weight_label_lens = mr_alloc(a, sizeof(size_t) * (size_t) (v->n + 1));
	o->weight_values = mr_alloc(a, sizeof(double) * (size_t) (v->n + 1));
	if (!o->weight_labels || !o->weight_label_lens || !o->weight_values)
		return mr_error_message(err, MR_ENOMEM, "out of memory");
	for (int i = 0; i < v->n; i++)
	{
		MrJson		key = {MR_JSON_STRING};

		key.text = v->keys[i];
		key.len = v->key_lens[i];
		if (get_number_range(def->name, &v->items[i], 0.0, 1e6, 1, 0, &o->weight_values[i], err) != MR_OK)
			return MR_EINVAL;
		if (!(o->weight_labels[i] = copy_string(&key, a, &o->weight_label_lens[i])))
			return mr_error_message(err, MR_ENOMEM, "out of memory");
	}
	o->n_class_weights = v->n;
	return MR_OK;
}

static void
write_class_weight(const MrOptions *o, MrBuf *out, MrFormatDouble fmt)
{
	if (o->class_weight == MR_CW_BALANCED)
		mr_buf_puts(out, "\"balanced\"");
	else if (o->class_weight == MR_CW_EXPLICIT)
	{
		mr_buf_putc(out, '{');
		for (int i = 0; i < o->n_class_weights; i++)
		{
			if (i)
				mr_buf_puts(out, ", ");
			mr_buf_json_string(out, o->weight_labels[i], o->weight_label_lens[i]);
			mr_buf_puts(out, ": ");
			mr_buf_json_number(out, o->weight_values[i], fmt);
		}
		mr_buf_putc(out, '}');
	}
	else
		mr_buf_puts(out, "null");
}

/* "positive_label": a label of the training rows */
static MrStatus
parse_positive_label(MrOptions *o, const MrOptionDef *def, const MrJson *v,
					 const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	if (v->type != MR_JSON_STRING)
		return wrong_type(def->name, "a string", v, err);
	if (!(o->positive_label = copy_string(v, a, &o->positive_label_len)))
		return mr_error_message(err, MR_ENOMEM, "out of memory");
	return MR_OK;
}

static void
write_positive_label(const MrOptions *o, MrBuf *out, MrFormatDouble fmt)
{
	if (o->positive_label)
		mr_buf_json_string(out, o->positive_label, o->positive_label_len);
	else
		mr_buf_puts(out, "null");
}

/* "base_model": a registry name, resolved by the server */
static MrStatus
parse_base_model(MrOptions *o, const MrOptionDef *def, const MrJson *v,
				 const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	if (v->type != MR_JSON_STRING)
		return wrong_type(def->name, "a model name", v, err);
	if (v->len == 0)
		return mr_error_message(err, MR_EINVAL, "option \"%s\" must not be empty", def->name);
	if (!(o->base_model = copy_string(v, a, &o->base_model_len)))
		return mr_error_message(err, MR_ENOMEM, "out of memory");
	return MR_OK;
}

static void
write_base_model(const MrOptions *o, MrBuf *out, MrFormatDouble fmt)
{
	mr_buf_json_string(out, o->base_model, o->base_model_len);
}

/* "step": a number in the sequences' time unit, or an interval like "1 hour" */
static MrStatus
parse_step(MrOptions *o, const MrOptionDef *def, const MrJson *v,
		   const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	if (v->type == MR_JSON_STRING)
	{
		double		seconds = 0.0;

		if (!hooks || !hooks->parse_interval)
			return mr_error_message(err, MR_EINVAL, "option \"%s\" can be an interval only inside the database",
									def->name);
		if (!hooks->parse_interval(v->text, &seconds, hooks->state) ||
			!(seconds > 0.0) || !isfinite(seconds))
		{
			mr_error_message(err, MR_EINVAL, "option \"%s\" must be a positive interval", def->name);
			mr_error_detail(err, "Got \"%s\".", v->text);
			return MR_EINVAL;
		}
		o->step = seconds;
		o->step_is_interval = 1;
		return MR_OK;
	}
	o->step_is_interval = 0;
	return get_number_range(def->name, v, 0.0, MR_OPT_MAX_STEP, 1, 0, &o->step, err);
}

static void
write_step(const MrOptions *o, MrBuf *out, MrFormatDouble fmt)
{
	if (o->step > 0.0)
		mr_buf_json_number(out, o->step, fmt);
	else
		mr_buf_puts(out, "null");
}

/* ----------------------------------------------------------------------
 * the table
 * ---------------------------------------------------------------------- */

static const char *const tokenizer_names[] = {"word", "char", "smiles", NULL};
static const int tokenizer_values[] = {MR_TOKENIZER_WORD, MR_TOKENIZER_CHAR, MR_TOKENIZER_SMILES};
static const char *const end_names[] = {"pre", "post", NULL};
static const int end_values[] = {MR_PAD_PRE, MR_PAD_POST};
static const char *const pooling_names[] = {"last", "max", "mean", NULL};
static const int pooling_values[] = {MR_POOL_LAST, MR_POOL_MAX, MR_POOL_MEAN};
static const char *const optimizer_names[] = {"adam", NULL};
static const int optimizer_values[] = {0};
static const char *const task_names[] = {"classification", "multilabel", "multitask", "regression", NULL};
static const int task_values[] = {MR_TASK_CLASSIFICATION, MR_TASK_MULTILABEL, MR_TASK_MULTITASK,
MR_TASK_REGRESSION};
static const char *const loss_names[] = {"mse", "huber", NULL};
static const int loss_values[] = {MR_LOSS_MSE, MR_LOSS_HUBER};
static const char *const unfreeze_names[] = {"all", "gradual", NULL};
static const int unfreeze_values[] = {0, 1};
static const char *const origin_names[] = {"zero", "first", NULL};
static const int origin_values[] = {MR_ORIGIN_ZERO, MR_ORIGIN_FIRST};

#define FIELD(f) offsetof(MrOptions, f)
#define TEXT_ONLY MR_OPT_TEXT, "text columns"
#define TOKEN_INPUTS MR_OPT_TEXT | MR_OPT_TOKENS, "text, text[] and token-sequence columns"
#define SERIES_ONLY MR_OPT_SERIES, "measurement sequences"
#define EVERY_INPUT MR_OPT_ANY, "every input"

const MrOptionDef mr_option_defs[] = {
	{"tokenizer", MR_OPTK_CHOICE, FIELD(tokenizer), .idefault = MR_TOKENIZER_WORD,
		.choices = tokenizer_names, .values = tokenizer_values, .inputs = TEXT_ONLY,
		.doc_default = "`\"word\"`", .doc_range = "`\"word\"`, `\"char\"`, `\"smiles\"`",
	.help = "how a text becomes tokens: words, characters, or the lexical units of SMILES"},
	{"lowercase", MR_OPTK_BOOL, FIELD(lowercase), .inputs = TEXT_ONLY,
		.doc_default = "`true` for words, else `false`", .doc_range = "boolean",
	.help = "lowercase the text first (Python `str.lower()`); an error with `\"smiles\"`"},
	{"num_words", MR_OPTK_INT, FIELD(num_words), 2, MR_MAX_VOCAB, 20000, .inputs = TOKEN_INPUTS,
		.doc_default = "20000", .doc_range = "2 … 1,000,000",
	.help = "keep the `num_words - 1` most frequent tokens (ties: first seen); drop the others"},
	{"maxlen", MR_OPTK_INT, FIELD(maxlen), 1, MR_MAX_MAXLEN, 100, .inputs = EVERY_INPUT,
		.doc_default = "100", .doc_range = "1 … 10,000",
	.help = "steps per row: tokens, or bins of a measurement grid"},
	{"padding", MR_OPTK_CHOICE, FIELD(padding), .idefault = MR_PAD_PRE,
		.choices = end_names, .values = end_values, .inputs = TOKEN_INPUTS,
		.doc_default = "`\"pre\"`", .doc_range = "`\"pre\"`, `\"post\"`",
	.help = "where a short row is padded (Keras `pad_sequences`)"},
	{"truncating", MR_OPTK_CHOICE, FIELD(truncating), .idefault = MR_PAD_PRE,
		.choices = end_names, .values = end_values, .inputs = TOKEN_INPUTS,
		.doc_default = "`\"pre\"`", .doc_range = "`\"pre\"`, `\"post\"`",
	.help = "which end of a long row is cut"},
	{"mask", MR_OPTK_BOOL, FIELD(mask), .inputs = EVERY_INPUT, .omit_default = 1,
		.doc_default = "`false`", .doc_range = "boolean; not with `padding`",
	.help = "padding is not an input (Keras `mask_zero`): a row runs its real steps only, from the zero state, in batches of rows of similar length"},
	{"smiles_variants", MR_OPTK_INT, FIELD(smiles_variants), 1, MR_MAX_SMILES_VARIANTS, 1,
		.inputs = TEXT_ONLY,
		.doc_default = "1", .doc_range = "1 … 100; `\"char\"` or `\"smiles\"` tokenizer",
	.help = "SMILES enumeration: train on random rewrites of each molecule, predict on the mean over N"},
	{"embed_dim", MR_OPTK_INT, FIELD(embed_dim), 1, MR_MAX_EMBED, 128, .inputs = TOKEN_INPUTS,
		.doc_default = "128", .doc_range = "1 … 4096",
	.help = "embedding width"},
	{"hidden", MR_OPTK_CUSTOM, 0, .inputs = EVERY_INPUT,
		.parse = parse_hidden, .write = write_hidden,
		.doc_default = "`[128, 64]`", .doc_range = "1 … 8 layers of 1 … 4096",
	.help = "stacked LSTM sizes (an integer means one layer)"},
	{"bidirectional", MR_OPTK_BOOL, FIELD(bidirectional), .inputs = EVERY_INPUT,
		.doc_default = "`false`", .doc_range = "boolean",
	.help = "each layer also reads the real steps back to front"},
	{"pooling", MR_OPTK_CHOICE, FIELD(pooling), .idefault = MR_POOL_LAST,
		.choices = pooling_names, .values = pooling_values, .inputs = EVERY_INPUT,
		.doc_default = "`\"last\"`", .doc_range = "`\"last\"`, `\"max\"`, `\"mean\"`",
	.help = "what the softmax reads: the state after the last real step, or the max or mean over real steps"},
	{"optimizer", MR_OPTK_CHOICE, FIELD(optimizer), .idefault = 0,
		.choices = optimizer_names, .values = optimizer_values, .inputs = EVERY_INPUT,
		.doc_default = "`\"adam\"`", .doc_range = "`\"adam\"`",
	.help = "Adam with Keras' β₁ 0.9, β₂ 0.999, ε 1e-7, over every parameter"},
	{"learning_rate", MR_OPTK_NUMBER, FIELD(learning_rate), .lo = 0.0, .hi = 10.0, .lo_open = 1,
		.ddefault = 0.001, .inputs = EVERY_INPUT,
		.doc_default = "0.001", .doc_range = "(0, 10]",
	.help = "Adam's step size"},
	{"batch_size", MR_OPTK_INT, FIELD(batch_size), 1, MR_OPT_MAX_BATCH, 32, .inputs = EVERY_INPUT,
		.doc_default = "32", .doc_range = "1 … 4096",
	.help = "rows per optimizer step"},
	{"epochs", MR_OPTK_INT, FIELD(epochs), 1, MR_OPT_MAX_EPOCHS, 10, .inputs = EVERY_INPUT,
		.doc_default = "10", .doc_range = "1 … 10,000",
	.help = "passes over the training rows"},
	{"clip_norm", MR_OPTK_NUMBER, FIELD(clip_norm), .lo = 0.0, .hi = 1e6, .lo_open = 1,
		.zero_is_null = 1, .inputs = EVERY_INPUT,
		.doc_default = "none", .doc_range = "(0, 1e6]",
	.help = "clip the global gradient norm"},
	{"seed", MR_OPTK_INT, FIELD(seed), 0, INT64_MAX, 0, .inputs = EVERY_INPUT,
		.doc_default = "0", .doc_range = "0 … 2⁶³−1",
	.help = "initialisation, shuffling, dropout masks, validation split, SMILES rewrites"},
	{"validation_split", MR_OPTK_NUMBER, FIELD(validation_split), .lo = 0.0, .hi = 1.0, .hi_open = 1,
		.inputs = EVERY_INPUT,
		.doc_default = "0", .doc_range = "[0, 1)",
	.help = "seeded hold-out (stratified by class when classifying); per-epoch `val_loss` and `val_accuracy`; multi-label models choose their decision thresholds on it"},
	{"early_stopping", MR_OPTK_CUSTOM, 0, .inputs = EVERY_INPUT,
		.parse = parse_early_stopping, .write = write_early_stopping,
		.doc_default = "`false`", .doc_range = "`true` (patience 3), `false`, or 1 … 10,000 epochs",
	.help = "stop when the monitored loss has not improved for that many epochs; keep the best epoch"},
	{"class_weight", MR_OPTK_CUSTOM, 0, .inputs = EVERY_INPUT,
		.parse = parse_class_weight, .write = write_class_weight,
		.doc_default = "none", .doc_range = "`\"balanced\"` or `{\"label\": weight, …}`, weights in (0, 1e6]",
	.help = "loss weight per class; balanced is n / (K n_k), as scikit-learn; for multi-label models `\"balanced\"` weighs each label's positives and negatives alike"},
	{"dropout", MR_OPTK_NUMBER, FIELD(dropout), .lo = 0.0, .hi = 1.0, .hi_open = 1,
		.inputs = EVERY_INPUT,
		.doc_default = "0", .doc_range = "[0, 1)",
	.help = "variational dropout on each LSTM layer's inputs (one mask per row)"},
	{"recurrent_dropout", MR_OPTK_NUMBER, FIELD(recurrent_dropout), .lo = 0.0, .hi = 1.0, .hi_open = 1,
		.inputs = EVERY_INPUT,
		.doc_default = "0", .doc_range = "[0, 1)",
	.help = "the same on the recurrent state"},
	{"l2", MR_OPTK_NUMBER, FIELD(l2), .lo = 0.0, .hi = 1.0, .inputs = EVERY_INPUT,
		.doc_default = "0", .doc_range = "[0, 1]",
	.help = "loss += l2 · Σ w² over the kernels (not biases or embeddings)"},
	{"positive_label", MR_OPTK_CUSTOM, 0, .inputs = EVERY_INPUT,
		.parse = parse_positive_label, .write = write_positive_label,
		.doc_default = "the second label", .doc_range = "a label of the training rows; two classes",
	.help = "the positive class of a binary model (ROC-AUC, PR-AUC, `rnn_roc`)"},
	{"task", MR_OPTK_CHOICE, FIELD(task), .idefault = -1, .omit_default = 1,
		.choices = task_names, .values = task_values, .inputs = EVERY_INPUT,
		.doc_default = "from the label column's type", .doc_range = "`\"classification\"`, `\"multilabel\"`, `\"multitask\"`, `\"regression\"`",
	.help = "what the label is: one class; a set of labels (`text[]`); yes/no results with gaps (`jsonb`); a number (`float4`, `float8`, `numeric`)"},
	{"loss", MR_OPTK_CHOICE, FIELD(loss), .idefault = MR_LOSS_MSE, .omit_default = 1,
		.choices = loss_names, .values = loss_values, .inputs = EVERY_INPUT,
		.doc_default = "`\"mse\"`", .doc_range = "`\"mse\"`, `\"huber\"`; regression",
	.help = "regression loss on the standardised target: squared error, or Huber's (δ = 1 standard deviation)"},
	{"output_words", MR_OPTK_INT, FIELD(output_words), 2, MR_MAX_VOCAB, 10000, .omit_default = 1,
		.inputs = TOKEN_INPUTS,
		.doc_default = "10000", .doc_range = "2 … 1000000; `rnn_pretrain`",
	.help = "outputs of a language model's next-token softmax: the most frequent tokens, and one for every rarer token"},
	{"base_model", MR_OPTK_CUSTOM, 0, .omit_default = 1, .inputs = TOKEN_INPUTS,
		.parse = parse_base_model, .write = write_base_model,
		.doc_default = "none", .doc_range = "a deployed model's name (`rnn_deploy`)",
	.help = "fine-tune from this pretrained language model: its tokenizer, vocabulary, embedding and layers (or pass the model to `rnn_train` itself)"},
	{"lr_decay", MR_OPTK_NUMBER, FIELD(lr_decay), .lo = 1.0, .hi = 100.0, .ddefault = 1.0,
		.omit_default = 1, .inputs = TOKEN_INPUTS,
		.doc_default = "1", .doc_range = "[1, 100]; fine-tuning",
	.help = "discriminative learning rates: each layer below the head learns this many times slower than the one above (ULMFiT: 2.6)"},
	{"unfreeze", MR_OPTK_CHOICE, FIELD(unfreeze), .idefault = 0, .omit_default = 1,
		.choices = unfreeze_names, .values = unfreeze_values, .inputs = TOKEN_INPUTS,
		.doc_default = "`\"all\"`", .doc_range = "`\"all\"`, `\"gradual\"`; fine-tuning",
	.help = "gradual: epoch 1 trains only the new head, each later epoch one more layer below it (ULMFiT)"},
	{"step", MR_OPTK_CUSTOM, 0, .inputs = SERIES_ONLY,
		.parse = parse_step, .write = write_step,
		.doc_default = "required", .doc_range = "(0, 1e15], or an interval for timestamps",
	.help = "width of a time bin, in the sequences' time unit (`\"1 hour\"` for timestamps)"},
	{"origin", MR_OPTK_CHOICE, FIELD(origin), .idefault = -1,
		.choices = origin_names, .values = origin_values, .inputs = SERIES_ONLY,
		.doc_default = "`\"zero\"` for numbers, `\"first\"` for timestamps", .doc_range = "`\"zero\"`, `\"first\"`",
	.help = "where the grid starts: time 0, or the row's first event"},
	{"distributed", MR_OPTK_BOOL, FIELD(distributed), .inputs = EVERY_INPUT, .omit_default = 1,
		.doc_default = "`false`", .doc_range = "boolean; classification and regression, no validation split",
	.help = "data-parallel training: every epoch, each shard (Citus) or parallel worker trains on its own rows from the current weights and the weights are averaged by rows (README, Scaling out with Citus)"},
};

const int	mr_option_count = (int) (sizeof(mr_option_defs) / sizeof(mr_option_defs[0]));

#define INT_FIELD(o, def) ((int64_t *) ((char *) (o) + (def)->offset))
#define FLAG_FIELD(o, def) ((int *) ((char *) (o) + (def)->offset))
#define NUMBER_FIELD(o, def) ((double *) ((char *) (o) + (def)->offset))

/* ----------------------------------------------------------------------
 * parsing, checking, writing
 * ---------------------------------------------------------------------- */

/* Every option at its default; see mr_options.h */
void
mr_options_init(MrOptions *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < mr_option_count; i++)
	{
		const MrOptionDef *def = &mr_option_defs[i];

		switch (def->kind)
		{
			case MR_OPTK_INT:
				*INT_FIELD(o, def) = def->idefault;
				break;
			case MR_OPTK_BOOL:
			case MR_OPTK_CHOICE:
				*FLAG_FIELD(o, def) = (int) def->idefault;
				break;
			case MR_OPTK_NUMBER:
				*NUMBER_FIELD(o, def) = def->ddefault;
				break;
			case MR_OPTK_CUSTOM:
				break;
		}
	}
	o->n_layers = 2;
	o->hidden[0] = 128;
	o->hidden[1] = 64;
	/* lowercase's default depends on the tokenizer: mr_options_parse */
	o->lowercase = 1;
}

/* Set one option from its value (not null) */
static MrStatus
set_option(MrOptions *o, const MrOptionDef *def, const MrJson *v,
		   const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err)
{
	int			choice;

	switch (def->kind)
	{
		case MR_OPTK_INT:
			return get_int_range(def->name, v, def->imin, def->imax, INT_FIELD(o, def), err);
		case MR_OPTK_NUMBER:
			return get_number_range(def->name, v, def->lo, def->hi, def->lo_open, def->hi_open,
									NUMBER_FIELD(o, def), err);
		case MR_OPTK_BOOL:
			if (v->type != MR_JSON_BOOL)
				return wrong_type(def->name, "a boolean", v, err);
			*FLAG_FIELD(o, def) = v->boolean;
			return MR_OK;
		case MR_OPTK_CHOICE:
			if (get_choice(def->name, v, def->choices, &choice, err) != MR_OK)
				return MR_EINVAL;
			*FLAG_FIELD(o, def) = def->values[choice];
			return MR_OK;
		case MR_OPTK_CUSTOM:
			return def->parse(o, def, v, hooks, a, err);
	}
	return MR_EINVAL;
}

/* Parse; see mr_options.h */
MrStatus
mr_options_parse(MrOptions *o, const MrJson *obj, const MrOptionsHooks *hooks,
				 const MrAllocator *a, MrError *err)
{
	mr_options_init(o);
	if (obj && obj->type != MR_JSON_OBJECT)
	{
		mr_error_message(err, MR_EINVAL, "options must be a JSON object");
		mr_error_hint(err, "For example: '{\"epochs\": 5, \"seed\": 1}'.");
		return MR_EINVAL;
	}
	for (int m = 0; obj && m < obj->n; m++)
	{
		const MrJson *v = &obj->items[m];
		int			i;

		for (i = 0; i < mr_option_count; i++)
			if (strcmp(obj->keys[m], mr_option_defs[i].name) == 0)
				break;
		if (i == mr_option_count)
		{
			MrBuf		names;

			mr_error_message(err, MR_EINVAL, "unrecognized option \"%s\"", obj->keys[m]);
			mr_buf_init(&names, a);
			mr_options_names(&names);
			if (!names.failed)
				mr_error_hint(err, "Valid options are: %s.", names.data);
			mr_buf_free(&names);
			return MR_EINVAL;
		}
		/* a JSON null means the default */
		if (v->type == MR_JSON_NULL)
			continue;
		if (set_option(o, &mr_option_defs[i], v, hooks, a, err) != MR_OK)
			return err ? err->status : MR_EINVAL;
		o->given |= (uint64_t) 1 << i;
	}

	/* Keras lowercases words; SMILES are case-sensitive (c is aromatic C) */
	if (!mr_options_given(o, "lowercase"))
		o->lowercase = o->tokenizer == MR_TOKENIZER_WORD;
	if (o->tokenizer == MR_TOKENIZER_SMILES && o->lowercase)
	{
		mr_error_message(err, MR_EINVAL, "option \"lowercase\" cannot be true with the \"smiles\" tokenizer");
		mr_error_detail(err, "SMILES is case-sensitive: \"c\" is an aromatic carbon, \"C\" an aliphatic one.");
		return MR_EINVAL;
	}
	if (o->mask && mr_options_given(o, "padding"))
	{
		mr_error_message(err, MR_EINVAL, "option \"padding\" has no effect with \"mask\": true");
		mr_error_detail(err, "A masked model's rows hold their real steps only; there is no padding to place.");
		mr_error_hint(err, "Leave out \"padding\"; \"truncating\" still says which end of a long row is cut.");
		return MR_EINVAL;
	}
	/* the effective placement, as the model records it: real steps first */
	if (o->mask)
		o->padding = MR_PAD_POST;
	/* without a tokenizer, fine-tuning may yet take one from its base (mr_fit) */
	if (mr_options_given(o, "tokenizer") && mr_options_check_variants(o, err) != MR_OK)
		return MR_EINVAL;
	if (o->patience > 0 && o->patience >= o->epochs && hooks && hooks->notice)
	{
		MrError		msg;

		mr_error_message(&msg, MR_OK,
						 "early stopping patience %lld is not below epochs %lld, so it cannot stop training early",
						 (long long) o->patience, (long long) o->epochs);
		hooks->notice(MR_NOTICE, &msg, hooks->state);
	}
	return MR_OK;
}

/* Was an option given; see mr_options.h */
int
mr_options_given(const MrOptions *o, const char *name)
{
	for (int i = 0; i < mr_option_count; i++)
		if (strcmp(mr_option_defs[i].name, name) == 0)
			return (o->given >> i) & 1;
	return 0;
}

/* Refuse given options that do not apply to the input; see mr_options.h */
MrStatus
mr_options_check_input(const MrOptions *o, unsigned kind, const char *column, const char *holds,
					   MrError *err)
{
	for (int i = 0; i < mr_option_count; i++)
	{
		const MrOptionDef *def = &mr_option_defs[i];

		if (((o->given >> i) & 1) && !(def->inputs & kind))
		{
			mr_error_message(err, MR_EINVAL, "option \"%s\" applies to %s only", def->name, def->applies_to);
			mr_error_detail(err, "Column \"%s\" holds %s.", column, holds);
			return MR_EINVAL;
		}
	}
	return MR_OK;
}

/* SMILES variants need a character tokenizer; see mr_options.h */
MrStatus
mr_options_check_variants(const MrOptions *o, MrError *err)
{
	if (o->smiles_variants > 1 && o->tokenizer == MR_TOKENIZER_WORD)
	{
		mr_error_message(err, MR_EINVAL, "option \"smiles_variants\" needs the \"char\" or \"smiles\" tokenizer");
		mr_error_detail(err, "SMILES variants rewrite chemical structures; words are not rewritten.");
		return MR_EINVAL;
	}
	return MR_OK;
}

/* The options as JSON; see mr_options.h */
void
mr_options_to_json(const MrOptions *o, MrFormatDouble fmt, MrBuf *out)
{
	int			first = 1;

	mr_buf_putc(out, '{');
	for (int i = 0; i < mr_option_count; i++)
	{
		const MrOptionDef *def = &mr_option_defs[i];

		if (def->omit_default &&
			(def->kind == MR_OPTK_NUMBER ? *NUMBER_FIELD(o, def) == def->ddefault :
			 def->kind == MR_OPTK_CUSTOM ? !(o->given & (UINT64_C(1) << i)) :
			 (def->kind == MR_OPTK_INT ? *INT_FIELD(o, def) : (int64_t) *FLAG_FIELD(o, def)) == def->idefault))
			continue;
		mr_buf_printf(out, "%s\"%s\": ", first ? "" : ", ", def->name);
		first = 0;
		switch (def->kind)
		{
			case MR_OPTK_INT:
				mr_buf_printf(out, "%lld", (long long) *INT_FIELD(o, def));
				break;
			case MR_OPTK_NUMBER:
				if (def->zero_is_null && *NUMBER_FIELD(o, def) == 0.0)
					mr_buf_puts(out, "null");
				else
					mr_buf_json_number(out, *NUMBER_FIELD(o, def), fmt);
				break;
			case MR_OPTK_BOOL:
				mr_buf_puts(out, *FLAG_FIELD(o, def) ? "true" : "false");
				break;
			case MR_OPTK_CHOICE:
				{
					int			v = *FLAG_FIELD(o, def),
								k;

					for (k = 0; def->choices[k]; k++)
						if (def->values[k] == v)
							break;
					if (def->choices[k])
						mr_buf_printf(out, "\"%s\"", def->choices[k]);
					else
						mr_buf_puts(out, "null");	/* a default decided later */
					break;
				}
			case MR_OPTK_CUSTOM:
				def->write(o, out, fmt);
				break;
		}
	}
	mr_buf_putc(out, '}');
}

/* The names, comma-separated; see mr_options.h */
void
mr_options_names(MrBuf *out)
{
	for (int i = 0; i < mr_option_count; i++)
		mr_buf_printf(out, "%s%s", i ? ", " : "", mr_option_defs[i].name);
}

/* The README's options table; see mr_options.h */
void
mr_options_markdown(MrBuf *out)
{
	mr_buf_puts(out, "| option | default | range | for | meaning |\n|---|---|---|---|---|\n");
	for (int i = 0; i < mr_option_count; i++)
	{
		const MrOptionDef *d = &mr_option_defs[i];

		mr_buf_printf(out, "| `%s` | %s | %s | %s | %s |\n",
					  d->name, d->doc_default, d->doc_range, d->applies_to, d->help);
	}
}
