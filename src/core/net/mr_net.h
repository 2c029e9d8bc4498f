/*
 * mr_net.h
 *	  The classifier: embedding -> stacked (bi)LSTM -> pooling -> dense
 *	  softmax.  Flat parameters, forward and backward over a batch.
 *
 * Input per step is [Emb[token] (E), features (F)], either part optional:
 * words and characters use the embedding, measured vital signs use
 * features (see mr_seq.h), timed codes use both.  Rows are padded to T
 * steps, before ("pre", the Keras default) or after ("post") the real
 * steps; padding tokens are id 0 and go through the LSTM like any token
 * (Keras without mask_zero), while pooling and the reverse direction of a
 * bidirectional layer only look at real steps.
 *
 * A masked network (Keras Embedding(mask_zero=True)) has no padding input
 * at all: rows hold their real steps first ("post"), each starts from the
 * zero state at its first real step, and a batch runs only as many steps
 * as its longest row (MrBatch.T), so the work follows the real tokens.
 * A row with no real step pools to zero: its logits are the bias.  The
 * steps after a row's end in a batch are computed but read by nothing,
 * so they get exactly zero gradient.
 *
 * All parameters live in one float array (llm.c): the optimizer, gradient
 * clipping, the model file and the tests treat it as one vector.  Order:
 *	  emb (V, E)
 *	  for each layer l, for each direction d: Wx (I_l, 4H_l), Wh (H_l, 4H_l), b (4H_l)
 *	  Wd (D, K), bd (K)
 * where I_0 = E + F, I_l = H_{l-1} * dirs, D = H_last * dirs.
 *
 * The head turns the K outputs into what the task predicts (MrHead):
 * class probabilities (softmax), independent label probabilities
 * (sigmoid: multi-label and multi-task), or one number (linear:
 * regression, in the standardised units the model was trained in).  Its
 * losses are in mr_loss.h.
 *
 * A language model (MR_HEAD_NEXT_TOKEN, pretraining) has no pooling: the
 * same dense layer reads the last layer's output at every step, and its
 * K outputs are the next token's ids 1..K-1, with output 0 standing for
 * any rarer token (ids >= K).  It reads left to right only (one
 * direction: a reverse direction would see the token it predicts) and is
 * masked, so every row starts from the zero state.  Its logits, outputs
 * and their gradient hold (T, B, K) instead of (B, K), and share one
 * buffer: after the forward pass it holds the outputs, after the loss
 * their gradient.  Inference on one
 * row (mr_infer.h) gives the distribution of the token after it: pooling
 * is "last", and the head a softmax.
 */
#ifndef MR_NET_H
#define MR_NET_H

#include <stdint.h>

#include "mr_carve.h"
#include "mr_common.h"
#include "mr_lstm.h"
#include "mr_rng.h"
#include "mr_window.h"

typedef enum MrPooling
{
	MR_POOL_LAST = 0,			/* state after the last real step (Keras) */
	MR_POOL_MAX = 1,			/* feature-wise max over real steps */
	MR_POOL_MEAN = 2			/* mean over real steps */
} MrPooling;

/* What the K outputs mean */
typedef enum MrHead
{
	MR_HEAD_SOFTMAX = 0,		/* one class of K >= 2 */
	MR_HEAD_SIGMOID = 1,		/* K >= 1 independent yes/no labels */
	MR_HEAD_LINEAR = 2,			/* one number (K = 1) */
	MR_HEAD_NEXT_TOKEN = 3		/* a language model: at every step, a softmax
								 * over K output tokens predicting the next one */
} MrHead;

/*
 * Weights must lie within +-MR_NET_MAX_WEIGHT: trained weights are tiny
 * next to it, training calls a run that leaves it diverged, and the model
 * decoder refuses anything outside it, which keeps every activation of a
 * hostile model finite in float arithmetic.
 */
#define MR_NET_MAX_WEIGHT		1e6f

typedef struct MrNetConfig
{
	int32_t		vocab_size;		/* V: embedding rows, row 0 = padding; 0 = no tokens */
	int32_t		embed_dim;		/* E (0 when V = 0) */
	int32_t		n_features;		/* F: dense inputs per step, 0 = none */
	int32_t		maxlen;			/* T */
	int32_t		padding;		/* MrPadding */
	int32_t		n_layers;		/* L, 1..MR_MAX_LAYERS */
	int32_t		hidden[MR_MAX_LAYERS];	/* H_l */
	int32_t		bidirectional;	/* 0 or 1 */
	int32_t		pooling;		/* MrPooling */
	int32_t		n_classes;		/* K: outputs (classes, labels, or 1 value) */
	int32_t		mask;			/* 0, or 1: padding is not an input (padding must be post) */
	int32_t		head;			/* MrHead (0, softmax, when zeroed) */
} MrNetConfig;

typedef struct MrLayerParams
{
	float	   *Wx;				/* (I, 4H) gates i, f, g, o */
	float	   *Wh;				/* (H, 4H) */
	float	   *b;				/* (4H) */
} MrLayerParams;

/* A view of a flat parameter (or gradient) array with named tensors */
typedef struct MrNet
{
	MrNetConfig cfg;
	size_t		n_params;
	float	   *params;			/* flat, n_params */
	float	   *emb;			/* (V, E) or NULL */
	MrLayerParams layer[MR_MAX_LAYERS][2];	/* [l][direction] */
	float	   *Wd;				/* (D, K) */
	float	   *bd;				/* (K) */
} MrNet;

/* One batch, time-major */
typedef struct MrBatch
{
	int			B;				/* rows */
	const int32_t *ids;			/* (T, B) token ids in [0, V), or NULL */
	const float *feats;			/* (T, B, F), or NULL */
	const int32_t *lengths;		/* (B) real steps per row, 0..T */
	int			T;				/* masked networks: steps to run, 1..maxlen, at
								 * least every row's length (0 = maxlen);
								 * ignored without a mask */
} MrBatch;

/* The steps a batch runs: its own T in a masked network, else maxlen */
static inline int
mr_batch_steps(const struct MrNetConfig *cfg, const MrBatch *batch)
{
	return cfg->mask && batch->T > 0 && batch->T < cfg->maxlen ? batch->T : cfg->maxlen;
}

/* Forward state and workspace for up to Bmax rows (one allocation) */
typedef struct MrActs
{
	int			Bmax;
	int			with_dropout;	/* mask buffers were reserved */
	int			B;				/* rows of the last forward */
	int			training;		/* dropout on during the last forward */
	float	   *X0;				/* (T, B, I_0) network input */
	MrLstmTrace trace[MR_MAX_LAYERS][2];
	float	   *xrev[MR_MAX_LAYERS];	/* (T, B, I_l) reverse-direction input */
	float	   *Y[MR_MAX_LAYERS];	/* (T, B, dirs*H_l) layer outputs, position order */
	float	   *in_mask[MR_MAX_LAYERS];	/* (B, I_l) or NULL */
	float	   *rec_mask[MR_MAX_LAYERS][2];	/* (B, H_l) or NULL */
	float	   *pooled;			/* (B, D) */
	int32_t    *pool_arg;		/* (B, D) step taken by max pooling */
	float	   *logits;			/* (B, K); next-token head (T, B, K) */
	float	   *probs;			/* (B, K) the head's outputs (mr_net_head); next-token (T, B, K) */
	MrLstmMasks masks[MR_MAX_LAYERS][2];	/* dropout masks of the last forward */
	/* backward workspace */
	float	   *dbuf[2];		/* (T, B, max width) each: dY and dX in turn */
	float	   *dX0;			/* after backward: dLoss/dX0 (T, B, I_0), in dbuf */
	float	   *dXrev;			/* (T, B, max input width) */
	float	   *dH;				/* (T, B, max H) */
	float	   *work;			/* LSTM forward/backward work */
	float	   *dpooled;		/* (B, D) */
	float	   *dlogits;		/* (B, K); next-token head (T, B, K) */
} MrActs;

/* Dropout rates for training; all zero = none */
typedef struct MrDropout
{
	float		input;			/* on each LSTM layer's inputs */
	float		recurrent;		/* on h_{t-1} */
} MrDropout;

/*
 * Every size the layout derives from a configuration, computed in one
 * place (mr_net_dims): the parameters, a batch's activations, the one-row
 * inference state and training's memory all read them here.
 */
typedef struct MrNetDims
{
	int			T;				/* steps */
	int			V;				/* embedding rows */
	int			E;				/* embedding width */
	int			F;				/* features per step */
	int			I0;				/* E + F */
	int			L;				/* layers */
	int			dirs;			/* 1, or 2 when bidirectional */
	int			I[MR_MAX_LAYERS];	/* layer l's input width */
	int			H[MR_MAX_LAYERS];	/* layer l's hidden units */
	int			D;				/* pooled width: dirs * H of the last layer */
	int			K;				/* classes */
	int			max_in;			/* the widest layer input */
	int			max_width;		/* the widest of inputs and outputs (dirs * H) */
	int			max_h;			/* the most hidden units */
} MrNetDims;

/* The sizes of a valid config */
void		mr_net_dims(const MrNetConfig *cfg, MrNetDims *d);

/* Validate a config against the MR_MAX_* limits; detail in err */
MrStatus	mr_net_check_config(const MrNetConfig *cfg, MrError *err);

/* Parameter count of a valid config, overflow-checked */
MrStatus	mr_net_param_count(const MrNetConfig *cfg, size_t *n);

/* Input width of layer l and pooled width D */
int			mr_net_layer_input(const MrNetConfig *cfg, int l);
int			mr_net_pooled_width(const MrNetConfig *cfg);
static inline int
mr_net_dirs(const MrNetConfig *cfg)
{
	return cfg->bidirectional ? 2 : 1;
}

/* Point net's tensors into a flat array of mr_net_param_count() floats */
void		mr_net_bind(MrNet *net, const MrNetConfig *cfg, float *params, size_t n);

/*
 * Point every tensor but the embedding (left NULL) into dense, a buffer of
 * mr_net_param_count() - V*E floats: a training worker's gradients.
 */
void		mr_net_bind_dense(MrNet *net, const MrNetConfig *cfg, float *dense);

/*
 * Keras initialisation: embeddings U(-0.05, 0.05); kernels Glorot uniform;
 * recurrent kernels orthogonal; biases 0 except forget gates 1 (Jozefowicz
 * et al. 2015, Keras unit_forget_bias); dense Glorot uniform, bias 0.
 */
MrStatus	mr_net_init(MrNet *net, MrRng *rng, const MrAllocator *a);

/*
 * Activations for Bmax rows: acts's buffers taken from c (see mr_carve.h,
 * 64-byte pieces), so the same walk sizes them and lays them out; acts
 * may be scratch when counting.  with_dropout reserves the dropout masks
 * and masked inputs.
 */
void		mr_acts_carve(MrActs *acts, const MrNetConfig *cfg, int Bmax, int with_dropout,
						  MrCarve *c);

/*
 * Bytes of activations for Bmax rows, their MrActs included (overflow-
 * checked), and one allocation of them, the MrActs first (free that)
 */
MrStatus	mr_acts_size(const MrNetConfig *cfg, int Bmax, int with_dropout, size_t *bytes);
MrStatus	mr_acts_new(const MrNetConfig *cfg, int Bmax, int with_dropout,
						const MrAllocator *a, MrActs **out);

/* Fill acts->X0 from a batch (embedding gather and features) */
void		mr_net_embed(const MrNet *net, const MrBatch *batch, MrActs *acts);

/*
 * Forward from acts->X0 (filled by mr_net_embed or by the caller) to
 * acts->logits and acts->probs.  With dropout and rng, draws fresh masks
 * (training); otherwise runs in inference mode.
 */
void		mr_net_forward(const MrNet *net, const MrBatch *batch, MrActs *acts,
						   const MrDropout *dropout, MrRng *rng);

/*
 * Weighted softmax cross-entropy of the last forward:
 *	  loss = sum_b w_b * -log p_b[y_b] / B_total
 * (weights NULL = all 1; Keras class_weight semantics).  B_total is the
 * whole batch's size, which is more than acts->B when workers share a
 * batch.  Writes acts->dlogits = dloss/dlogits and returns the loss;
 * correct counts argmax hits.
 */
double		mr_net_loss(MrActs *acts, int K, const int32_t *labels,
						const float *weights, int *correct, int B_total);

/*
 * Backward from acts->dlogits.  Accumulates (+=) into grads, a net bound
 * to a gradient array of the same config, except the embedding: its
 * gradient goes to acts->dX0 (T, B, I_0) and mr_net_embed_backward.  If
 * want_dX0 the input gradient is computed even without embeddings.  With
 * grads NULL only the input gradient is computed (explanations).
 */
void		mr_net_backward(const MrNet *net, const MrBatch *batch, MrActs *acts,
							MrNet *grads, int want_dX0);

/*
 * Scatter acts->dX into the embedding gradient rows of the batch's tokens.
 * touched (V) flags the rows written; new rows are appended to rows[] and
 * *n_rows grows (the sparse update list for the optimizer).
 */
void		mr_net_embed_backward(const MrNet *net, const MrBatch *batch,
								  const MrActs *acts, MrNet *grads,
								  uint8_t *touched, int32_t *rows, int32_t *n_rows);

/*
 * Copy every tensor but the dense head from src into dst (fine-tuning
 * from a pretrained network): their embeddings, inputs and layers must
 * have the same shapes.  MR_EDIMS, with detail in err, when they differ.
 */
MrStatus	mr_net_copy_body(MrNet *dst, const MrNet *src, MrError *err);

/*
 * Parameter groups, bottom to top, for discriminative learning rates and
 * gradual unfreezing: the embedding (when there is one), each layer (both
 * directions), and the dense head.  Each is one contiguous range of the
 * flat array.  Writes up to MR_MAX_LAYERS + 2 ranges and returns how many.
 */
typedef struct MrParamGroup
{
	size_t		offset;
	size_t		count;
} MrParamGroup;
int			mr_net_param_groups(const MrNet *net, MrParamGroup *groups);

/* Softmax over K logits in place (max-subtracted, for stability) */
void		mr_softmax(float *x, int K);

/* The head's outputs from K logits, in place: softmax (next-token too), sigmoids, or as is */
void		mr_net_head(float *x, int K, int head);

#endif							/* MR_NET_H */
