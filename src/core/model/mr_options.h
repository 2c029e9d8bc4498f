/*
 * mr_options.h
 *	  rnn_train's options, declared once.
 *
 * Every option is one row of a table (mr_option_defs, in mr_options.c):
 * its name, JSON type, range, default, the MrOptions field it sets, the
 * input kinds that accept it and a line of help.  Parsing, validation and
 * its error messages, the defaults, the options JSON a model records, the
 * hint that lists the valid names and the README's options table
 * (tools/gen_options_doc.c) all read that table, as PostgreSQL's settings
 * are read from guc_tables.c.  Adding an option is one row, a field, and
 * the code that uses it.
 *
 * The defaults reproduce the reference Keras recipe: Tokenizer(num_words=
 * 20000), pad_sequences(maxlen=100), Embedding(128), LSTM(128) ->
 * LSTM(64), Adam(1e-3), batch 32, 10 epochs.  A JSON null means the
 * default.  Strings are UTF-8.
 */
#ifndef MR_OPTIONS_H
#define MR_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "mr_buf.h"
#include "mr_common.h"
#include "mr_json.h"

/* Input kinds, as far as options go: which ones an option applies to */
#define MR_OPT_TEXT		0x1			/* a string column, tokenized */
#define MR_OPT_TOKENS	0x2			/* text[], or an rnnseq of tokens */
#define MR_OPT_SERIES	0x4			/* an rnnseq of measurements */
#define MR_OPT_ANY		(MR_OPT_TEXT | MR_OPT_TOKENS | MR_OPT_SERIES)

#define MR_OPT_MAX_BATCH	4096
#define MR_OPT_MAX_EPOCHS	10000
#define MR_OPT_MAX_STEP		1e15

typedef enum MrClassWeight
{
	MR_CW_NONE = 0,
	MR_CW_BALANCED,				/* n / (K * n_k), as scikit-learn */
	MR_CW_EXPLICIT				/* label -> weight, others 1 */
} MrClassWeight;

typedef struct MrOptions
{
	/* input */
	int			tokenizer;		/* MrTokenizerKind */
	int			lowercase;
	int64_t		num_words;
	int64_t		maxlen;
	int			padding;		/* MrPadding */
	int			truncating;
	int			mask;			/* padding is not an input */
	int64_t		smiles_variants;	/* strings per SMILES text, itself included; 1 = none */
	/* network */
	int64_t		embed_dim;
	int			n_layers;
	int			hidden[MR_MAX_LAYERS];
	int			bidirectional;
	int			pooling;		/* MrPooling */
	/* optimisation */
	int			optimizer;		/* 0: Adam, the only one */
	double		learning_rate;
	int64_t		batch_size;
	int64_t		epochs;
	double		clip_norm;		/* 0 = none */
	int64_t		seed;
	/* small, imbalanced, noisy data */
	double		validation_split;
	int64_t		patience;		/* early stopping; 0 = off */
	int			class_weight;	/* MrClassWeight */
	int			n_class_weights;	/* MR_CW_EXPLICIT: labels and weights */
	const char **weight_labels;
	size_t	   *weight_label_lens;
	double	   *weight_values;
	double		dropout;
	double		recurrent_dropout;
	double		l2;
	const char *positive_label; /* NULL for the default rule */
	size_t		positive_label_len;
	/* what the label means */
	int			task;			/* MrTask, or -1: the label column's type decides */
	int			loss;			/* regression: MrRegressionLoss */
	/* pretraining and fine-tuning */
	int64_t		output_words;	/* a language model's outputs */
	const char *base_model;		/* registry name of the base model, or NULL */
	size_t		base_model_len;
	double		lr_decay;		/* discriminative learning rates; 1 = one rate */
	int			unfreeze;		/* 0 all, 1 gradual */
	/* measurement sequences */
	double		step;			/* bin width in the sequences' time unit; 0 = not given */
	int			step_is_interval;	/* given as an interval: seconds */
	int			origin;			/* MrSeriesOrigin, or -1 for the default */
	/* scaling out */
	int			distributed;	/* data-parallel epochs (src/pg/train_parallel.c) */
	/* which options the caller gave (not null): bit i for mr_option_defs[i] */
	uint64_t	given;
} MrOptions;

/* What an option's value is */
typedef enum MrOptionKind
{
	MR_OPTK_INT,				/* an int64_t field, within [imin, imax] */
	MR_OPTK_NUMBER,				/* a double field, within (or [) lo, hi (or ]) */
	MR_OPTK_BOOL,				/* an int field, 0 or 1 */
	MR_OPTK_CHOICE,				/* an int field: values[i] for the string choices[i] */
	MR_OPTK_CUSTOM				/* parsed and written by the row's functions */
} MrOptionKind;

typedef struct MrOptionsHooks MrOptionsHooks;
typedef struct MrOptionDef MrOptionDef;

/* Row of the table */
struct MrOptionDef
{
	const char *name;
	MrOptionKind kind;
	size_t		offset;			/* of its field in MrOptions */
	int64_t		imin,
				imax,
				idefault;		/* MR_OPTK_INT, BOOL, CHOICE */
	double		lo,
				hi,
				ddefault;		/* MR_OPTK_NUMBER */
	int			lo_open,
				hi_open;
	const char *const *choices; /* MR_OPTK_CHOICE, NULL-terminated */
	const int  *values;
	int			zero_is_null;	/* NUMBER: 0 is written as null ("not set") */
	/*
	 * Left out of the recorded JSON at its default (CUSTOM: when not
	 * given), so the models of releases before the option existed stay
	 * byte-identical
	 */
	int			omit_default;
	unsigned	inputs;			/* MR_OPT_* kinds it applies to */
	const char *applies_to;		/* those kinds, for messages: "text columns" */
	/* MR_OPTK_CUSTOM */
	MrStatus	(*parse) (MrOptions *o, const MrOptionDef *def, const MrJson *v,
						  const MrOptionsHooks *hooks, const MrAllocator *a, MrError *err);
	void		(*write) (const MrOptions *o, MrBuf *out, MrFormatDouble fmt);
	/* documentation: the README's table */
	const char *doc_default;
	const char *doc_range;
	const char *help;
};

extern const MrOptionDef mr_option_defs[];
extern const int mr_option_count;

struct MrOptionsHooks
{
	/*
	 * Read an interval ("1 hour") as seconds; 0 if it cannot (the server
	 * raises its own error instead).  NULL: intervals are refused.
	 */
	int			(*parse_interval) (const char *text, double *seconds, void *state);
	MrNoticeFn	notice;			/* NULL: none */
	void	   *state;
};

/* Every option at its default */
void		mr_options_init(MrOptions *o);

/*
 * Set o from obj, a JSON object (NULL: no options): defaults first, then
 * each member, checked against its row; then the defaults that depend on
 * other options and the checks between options.  Strings are copied with
 * a.  MR_EINVAL with a message naming the option for anything not exactly
 * right.
 */
MrStatus	mr_options_parse(MrOptions *o, const MrJson *obj, const MrOptionsHooks *hooks,
							 const MrAllocator *a, MrError *err);

/*
 * Refuse an option the caller gave that does not apply to the input's kind
 * (MR_OPT_TEXT, ...); column (UTF-8) and what it holds ("text[] tokens")
 * go into the message
 */
MrStatus	mr_options_check_input(const MrOptions *o, unsigned kind, const char *column,
								   const char *holds, MrError *err);

/* Was option name given (not null)? */
int			mr_options_given(const MrOptions *o, const char *name);

/*
 * SMILES variants need the "char" or "smiles" tokenizer: MR_EINVAL with the
 * message otherwise.  mr_options_parse checks it when the tokenizer is
 * given; mr_fit once the tokenizer is known (a fine-tuned model takes its
 * base model's).
 */
MrStatus	mr_options_check_variants(const MrOptions *o, MrError *err);

/*
 * The effective options as the JSON object a model records, every option
 * in table order; numbers through fmt (NULL: mr_format_double)
 */
void		mr_options_to_json(const MrOptions *o, MrFormatDouble fmt, MrBuf *out);

/* "tokenizer, lowercase, ...": the names, for a hint */
void		mr_options_names(MrBuf *out);

/*
 * The README's options table (Markdown, a header and one line per option,
 * in table order), from the documentation columns of mr_option_defs:
 * tools/options_table.c prints it, test_options.c checks the README has it
 */
void		mr_options_markdown(MrBuf *out);

#endif							/* MR_OPTIONS_H */
