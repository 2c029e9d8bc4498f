/*
 * options.h
 *	  rnn_train's options: parsed from jsonb, validated, and written back
 *	  as the canonical JSON a model records.
 */
#ifndef MEDRNN_OPTIONS_H
#define MEDRNN_OPTIONS_H

#include "utils/jsonb.h"

#include "mr_common.h"

typedef enum MedrnnClassWeight
{
	MEDRNN_CW_NONE = 0,
	MEDRNN_CW_BALANCED,			/* n / (K * n_k), as scikit-learn */
	MEDRNN_CW_EXPLICIT			/* label -> weight, others 1 */
} MedrnnClassWeight;

typedef struct MedrnnOptions
{
	/* input */
	int			tokenizer;		/* MrTokenizerKind */
	bool		lowercase;
	int			num_words;
	int			maxlen;
	int			padding;		/* MrPadding */
	int			truncating;
	int			smiles_variants;	/* rewrites per SMILES text, itself included; 1 = none */
	/* network */
	int			embed_dim;
	int			n_layers;
	int			hidden[MR_MAX_LAYERS];
	bool		bidirectional;
	int			pooling;		/* MrPooling */
	/* optimisation */
	double		learning_rate;
	int			batch_size;
	int			epochs;
	double		clip_norm;		/* 0 = none */
	int64		seed;
	/* small, imbalanced, noisy data */
	double		validation_split;
	int			patience;		/* early stopping; 0 = off */
	MedrnnClassWeight class_weight;
	int			n_explicit_weights;
	char	  **weight_labels;	/* UTF-8 */
	double	   *weight_values;
	double		dropout;
	double		recurrent_dropout;
	double		l2;
	char	   *positive_label; /* UTF-8, or NULL for the default rule */
	/* measurement sequences */
	double		step;			/* bin width in the sequences' time unit; 0 = not given */
	bool		step_is_interval;	/* given as an interval (seconds) */
	int			origin;			/* MrSeriesOrigin, or -1 for the default */
} MedrnnOptions;

/* Parse and validate options (NULL means all defaults) */
void		MedrnnParseOptions(Jsonb *options, MedrnnOptions *o);

/* The effective options as UTF-8 JSON text, for the model's OPTS section */
char	   *MedrnnOptionsToJson(const MedrnnOptions *o);

#endif							/* MEDRNN_OPTIONS_H */
