/*
 * mr_net.c
 *	  The classifier network: configuration, flat parameters, Keras-style
 *	  initialisation, forward, loss and backward over a batch.
 */
#include "mr_net.h"

#include <math.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_mathfun.h"

/* ----------------------------------------------------------------------
 * configuration and parameter layout
 * ---------------------------------------------------------------------- */

/* Check every field against the hard limits */
MrStatus
mr_net_check_config(const MrNetConfig *cfg, MrError *err)
{
	if (cfg->vocab_size < 0 || cfg->vocab_size > MR_MAX_VOCAB)
		return mr_set_error(err, MR_EDIMS, "Vocabulary size %d is out of range.", (int) cfg->vocab_size);
	if (cfg->vocab_size > 0 ? (cfg->embed_dim < 1 || cfg->embed_dim > MR_MAX_EMBED) : cfg->embed_dim != 0)
		return mr_set_error(err, MR_EDIMS, "Embedding width %d is out of range.", (int) cfg->embed_dim);
	if (cfg->n_features < 0 || cfg->n_features > MR_MAX_FEATURES)
		return mr_set_error(err, MR_EDIMS, "Feature count %d is out of range.", (int) cfg->n_features);
	if (cfg->vocab_size == 0 && cfg->n_features == 0)
		return mr_set_error(err, MR_EDIMS, "The network has neither tokens nor features as input.");
	if (cfg->maxlen < 1 || cfg->maxlen > MR_MAX_MAXLEN)
		return mr_set_error(err, MR_EDIMS, "Sequence length %d is out of range.", (int) cfg->maxlen);
	if (cfg->padding != MR_PAD_PRE && cfg->padding != MR_PAD_POST)
		return mr_set_error(err, MR_EDIMS, "Padding mode %d is not recognized.", (int) cfg->padding);
	if (cfg->mask != 0 && cfg->mask != 1)
		return mr_set_error(err, MR_EDIMS, "Mask flag %d is not 0 or 1.", (int) cfg->mask);
	if (cfg->mask && cfg->padding != MR_PAD_POST)
		return mr_set_error(err, MR_EDIMS, "A masked network keeps its real steps first (post padding).");
	if (cfg->n_layers < 1 || cfg->n_layers > MR_MAX_LAYERS)
		return mr_set_error(err, MR_EDIMS, "Layer count %d is out of range.", (int) cfg->n_layers);
	for (int l = 0; l < MR_MAX_LAYERS; l++)
	{
		int			h = cfg->hidden[l];

		if (l < cfg->n_layers ? (h < 1 || h > MR_MAX_HIDDEN) : h != 0)
			return mr_set_error(err, MR_EDIMS, "Hidden size %d of layer %d is out of range.", h, l + 1);
	}
	if (cfg->bidirectional != 0 && cfg->bidirectional != 1)
		return mr_set_error(err, MR_EDIMS, "Bidirectional flag %d is not 0 or 1.", (int) cfg->bidirectional);
	if (cfg->pooling < MR_POOL_LAST || cfg->pooling > MR_POOL_MEAN)
		return mr_set_error(err, MR_EDIMS, "Pooling mode %d is not recognized.", (int) cfg->pooling);
	if (cfg->head < MR_HEAD_SOFTMAX || cfg->head > MR_HEAD_NEXT_TOKEN)
		return mr_set_error(err, MR_EDIMS, "Head kind %d is not recognized.", (int) cfg->head);
	if (cfg->head == MR_HEAD_NEXT_TOKEN &&
		(cfg->vocab_size < 2 || cfg->bidirectional || !cfg->mask ||
		 cfg->pooling != MR_POOL_LAST || cfg->n_classes > cfg->vocab_size))
		return mr_set_error(err, MR_EDIMS,
							"A language model reads tokens in one direction, masked, from its last state, and predicts at most its %d tokens.",
							(int) cfg->vocab_size);
	if (cfg->n_classes < (cfg->head == MR_HEAD_SOFTMAX || cfg->head == MR_HEAD_NEXT_TOKEN ? 2 : 1) ||
		cfg->n_classes > (cfg->head == MR_HEAD_LINEAR ? 1 : MR_MAX_CLASSES))
		return mr_set_error(err, MR_EDIMS, "Output count %d is out of range for the head.",
							(int) cfg->n_classes);
	return MR_OK;
}

/* The sizes of a config; see mr_net.h */
void
mr_net_dims(const MrNetConfig *cfg, MrNetDims *d)
{
	memset(d, 0, sizeof(*d));
	d->T = cfg->maxlen;
	d->V = cfg->vocab_size;
	d->E = cfg->embed_dim;
	d->F = cfg->n_features;
	d->I0 = d->E + d->F;
	d->L = cfg->n_layers;
	d->dirs = cfg->bidirectional ? 2 : 1;
	for (int l = 0; l < d->L; l++)
	{
		d->I[l] = l == 0 ? d->I0 : cfg->hidden[l - 1] * d->dirs;
		d->H[l] = cfg->hidden[l];
		if (d->I[l] > d->max_in)
			d->max_in = d->I[l];
		if (d->I[l] > d->max_width)
			d->max_width = d->I[l];
		if (d->H[l] * d->dirs > d->max_width)
			d->max_width = d->H[l] * d->dirs;
		if (d->H[l] > d->max_h)
			d->max_h = d->H[l];
	}
	d->D = d->L > 0 ? d->H[d->L - 1] * d->dirs : 0;
	d->K = cfg->n_classes;
}

int
mr_net_layer_input(const MrNetConfig *cfg, int l)
{
	if (l == 0)
		return cfg->embed_dim + cfg->n_features;
	return cfg->hidden[l - 1] * mr_net_dirs(cfg);
}

int
mr_net_pooled_width(const MrNetConfig *cfg)
{
	return cfg->hidden[cfg->n_layers - 1] * mr_net_dirs(cfg);
}

/*
 * The parameters, in the order of mr_net.h: the embedding first, then
 * every other tensor from rest (params + V*E for a flat array, or a
 * separate dense-only buffer), packed.  With net NULL only counts.
 */
static MrStatus
layout(MrNet *net, const MrNetConfig *cfg, float *emb, float *rest, size_t *total)
{
	MrNetDims	d;
	MrCarve		c;
	size_t		n_emb,
				n_rest;

	mr_net_dims(cfg, &d);
	mr_carve_init(&c, net ? rest : NULL, 1);
	if (net)
		net->emb = d.V > 0 ? emb : NULL;
	for (int l = 0; l < d.L; l++)
		for (int dir = 0; dir < d.dirs; dir++)
		{
			size_t		I = d.I[l],
						H = d.H[l];
			float	   *Wx = MR_CARVE(&c, float, I * 4 * H);
			float	   *Wh = MR_CARVE(&c, float, H * 4 * H);
			float	   *b = MR_CARVE(&c, float, 4 * H);

			if (net)
				net->layer[l][dir] = (MrLayerParams) {Wx, Wh, b};
		}
	{
		float	   *Wd = MR_CARVE(&c, float, (size_t) d.D * d.K);
		float	   *bd = MR_CARVE(&c, float, (size_t) d.K);

		if (net)
		{
			net->Wd = Wd;
			net->bd = bd;
		}
	}
	if (mr_carve_size(&c, &n_rest) != MR_OK || !mr_mul_size((size_t) d.V, (size_t) d.E, &n_emb))
		return MR_EDIMS;
	return mr_add_size(n_rest / sizeof(float), n_emb, total) ? MR_OK : MR_EDIMS;
}

/* Number of parameters; the config must have passed mr_net_check_config */
MrStatus
mr_net_param_count(const MrNetConfig *cfg, size_t *n)
{
	return layout(NULL, cfg, NULL, NULL, n);
}

/* Bind tensor pointers into a flat array of n floats */
void
mr_net_bind(MrNet *net, const MrNetConfig *cfg, float *params, size_t n)
{
	size_t		total;

	memset(net, 0, sizeof(*net));
	net->cfg = *cfg;
	net->params = params;
	net->n_params = n;
	layout(net, cfg, params, params + (size_t) cfg->vocab_size * cfg->embed_dim, &total);
}

/* Bind the tensors after the embedding to a dense-only buffer */
void
mr_net_bind_dense(MrNet *net, const MrNetConfig *cfg, float *dense)
{
	size_t		total;

	memset(net, 0, sizeof(*net));
	net->cfg = *cfg;
	layout(net, cfg, NULL, dense, &total);
	/* params stays NULL: only the tensors after the embedding exist here */
	net->n_params = total - (size_t) cfg->vocab_size * cfg->embed_dim;
}

/* ----------------------------------------------------------------------
 * initialisation
 * ---------------------------------------------------------------------- */

static void
fill_uniform(float *x, size_t n, float limit, MrRng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (2.0f * mr_rng_uniform(rng) - 1.0f) * limit;
}

/*
 * Orthogonal (rows, cols) matrix with rows <= cols: random normal rows,
 * made orthonormal by classical Gram-Schmidt applied twice (CGS2, which is
 * as stable as modified Gram-Schmidt and runs as matrix-vector products).
 * Keras Orthogonal gives the same distribution via QR of the transpose.
 */
static MrStatus
fill_orthogonal(float *W, int rows, int cols, MrRng *rng, const MrAllocator *a)
{
	float	   *r = mr_alloc(a, sizeof(float) * (size_t) (rows > 0 ? rows : 1));

	if (!r)
		return MR_ENOMEM;
	for (size_t i = 0; i < (size_t) rows * cols; i++)
		W[i] = (float) mr_rng_normal(rng);
	for (int i = 0; i < rows; i++)
	{
		float	   *w = W + (size_t) i * cols;
		double		norm = 0.0;

		for (int pass = 0; pass < 2 && i > 0; pass++)
		{
			/* r = W[0:i] w;  w -= W[0:i]^T r */
			mr_sgemm(0, 0, i, 1, cols, 1.0f, W, cols, w, 1, 0.0f, r, 1);
			mr_sgemm(1, 0, cols, 1, i, -1.0f, W, cols, r, 1, 1.0f, w, 1);
		}
		for (int j = 0; j < cols; j++)
			norm += (double) w[j] * w[j];
		norm = sqrt(norm);
		if (norm < 1e-6)
		{
			/* astronomically unlikely; restart this row */
			for (int j = 0; j < cols; j++)
				w[j] = (float) mr_rng_normal(rng);
			i--;
			continue;
		}
		for (int j = 0; j < cols; j++)
			w[j] = (float) (w[j] / norm);
	}
	mr_free(a, r);
	return MR_OK;
}

/* Keras-like initialisation of every tensor (see mr_net.h) */
MrStatus
mr_net_init(MrNet *net, MrRng *rng, const MrAllocator *a)
{
	const MrNetConfig *cfg = &net->cfg;

	if (net->emb)
		fill_uniform(net->emb, (size_t) cfg->vocab_size * cfg->embed_dim, 0.05f, rng);
	for (int l = 0; l < cfg->n_layers; l++)
	{
		int			I = mr_net_layer_input(cfg, l);
		int			H = cfg->hidden[l];

		for (int d = 0; d < mr_net_dirs(cfg); d++)
		{
			MrLayerParams *lp = &net->layer[l][d];
			MrStatus	st;

			/* Glorot uniform over the whole (I, 4H) kernel, as Keras does */
			fill_uniform(lp->Wx, (size_t) I * 4 * H, sqrtf(6.0f / (float) (I + 4 * H)), rng);
			/* Keras Orthogonal on (H, 4H): orthonormal rows */
			st = fill_orthogonal(lp->Wh, H, 4 * H, rng, a);
			if (st != MR_OK)
				return st;
			memset(lp->b, 0, sizeof(float) * 4 * (size_t) H);
			for (int j = 0; j < H; j++)
				lp->b[H + j] = 1.0f;	/* unit forget bias */
		}
	}
	{
		int			D = mr_net_pooled_width(cfg);
		int			K = cfg->n_classes;

		fill_uniform(net->Wd, (size_t) D * K, sqrtf(6.0f / (float) (D + K)), rng);
		memset(net->bd, 0, sizeof(float) * K);
	}
	return MR_OK;
}

/* Copy the body of a pretrained network; see mr_net.h */
MrStatus
mr_net_copy_body(MrNet *dst, const MrNet *src, MrError *err)
{
	const MrNetConfig *a = &dst->cfg,
			   *b = &src->cfg;

	if (a->vocab_size != b->vocab_size || a->embed_dim != b->embed_dim ||
		a->n_features != b->n_features || a->n_layers != b->n_layers ||
		a->bidirectional != b->bidirectional ||
		memcmp(a->hidden, b->hidden, sizeof(a->hidden)) != 0)
		return mr_set_error(err, MR_EDIMS,
							"The network's embedding and layers do not have the base network's shapes.");
	if (a->vocab_size > 0)
		memcpy(dst->emb, src->emb, sizeof(float) * (size_t) a->vocab_size * a->embed_dim);
	for (int l = 0; l < a->n_layers; l++)
		for (int d = 0; d < mr_net_dirs(a); d++)
		{
			size_t		I = mr_net_layer_input(a, l),
						H = a->hidden[l];

			memcpy(dst->layer[l][d].Wx, src->layer[l][d].Wx, sizeof(float) * I * 4 * H);
			memcpy(dst->layer[l][d].Wh, src->layer[l][d].Wh, sizeof(float) * H * 4 * H);
			memcpy(dst->layer[l][d].b, src->layer[l][d].b, sizeof(float) * 4 * H);
		}
	return MR_OK;
}

/* Contiguous ranges of the embedding, each layer and the head; see mr_net.h */
int
mr_net_param_groups(const MrNet *net, MrParamGroup *groups)
{
	const MrNetConfig *cfg = &net->cfg;
	int			n = 0;
	size_t		off = (size_t) cfg->vocab_size * cfg->embed_dim;

	if (off > 0)
		groups[n++] = (MrParamGroup) {0, off};
	for (int l = 0; l < cfg->n_layers; l++)
	{
		size_t		I = mr_net_layer_input(cfg, l),
					H = cfg->hidden[l],
					count = (size_t) mr_net_dirs(cfg) * (I * 4 * H + H * 4 * H + 4 * H);

		groups[n++] = (MrParamGroup) {off, count};
		off += count;
	}
	groups[n++] = (MrParamGroup) {off, net->n_params - off};
	return n;
}

/* ----------------------------------------------------------------------
 * activations
 * ---------------------------------------------------------------------- */

/* Activations for Bmax rows, carved or counted; see mr_net.h */
void
mr_acts_carve(MrActs *acts, const MrNetConfig *cfg, int Bmax, int with_dropout, MrCarve *c)
{
	MrNetDims	d;
	size_t		T,
				B = (size_t) Bmax,
				work = 0;

	mr_net_dims(cfg, &d);
	T = (size_t) d.T;
	memset(acts, 0, sizeof(MrActs));
	for (int l = 0; l < d.L; l++)
	{
		size_t		w = mr_lstm_backward_work(d.T, Bmax, d.H[l], with_dropout);

		if (B * d.H[l] > w)
			w = B * d.H[l];
		if (w > work)
			work = w;
	}

	acts->X0 = MR_CARVE(c, float, T * B * d.I0);
	for (int l = 0; l < d.L; l++)
	{
		size_t		I = d.I[l],
					H = d.H[l];

		for (int dir = 0; dir < d.dirs; dir++)
		{
			MrLstmTrace *tr = &acts->trace[l][dir];

			tr->gates = MR_CARVE(c, float, T * B * 4 * H);
			tr->c = MR_CARVE(c, float, T * B * H);
			tr->tanh_c = MR_CARVE(c, float, T * B * H);
			tr->h = MR_CARVE(c, float, (T + 1) * B * H);
			if (with_dropout)
			{
				tr->x_drop = MR_CARVE(c, float, T * B * I);
				acts->rec_mask[l][dir] = MR_CARVE(c, float, B * H);
			}
		}
		if (with_dropout)
			acts->in_mask[l] = MR_CARVE(c, float, B * I);
		if (d.dirs == 2)
		{
			acts->xrev[l] = MR_CARVE(c, float, T * B * I);
			acts->Y[l] = MR_CARVE(c, float, T * B * 2 * H);
		}
		/* a unidirectional Y aliases the trace; mr_net_forward points it per batch size */
	}
	acts->pooled = MR_CARVE(c, float, B * d.D);
	acts->pool_arg = MR_CARVE(c, int32_t, B * d.D);
	if (cfg->head == MR_HEAD_NEXT_TOKEN)
	{
		/*
		 * A language model predicts at every step: (T, B, K) outputs are the
		 * largest buffer by far, so logits, outputs and their gradient share
		 * one, each overwriting the one before (mr_loss_next_token)
		 */
		acts->logits = acts->probs = acts->dlogits = MR_CARVE(c, float, T * B * d.K);
	}
	else
	{
		acts->logits = MR_CARVE(c, float, B * d.K);
		acts->probs = MR_CARVE(c, float, B * d.K);
	}
	acts->dpooled = MR_CARVE(c, float, B * d.D);
	if (cfg->head != MR_HEAD_NEXT_TOKEN)
		acts->dlogits = MR_CARVE(c, float, B * d.K);
	/* backward buffers are small next to the traces; always present */
	acts->dbuf[0] = MR_CARVE(c, float, T * B * d.max_width);
	acts->dbuf[1] = MR_CARVE(c, float, T * B * d.max_width);
	if (d.dirs == 2)
		acts->dXrev = MR_CARVE(c, float, T * B * d.max_width);
	acts->dH = MR_CARVE(c, float, T * B * d.max_h);
	acts->work = MR_CARVE(c, float, work);
	acts->Bmax = Bmax;
	acts->with_dropout = with_dropout;
}

/* Bytes of activations for Bmax rows, the MrActs included */
MrStatus
mr_acts_size(const MrNetConfig *cfg, int Bmax, int with_dropout, size_t *bytes)
{
	MrActs		scratch;
	MrCarve		c;

	mr_carve_init(&c, NULL, 64);
	mr_acts_carve(&scratch, cfg, Bmax, with_dropout, &c);
	if (mr_carve_size(&c, bytes) != MR_OK || !mr_add_size(*bytes, sizeof(MrActs), bytes))
		return MR_EDIMS;
	return MR_OK;
}

/* Allocate activations for up to Bmax rows in one piece, the MrActs first */
MrStatus
mr_acts_new(const MrNetConfig *cfg, int Bmax, int with_dropout,
			const MrAllocator *a, MrActs **out)
{
	size_t		bytes;
	char	   *mem;
	MrCarve		c;

	if (Bmax < 1 || mr_acts_size(cfg, Bmax, with_dropout, &bytes) != MR_OK)
		return MR_EDIMS;
	mem = mr_alloc0(a, bytes);
	if (!mem)
		return MR_ENOMEM;
	mr_carve_init(&c, mem + sizeof(MrActs), 64);
	mr_acts_carve((MrActs *) mem, cfg, Bmax, with_dropout, &c);
	*out = (MrActs *) mem;
	return MR_OK;
}

/* ----------------------------------------------------------------------
 * forward
 * ---------------------------------------------------------------------- */

/*
 * Position of step s of the reverse direction for a row of length L: the
 * real steps are read back to front, padding stays where it is, so the
 * reverse LSTM starts at the last real token and ends at the first.  The
 * map is its own inverse.
 */
static inline int
reverse_pos(int s, int L, int T, int padding)
{
	if (padding == MR_PAD_PRE)
		return s < T - L ? s : 2 * T - L - 1 - s;
	return s < L ? L - 1 - s : s;
}

/* The step whose state "last" pooling reads, in step order */
static inline int
last_step(int L, int T, int padding)
{
	return (padding == MR_PAD_PRE || L == 0) ? T - 1 : L - 1;
}

/*
 * Real positions [*p0, *p1) of a row; all steps when the row is empty
 * (masked networks handle empty rows before asking)
 */
static inline void
real_range(int L, int T, int padding, int *p0, int *p1)
{
	if (L <= 0)
	{
		*p0 = 0;
		*p1 = T;
	}
	else if (padding == MR_PAD_PRE)
	{
		*p0 = T - L;
		*p1 = T;
	}
	else
	{
		*p0 = 0;
		*p1 = L;
	}
}

static inline int
row_length(const MrBatch *batch, int b, int T)
{
	int			L = batch->lengths ? batch->lengths[b] : T;

	return L < 0 ? 0 : (L > T ? T : L);
}

/* Gather the embedding rows and features of a batch into X0 (T, B, I_0) */
void
mr_net_embed(const MrNet *net, const MrBatch *batch, MrActs *acts)
{
	const MrNetConfig *cfg = &net->cfg;
	int			T = mr_batch_steps(cfg, batch),
				B = batch->B,
				E = cfg->embed_dim,
				F = cfg->n_features,
				I0 = E + F;

	for (int t = 0; t < T; t++)
		for (int b = 0; b < B; b++)
		{
			float	   *x = acts->X0 + ((size_t) t * B + b) * I0;

			if (E > 0)
			{
				int32_t		id = batch->ids ? batch->ids[(size_t) t * B + b] : 0;

				/* ids are validated when rows are built; clamp anyway */
				if (id < 0 || id >= cfg->vocab_size)
					id = 0;
				memcpy(x, net->emb + (size_t) id * E, sizeof(float) * E);
			}
			if (F > 0)
			{
				if (batch->feats)
					memcpy(x + E, batch->feats + ((size_t) t * B + b) * F, sizeof(float) * F);
				else
					memset(x + E, 0, sizeof(float) * F);
			}
		}
}

/* Variational dropout mask: 0 or 1/(1-p) per element */
static void
draw_mask(float *mask, size_t n, float p, MrRng *rng)
{
	float		keep = 1.0f / (1.0f - p);

	for (size_t i = 0; i < n; i++)
		mask[i] = mr_rng_uniform(rng) < p ? 0.0f : keep;
}

/* Softmax in place */
void
mr_softmax(float *x, int K)
{
	float		mx = x[0];
	double		sum = 0.0;

	for (int k = 1; k < K; k++)
		if (x[k] > mx)
			mx = x[k];
	for (int k = 0; k < K; k++)
	{
		x[k] = expf(x[k] - mx);
		sum += x[k];
	}
	for (int k = 0; k < K; k++)
		x[k] = (float) (x[k] / sum);
}

/* The head's outputs from logits; see mr_net.h */
void
mr_net_head(float *x, int K, int head)
{
	if (head == MR_HEAD_SOFTMAX || head == MR_HEAD_NEXT_TOKEN)
		mr_softmax(x, K);
	else if (head == MR_HEAD_SIGMOID)
		for (int k = 0; k < K; k++)
			x[k] = mr_sigmoidf(x[k]);
}

/* Forward pass from acts->X0 to probabilities */
void
mr_net_forward(const MrNet *net, const MrBatch *batch, MrActs *acts,
			   const MrDropout *dropout, MrRng *rng)
{
	const MrNetConfig *cfg = &net->cfg;
	int			T = mr_batch_steps(cfg, batch),
				B = batch->B,
				dirs = mr_net_dirs(cfg),
				K = cfg->n_classes;
	int			training = dropout && rng && acts->with_dropout &&
		(dropout->input > 0.0f || dropout->recurrent > 0.0f);
	const float *X = acts->X0;
	int			ldx = mr_net_layer_input(cfg, 0);

	acts->B = B;
	acts->training = training;
	for (int l = 0; l < cfg->n_layers; l++)
	{
		int			I = mr_net_layer_input(cfg, l);
		int			H = cfg->hidden[l];
		MrLstmMasks *masks = acts->masks[l];

		memset(masks, 0, sizeof(acts->masks[l]));
		if (training && dropout->input > 0.0f)
		{
			draw_mask(acts->in_mask[l], (size_t) B * I, dropout->input, rng);
			masks[0].in_mask = masks[1].in_mask = acts->in_mask[l];
		}
		if (training && dropout->recurrent > 0.0f)
			for (int d = 0; d < dirs; d++)
			{
				draw_mask(acts->rec_mask[l][d], (size_t) B * H, dropout->recurrent, rng);
				masks[d].rec_mask = acts->rec_mask[l][d];
			}

		mr_lstm_forward(&acts->trace[l][0], X, ldx,
						net->layer[l][0].Wx, net->layer[l][0].Wh, net->layer[l][0].b,
						&masks[0], acts->work, T, B, I, H);
		if (dirs == 2)
		{
			float	   *xr = acts->xrev[l];
			float	   *Y = acts->Y[l];
			const MrLstmTrace *f = &acts->trace[l][0];
			const MrLstmTrace *r = &acts->trace[l][1];

			for (int s = 0; s < T; s++)
				for (int b = 0; b < B; b++)
				{
					int			p = reverse_pos(s, row_length(batch, b, T), T, cfg->padding);

					memcpy(xr + ((size_t) s * B + b) * I, X + ((size_t) p * B + b) * ldx,
						   sizeof(float) * I);
				}
			mr_lstm_forward(&acts->trace[l][1], xr, I,
							net->layer[l][1].Wx, net->layer[l][1].Wh, net->layer[l][1].b,
							&masks[1], acts->work, T, B, I, H);
			/* Y[p] = [h_fwd at p, h_rev at the step that read p] */
			for (int s = 0; s < T; s++)
				for (int b = 0; b < B; b++)
				{
					int			p = reverse_pos(s, row_length(batch, b, T), T, cfg->padding);

					memcpy(Y + ((size_t) s * B + b) * 2 * H,
						   f->h + ((size_t) (s + 1) * B + b) * H, sizeof(float) * H);
					memcpy(Y + ((size_t) p * B + b) * 2 * H + H,
						   r->h + ((size_t) (s + 1) * B + b) * H, sizeof(float) * H);
				}
		}
		else
		{
			/* a unidirectional layer's output is its h trace after h_0, for this B */
			acts->Y[l] = acts->trace[l][0].h + (size_t) B * H;
		}
		X = acts->Y[l];
		ldx = dirs * H;
	}

	if (cfg->head == MR_HEAD_NEXT_TOKEN)
	{
		/* logits (T*B, K) = Y Wd + bd at every step; one direction, so D = H */
		int			D = cfg->hidden[cfg->n_layers - 1];
		size_t		rows = (size_t) T * B;

		mr_sgemm(0, 0, (int) rows, K, D, 1.0f, acts->Y[cfg->n_layers - 1], D, net->Wd, K,
				 0.0f, acts->logits, K);
		/* the outputs overwrite the logits (one buffer, mr_acts_carve) */
		for (size_t r = 0; r < rows; r++)
		{
			float	   *lg = acts->logits + r * K;

			for (int k = 0; k < K; k++)
				lg[k] += net->bd[k];
			mr_softmax(lg, K);
		}
		return;
	}

	/* pooling over the last layer */
	{
		int			L = cfg->n_layers - 1;
		int			H = cfg->hidden[L];
		int			D = dirs * H;
		const float *Y = acts->Y[L];

		for (int b = 0; b < B; b++)
		{
			int			len = row_length(batch, b, T);
			float	   *out = acts->pooled + (size_t) b * D;
			int32_t    *arg = acts->pool_arg + (size_t) b * D;
			int			p0,
						p1;

			if (cfg->mask && len == 0)
			{
				/* no real step: the zero state */
				memset(out, 0, sizeof(float) * D);
				continue;
			}
			real_range(len, T, cfg->padding, &p0, &p1);
			if (cfg->pooling == MR_POOL_LAST)
			{
				int			s = last_step(len, T, cfg->padding);

				for (int d = 0; d < dirs; d++)
					memcpy(out + d * H, acts->trace[L][d].h + ((size_t) (s + 1) * B + b) * H,
						   sizeof(float) * H);
			}
			else if (cfg->pooling == MR_POOL_MEAN)
			{
				float		inv = 1.0f / (float) (p1 - p0);

				memset(out, 0, sizeof(float) * D);
				for (int p = p0; p < p1; p++)
				{
					const float *y = Y + ((size_t) p * B + b) * D;

					for (int k = 0; k < D; k++)
						out[k] += y[k];
				}
				for (int k = 0; k < D; k++)
					out[k] *= inv;
			}
			else
			{
				for (int k = 0; k < D; k++)
				{
					out[k] = Y[((size_t) p0 * B + b) * D + k];
					arg[k] = p0;
				}
				for (int p = p0 + 1; p < p1; p++)
				{
					const float *y = Y + ((size_t) p * B + b) * D;

					for (int k = 0; k < D; k++)
						if (y[k] > out[k])
						{
							out[k] = y[k];
							arg[k] = p;
						}
				}
			}
		}

		/* logits (B, K) = pooled Wd + bd */
		mr_sgemm(0, 0, B, K, D, 1.0f, acts->pooled, D, net->Wd, K, 0.0f, acts->logits, K);
		for (int b = 0; b < B; b++)
		{
			float	   *lg = acts->logits + (size_t) b * K;
			float	   *pr = acts->probs + (size_t) b * K;

			for (int k = 0; k < K; k++)
			{
				lg[k] += net->bd[k];
				pr[k] = lg[k];
			}
			mr_net_head(pr, K, cfg->head);
		}
	}
}

/* Weighted mean cross-entropy and its gradient w.r.t. the logits */
double
mr_net_loss(MrActs *acts, int K, const int32_t *labels,
			const float *weights, int *correct, int B_total)
{
	int			B = acts->B;
	double		loss = 0.0;
	int			hits = 0;

	for (int b = 0; b < B; b++)
	{
		const float *p = acts->probs + (size_t) b * K;
		float	   *dl = acts->dlogits + (size_t) b * K;
		int			y = labels[b];
		float		w = weights ? weights[b] : 1.0f;
		int			best = 0;

		for (int k = 1; k < K; k++)
			if (p[k] > p[best])
				best = k;
		hits += best == y;
		/* -log p_y, computed from the logits for accuracy at tiny p */
		{
			const float *lg = acts->logits + (size_t) b * K;
			float		mx = lg[0];
			double		s = 0.0;

			for (int k = 1; k < K; k++)
				if (lg[k] > mx)
					mx = lg[k];
			for (int k = 0; k < K; k++)
				s += exp((double) lg[k] - mx);
			loss += w * (log(s) + mx - lg[y]);
		}
		/* d(-log softmax)/dlogits = p - onehot(y) */
		for (int k = 0; k < K; k++)
			dl[k] = w * (p[k] - (k == y ? 1.0f : 0.0f)) / (float) B_total;
	}
	if (correct)
		*correct = hits;
	return loss / B_total;
}

/* ----------------------------------------------------------------------
 * backward
 * ---------------------------------------------------------------------- */

/* Backward from acts->dlogits; see mr_net.h */
void
mr_net_backward(const MrNet *net, const MrBatch *batch, MrActs *acts,
				MrNet *grads, int want_dX0)
{
	const MrNetConfig *cfg = &net->cfg;
	int			T = mr_batch_steps(cfg, batch),
				B = acts->B,
				dirs = mr_net_dirs(cfg),
				K = cfg->n_classes;
	int			Ltop = cfg->n_layers - 1;
	int			D = mr_net_pooled_width(cfg);
	float	   *dY = acts->dbuf[0];
	float	   *dX = acts->dbuf[1];

	if (cfg->head == MR_HEAD_NEXT_TOKEN)
	{
		/* the dense layer at every step: dWd += Y^T dlogits; dY = dlogits Wd^T */
		int			rows = T * B;

		if (grads)
		{
			mr_sgemm(1, 0, D, K, rows, 1.0f, acts->Y[Ltop], D, acts->dlogits, K, 1.0f,
					 grads->Wd, K);
			for (int r = 0; r < rows; r++)
				for (int k = 0; k < K; k++)
					grads->bd[k] += acts->dlogits[(size_t) r * K + k];
		}
		mr_sgemm(0, 1, rows, D, K, 1.0f, acts->dlogits, K, net->Wd, K, 0.0f, dY, D);
		goto layers;
	}

	/* dense: dWd += pooled^T dlogits; dbd += sum dlogits; dpooled = dlogits Wd^T */
	if (grads)
	{
		mr_sgemm(1, 0, D, K, B, 1.0f, acts->pooled, D, acts->dlogits, K, 1.0f, grads->Wd, K);
		for (int b = 0; b < B; b++)
			for (int k = 0; k < K; k++)
				grads->bd[k] += acts->dlogits[(size_t) b * K + k];
	}
	mr_sgemm(0, 1, B, D, K, 1.0f, acts->dlogits, K, net->Wd, K, 0.0f, acts->dpooled, D);

	/* pooling backward into dY (T, B, D), position order */
	memset(dY, 0, sizeof(float) * (size_t) T * B * D);
	{
		int			H = cfg->hidden[Ltop];

		for (int b = 0; b < B; b++)
		{
			int			len = row_length(batch, b, T);
			const float *dp = acts->dpooled + (size_t) b * D;
			const int32_t *arg = acts->pool_arg + (size_t) b * D;
			int			p0,
						p1;

			if (cfg->mask && len == 0)
				continue;		/* pooled to a constant zero */
			real_range(len, T, cfg->padding, &p0, &p1);
			if (cfg->pooling == MR_POOL_LAST)
			{
				int			s = last_step(len, T, cfg->padding);

				for (int d = 0; d < dirs; d++)
				{
					int			p = d == 0 ? s : reverse_pos(s, len, T, cfg->padding);
					float	   *dy = dY + ((size_t) p * B + b) * D + d * H;

					for (int k = 0; k < H; k++)
						dy[k] += dp[d * H + k];
				}
			}
			else if (cfg->pooling == MR_POOL_MEAN)
			{
				float		inv = 1.0f / (float) (p1 - p0);

				for (int p = p0; p < p1; p++)
				{
					float	   *dy = dY + ((size_t) p * B + b) * D;

					for (int k = 0; k < D; k++)
						dy[k] = dp[k] * inv;
				}
			}
			else
			{
				for (int k = 0; k < D; k++)
					dY[((size_t) arg[k] * B + b) * D + k] += dp[k];
			}
		}
	}

	/* layers, top to bottom; dY holds dLoss/dY_l, dX receives dLoss/dX_l */
layers:
#define GRAD(l, d, w) (grads ? grads->layer[l][d].w : NULL)
	for (int l = Ltop; l >= 0; l--)
	{
		int			I = mr_net_layer_input(cfg, l);
		int			H = cfg->hidden[l];
		const float *X = l == 0 ? acts->X0 : acts->Y[l - 1];
		int			need_dX = l > 0 || want_dX0 || cfg->vocab_size > 0;
		const MrLstmMasks *masks = acts->masks[l];

		if (dirs == 1)
		{
			mr_lstm_backward(need_dX ? dX : NULL, I,
							 GRAD(l, 0, Wx), GRAD(l, 0, Wh), GRAD(l, 0, b),
							 dY, &acts->trace[l][0], X, I,
							 net->layer[l][0].Wx, net->layer[l][0].Wh,
							 &masks[0], acts->work, T, B, I, H);
		}
		else
		{
			float	   *dH = acts->dH;

			/* forward direction: its half of dY, contiguous */
			for (size_t r = 0; r < (size_t) T * B; r++)
				memcpy(dH + r * H, dY + r * 2 * H, sizeof(float) * H);
			mr_lstm_backward(need_dX ? dX : NULL, I,
							 GRAD(l, 0, Wx), GRAD(l, 0, Wh), GRAD(l, 0, b),
							 dH, &acts->trace[l][0], X, I,
							 net->layer[l][0].Wx, net->layer[l][0].Wh,
							 &masks[0], acts->work, T, B, I, H);
			/* reverse direction: gather its half of dY into step order */
			for (int s = 0; s < T; s++)
				for (int b = 0; b < B; b++)
				{
					int			p = reverse_pos(s, row_length(batch, b, T), T, cfg->padding);

					memcpy(dH + ((size_t) s * B + b) * H, dY + ((size_t) p * B + b) * 2 * H + H,
						   sizeof(float) * H);
				}
			mr_lstm_backward(need_dX ? acts->dXrev : NULL, I,
							 GRAD(l, 1, Wx), GRAD(l, 1, Wh), GRAD(l, 1, b),
							 dH, &acts->trace[l][1], acts->xrev[l], I,
							 net->layer[l][1].Wx, net->layer[l][1].Wh,
							 &masks[1], acts->work, T, B, I, H);
			if (need_dX)
				for (int s = 0; s < T; s++)
					for (int b = 0; b < B; b++)
					{
						int			p = reverse_pos(s, row_length(batch, b, T), T, cfg->padding);
						float	   *dst = dX + ((size_t) p * B + b) * I;
						const float *src = acts->dXrev + ((size_t) s * B + b) * I;

						for (int i = 0; i < I; i++)
							dst[i] += src[i];
					}
		}
		if (l > 0)
		{
			/* this layer's dX is the next one down's dY */
			float	   *tmp = dY;

			dY = dX;
			dX = tmp;
		}
	}
#undef GRAD
	/* dX_0 for mr_net_embed_backward and callers */
	acts->dX0 = dX;
}

/* Scatter-add dX_0's embedding columns into the touched embedding rows */
void
mr_net_embed_backward(const MrNet *net, const MrBatch *batch,
					  const MrActs *acts, MrNet *grads,
					  uint8_t *touched, int32_t *rows, int32_t *n_rows)
{
	const MrNetConfig *cfg = &net->cfg;
	int			T = mr_batch_steps(cfg, batch),
				B = acts->B,
				E = cfg->embed_dim,
				I0 = E + cfg->n_features;

	if (E == 0 || !batch->ids)
		return;
	for (int t = 0; t < T; t++)
		for (int b = 0; b < B; b++)
		{
			int32_t		id = batch->ids[(size_t) t * B + b];
			const float *d = acts->dX0 + ((size_t) t * B + b) * I0;
			float	   *g;

			/* a masked network's padding is not an input: no gradient */
			if (cfg->mask && t >= row_length(batch, b, T))
				continue;

			if (id < 0 || id >= cfg->vocab_size)
				id = 0;
			g = grads->emb + (size_t) id * E;
			if (!touched[id])
			{
				touched[id] = 1;
				rows[(*n_rows)++] = id;
			}
			for (int e = 0; e < E; e++)
				g[e] += d[e];
		}
}
