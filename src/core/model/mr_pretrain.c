/*
 * mr_pretrain.c
 *	  Options of pretraining and fine-tuning (see mr_pretrain.h).
 */
#include "mr_pretrain.h"

#include <stdio.h>
#include <string.h>

#include "mr_targets.h"
#include "mr_tokenize.h"

/* Options that mean nothing to a language model */
static const char *const not_for_pretraining[] = {
	"class_weight", "positive_label", "task", "loss", "pooling", "base_model", "lr_decay",
	"unfreeze", NULL
};

/* Options only fine-tuning reads */
static const char *const finetune_only[] = {"lr_decay", "unfreeze", NULL};

/* Options only a language model reads */
static const char *const pretraining_only[] = {"output_words", NULL};

/* The first of names (NULL-terminated) that the caller gave, or NULL */
static const char *
first_given(const MrOptions *o, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (mr_options_given(o, names[i]))
			return names[i];
	return NULL;
}

/* Training that is not pretraining: refuse the options only a language model reads */
static MrStatus
refuse_pretraining_only(const MrOptions *o, MrError *err)
{
	const char *name = first_given(o, pretraining_only);

	if (!name)
		return MR_OK;
	mr_error_message(err, MR_EINVAL, "option \"%s\" applies to rnn_pretrain only", name);
	return MR_EINVAL;
}

/* See mr_pretrain.h */
MrStatus
mr_pretrain_options(MrOptions *o, MrError *err)
{
	const char *name = first_given(o, not_for_pretraining);

	if (name)
	{
		mr_error_message(err, MR_EINVAL, "option \"%s\" does not apply to rnn_pretrain", name);
		mr_error_detail(err, "A language model predicts each next token; it has no labels and no pooled output.");
		mr_error_hint(err, "Give it when fine-tuning with rnn_train.");
		return MR_EINVAL;
	}
	if (o->bidirectional || (mr_options_given(o, "mask") && !o->mask))
	{
		mr_error_message(err, MR_EINVAL, "a language model is %s",
						 o->bidirectional ? "not bidirectional" : "always masked");
		mr_error_detail(err, "It reads left to right, each row from its first token, and a reverse direction would see the token it predicts.");
		mr_error_hint(err, "Leave out \"%s\".", o->bidirectional ? "bidirectional" : "mask");
		return MR_EINVAL;
	}
	if (mr_options_given(o, "padding") && o->padding != MR_PAD_POST)
	{
		mr_error_message(err, MR_EINVAL, "a language model's rows are padded \"post\"");
		mr_error_hint(err, "Leave out \"padding\".");
		return MR_EINVAL;
	}
	o->mask = 1;
	o->padding = MR_PAD_POST;
	return MR_OK;
}

/* An option the caller gave that differs from the base model's */
static MrStatus
contradicts(const char *name, const char *given, const char *base, MrError *err)
{
	mr_error_message(err, MR_EINVAL, "option \"%s\" contradicts the base model", name);
	mr_error_detail(err, "It is %s here and %s in the base model.", given, base);
	mr_error_hint(err, "Leave out \"%s\": a fine-tuned model keeps its base model's tokenizer, vocabulary, embedding and layers.",
				  name);
	return MR_EINVAL;
}

/* Hidden sizes as text, "128, 64" */
static void
hidden_text(int n, const int *h, char *buf, size_t size)
{
	size_t		len = 0;

	buf[0] = '\0';
	for (int l = 0; l < n && len < size; l++)
		len += (size_t) snprintf(buf + len, size - len, "%s%d", l ? ", " : "", h[l]);
}

/* See mr_pretrain.h */
MrStatus
mr_finetune_options(const MrModel *base, MrSourceKind source, MrOptions *o, MrError *err)
{
	const MrNetConfig *bc = &base->cfg;
	char		a[96],
				b[96];
	int			text = source == MR_SOURCE_TEXT;

	if (base->task != MR_TASK_LANGUAGE_MODEL)
	{
		mr_error_message(err, MR_EINVAL, "the base model is not a language model");
		mr_error_detail(err, "It is a %s model.", mr_task_name(base->task));
		mr_error_hint(err, "Fine-tune from a model made by rnn_pretrain.");
		return MR_EINVAL;
	}
	if (text != (base->input_kind == MR_INPUT_TEXT))
	{
		mr_error_message(err, MR_EINVAL, "the base model reads %s, the input column %s",
						 base->input_kind == MR_INPUT_TEXT ? "text" : "tokens",
						 text ? "text" : "tokens");
		mr_error_hint(err, "Pretrain on a column of the same kind as the one to fine-tune on.");
		return MR_EINVAL;
	}
	if (text && mr_options_given(o, "tokenizer") && o->tokenizer != base->tokenizer)
		return contradicts("tokenizer", mr_tokenizer_name(o->tokenizer),
						   mr_tokenizer_name(base->tokenizer), err);
	if (text && mr_options_given(o, "lowercase") && o->lowercase != base->lowercase)
		return contradicts("lowercase", o->lowercase ? "true" : "false",
						   base->lowercase ? "true" : "false", err);
	if (mr_options_given(o, "num_words") && o->num_words != bc->vocab_size)
	{
		snprintf(a, sizeof(a), "%lld", (long long) o->num_words);
		snprintf(b, sizeof(b), "%d", (int) bc->vocab_size);
		return contradicts("num_words", a, b, err);
	}
	if (mr_options_given(o, "embed_dim") && o->embed_dim != bc->embed_dim)
	{
		snprintf(a, sizeof(a), "%lld", (long long) o->embed_dim);
		snprintf(b, sizeof(b), "%d", (int) bc->embed_dim);
		return contradicts("embed_dim", a, b, err);
	}
	if (mr_options_given(o, "hidden") &&
		(o->n_layers != bc->n_layers || memcmp(o->hidden, bc->hidden, sizeof(int) * bc->n_layers) != 0))
	{
		hidden_text(o->n_layers, o->hidden, a, sizeof(a));
		hidden_text(bc->n_layers, bc->hidden, b, sizeof(b));
		return contradicts("hidden", a, b, err);
	}
	if (o->bidirectional)
		return contradicts("bidirectional", "true", "false", err);
	if (refuse_pretraining_only(o, err) != MR_OK)
		return MR_EINVAL;
	if (text)
	{
		o->tokenizer = base->tokenizer;
		o->lowercase = base->lowercase;
	}
	/* rows read as the base read them, each from the zero state, unless told otherwise */
	if (!mr_options_given(o, "mask") && !mr_options_given(o, "padding"))
	{
		o->mask = 1;
		o->padding = MR_PAD_POST;
	}
	o->num_words = bc->vocab_size;
	o->embed_dim = bc->embed_dim;
	o->n_layers = bc->n_layers;
	memcpy(o->hidden, bc->hidden, sizeof(o->hidden));
	return MR_OK;
}

/* See mr_pretrain.h */
MrStatus
mr_scratch_options(const MrOptions *o, MrError *err)
{
	const char *name = first_given(o, finetune_only);

	if (name)
	{
		mr_error_message(err, MR_EINVAL, "option \"%s\" applies to fine-tuning only", name);
		mr_error_hint(err, "Start from a pretrained model: pass it to rnn_train, or name it in \"base_model\".");
		return MR_EINVAL;
	}
	return refuse_pretraining_only(o, err);
}
