/*
 * mr_infer.c
 *	  One-row inference over the real steps only (see mr_infer.h).
 */
#include "mr_infer.h"

#include <string.h>

#include "mr_blas.h"
#include "mr_carve.h"
#include "mr_lstm.h"

struct MrInfer
{
	const MrNet *net;
	int			T;
	int			dirs;
	/* the all-padding row: states after each padding step, per layer and direction */
	float	   *pad_h[MR_MAX_LAYERS][2];	/* (T, H) h after step t */
	float	   *pad_c[MR_MAX_LAYERS][2];	/* (T, H) c after step t */
	float	   *pad_probs;		/* (K) probabilities of an empty row */
	/* scratch for one row */
	float	   *X;				/* (T, max input) this layer's input, real positions */
	float	   *Y;				/* (T, max width) this layer's output */
	float	   *xr;				/* (T, max input) reversed input */
	float	   *G;				/* (T, 4 max H) gate pre-activations */
	float	   *out[2];			/* (T, max H) each direction's h, in step order */
	float	   *cbuf[2];		/* (2, max H) c of the previous and current step */
	float	   *tanh_c;			/* (max H) */
	float	   *pooled;			/* (D) */
};

/* The inference state's buffers, carved or counted (mr_carve.h) */
static void
infer_carve(MrInfer *inf, const MrNetConfig *cfg, MrCarve *c)
{
	MrNetDims	d;
	size_t		T;

	mr_net_dims(cfg, &d);
	T = (size_t) d.T;
	for (int l = 0; l < d.L; l++)
		for (int dir = 0; dir < d.dirs; dir++)
		{
			inf->pad_h[l][dir] = MR_CARVE(c, float, T * d.H[l]);
			inf->pad_c[l][dir] = MR_CARVE(c, float, T * d.H[l]);
		}
	inf->pad_probs = MR_CARVE(c, float, (size_t) d.K);
	inf->X = MR_CARVE(c, float, T * d.max_width);
	inf->Y = MR_CARVE(c, float, T * d.max_width);
	inf->xr = MR_CARVE(c, float, T * d.max_in);
	inf->G = MR_CARVE(c, float, T * 4 * d.max_h);
	inf->out[0] = MR_CARVE(c, float, T * d.max_h);
	inf->out[1] = MR_CARVE(c, float, T * d.max_h);
	inf->cbuf[0] = MR_CARVE(c, float, 2 * (size_t) d.max_h);
	inf->cbuf[1] = MR_CARVE(c, float, 2 * (size_t) d.max_h);
	inf->tanh_c = MR_CARVE(c, float, (size_t) d.max_h);
	inf->pooled = MR_CARVE(c, float, (size_t) d.D);
}

/* Bytes of an MrInfer with its buffers */
static MrStatus
infer_size(const MrNetConfig *cfg, size_t *bytes)
{
	MrInfer		scratch;
	MrCarve		c;

	mr_carve_init(&c, NULL, 64);
	infer_carve(&scratch, cfg, &c);
	if (mr_carve_size(&c, bytes) != MR_OK || !mr_add_size(*bytes, sizeof(MrInfer), bytes))
		return MR_EDIMS;
	return MR_OK;
}

/* Bytes of an MrInfer (and of the one-row activations it borrows once) */
MrStatus
mr_infer_size(const MrNetConfig *cfg, size_t *bytes)
{
	size_t		acts;

	if (infer_size(cfg, bytes) != MR_OK || mr_acts_size(cfg, 1, 0, &acts) != MR_OK ||
		!mr_add_size(*bytes, acts, bytes))
		return MR_EDIMS;
	return MR_OK;
}

/* Prepare inference: buffers, and the all-padding row's states */
MrStatus
mr_infer_new(const MrNet *net, const MrAllocator *a, MrInfer **out)
{
	const MrNetConfig *cfg = &net->cfg;
	size_t		bytes;
	char	   *mem;
	MrInfer    *inf;
	MrActs	   *acts;
	int32_t		zero_len = 0;
	int			T = cfg->maxlen;
	MrStatus	st;

	*out = NULL;
	if (infer_size(cfg, &bytes) != MR_OK)
		return MR_EDIMS;
	mem = mr_alloc0(a, bytes);
	if (!mem)
		return MR_ENOMEM;
	inf = (MrInfer *) mem;
	{
		MrCarve		c;

		mr_carve_init(&c, mem + sizeof(MrInfer), 64);
		infer_carve(inf, cfg, &c);
	}
	inf->net = net;
	inf->T = T;
	inf->dirs = mr_net_dirs(cfg);

	/*
	 * Run the batched forward pass once over a row that is all padding.
	 * With no real steps the reverse direction reads the row in order too,
	 * so both directions' states are those of a run over padding alone.
	 */
	if ((st = mr_acts_new(cfg, 1, 0, a, &acts)) != MR_OK)
	{
		mr_free(a, mem);
		return st;
	}
	{
		int32_t    *ids = mr_alloc0(a, sizeof(int32_t) * (size_t) T);
		float	   *feats = cfg->n_features ? mr_alloc0(a, sizeof(float) * (size_t) T * cfg->n_features) : NULL;
		MrBatch		batch = {1, cfg->vocab_size > 0 ? ids : NULL, feats, &zero_len};

		if (!ids || (cfg->n_features && !feats))
		{
			mr_free(a, ids);
			mr_free(a, feats);
			mr_free(a, acts);
			mr_free(a, mem);
			return MR_ENOMEM;
		}
		mr_net_embed(net, &batch, acts);
		mr_net_forward(net, &batch, acts, NULL, NULL);
		for (int l = 0; l < cfg->n_layers; l++)
			for (int d = 0; d < inf->dirs; d++)
			{
				size_t		n = (size_t) T * cfg->hidden[l];

				memcpy(inf->pad_h[l][d], acts->trace[l][d].h + cfg->hidden[l], sizeof(float) * n);
				memcpy(inf->pad_c[l][d], acts->trace[l][d].c, sizeof(float) * n);
			}
		memcpy(inf->pad_probs, acts->probs, sizeof(float) * cfg->n_classes);
		mr_free(a, ids);
		mr_free(a, feats);
	}
	mr_free(a, acts);
	*out = inf;
	return MR_OK;
}

void
mr_infer_free(MrInfer *inf, const MrAllocator *a)
{
	mr_free(a, inf);
}

/*
 * One direction of one layer over L steps of X (L, I) from the state after
 * `skip` padding steps (none when skip is 0); writes h of every step to
 * out (L, H).
 */
static void
run_direction(MrInfer *inf, const MrLayerParams *lp, const float *X, int L, int I, int H,
			  const float *pad_h, const float *pad_c, int skip, float *out)
{
	const int	G4 = 4 * H;
	const float *hprev = skip > 0 ? pad_h + (size_t) (skip - 1) * H : NULL;
	const float *cprev = skip > 0 ? pad_c + (size_t) (skip - 1) * H : NULL;
	float	   *cb = inf->cbuf[0];

	/* input projections of all L steps at once */
	mr_sgemm(0, 0, L, G4, I, 1.0f, X, I, lp->Wx, G4, 0.0f, inf->G, G4);
	for (int t = 0; t < L; t++)
	{
		float	   *G = inf->G + (size_t) t * G4;
		float	   *c = cb + (size_t) (t & 1) * H;

		for (int j = 0; j < G4; j++)
			G[j] += lp->b[j];
		if (hprev)
			mr_sgemv_t(H, G4, 1.0f, lp->Wh, G4, hprev, 1.0f, G);
		mr_lstm_cell(G, cprev, c, inf->tanh_c, out + (size_t) t * H, 1, H);
		hprev = out + (size_t) t * H;
		cprev = c;
	}
}

/* Probabilities of one row; see mr_infer.h */
void
mr_infer_row(MrInfer *inf, const int32_t *ids, const float *feats, int32_t L, float *probs)
{
	const MrNet *net = inf->net;
	const MrNetConfig *cfg = &net->cfg;
	int			T = inf->T,
				dirs = inf->dirs,
				K = cfg->n_classes,
				E = cfg->embed_dim,
				F = cfg->n_features,
				I0 = E + F;
	int			first,
				skip;
	int			Ltop = cfg->n_layers - 1;
	int			D = mr_net_pooled_width(cfg);
	float	   *X = inf->X;

	if (L < 0)
		L = 0;
	if (L > T)
		L = T;
	if (L == 0)
	{
		memcpy(probs, inf->pad_probs, sizeof(float) * K);
		return;
	}
	/* real positions [first, first + L); "pre" rows follow T - L padding steps */
	first = cfg->padding == MR_PAD_PRE ? T - L : 0;
	skip = cfg->padding == MR_PAD_PRE ? T - L : 0;

	/* layer 0 input: embeddings and features of the real steps */
	for (int t = 0; t < L; t++)
	{
		float	   *x = X + (size_t) t * I0;

		if (E > 0)
		{
			int32_t		id = ids ? ids[first + t] : 0;

			if (id < 0 || id >= cfg->vocab_size)
				id = 0;
			memcpy(x, net->emb + (size_t) id * E, sizeof(float) * E);
		}
		if (F > 0 && feats)
			memcpy(x + E, feats + (size_t) (first + t) * F, sizeof(float) * F);
		else if (F > 0)
			memset(x + E, 0, sizeof(float) * F);	/* as mr_explain_row reads NULL */
	}

	for (int l = 0; l <= Ltop; l++)
	{
		int			I = mr_net_layer_input(cfg, l),
					H = cfg->hidden[l];

		run_direction(inf, &net->layer[l][0], X, L, I, H,
					  inf->pad_h[l][0], inf->pad_c[l][0], skip, inf->out[0]);
		if (dirs == 2)
		{
			/* the reverse direction reads the real steps back to front */
			for (int t = 0; t < L; t++)
				memcpy(inf->xr + (size_t) t * I, X + (size_t) (L - 1 - t) * I, sizeof(float) * I);
			run_direction(inf, &net->layer[l][1], inf->xr, L, I, H,
						  inf->pad_h[l][1], inf->pad_c[l][1], skip, inf->out[1]);
			for (int t = 0; t < L; t++)
			{
				memcpy(inf->Y + (size_t) t * 2 * H, inf->out[0] + (size_t) t * H, sizeof(float) * H);
				memcpy(inf->Y + (size_t) t * 2 * H + H, inf->out[1] + (size_t) (L - 1 - t) * H,
					   sizeof(float) * H);
			}
		}
		else
			memcpy(inf->Y, inf->out[0], sizeof(float) * (size_t) L * H);
		/* this layer's output is the next one's input */
		if (l < Ltop)
			memcpy(X, inf->Y, sizeof(float) * (size_t) L * dirs * H);
	}

	/* pooling over the real steps of the top layer */
	{
		int			H = cfg->hidden[Ltop];
		float	   *pooled = inf->pooled;

		if (cfg->pooling == MR_POOL_LAST)
		{
			/* forward: after the last real step; reverse: after reading the first */
			memcpy(pooled, inf->Y + (size_t) (L - 1) * D, sizeof(float) * H);
			if (dirs == 2)
				memcpy(pooled + H, inf->Y + H, sizeof(float) * H);
		}
		else if (cfg->pooling == MR_POOL_MEAN)
		{
			memset(pooled, 0, sizeof(float) * D);
			for (int t = 0; t < L; t++)
				for (int k = 0; k < D; k++)
					pooled[k] += inf->Y[(size_t) t * D + k];
			for (int k = 0; k < D; k++)
				pooled[k] *= 1.0f / (float) L;
		}
		else
		{
			memcpy(pooled, inf->Y, sizeof(float) * D);
			for (int t = 1; t < L; t++)
				for (int k = 0; k < D; k++)
					if (inf->Y[(size_t) t * D + k] > pooled[k])
						pooled[k] = inf->Y[(size_t) t * D + k];
		}
		/* logits = pooled Wd + bd, then the head */
		memcpy(probs, net->bd, sizeof(float) * K);
		mr_sgemv_t(D, K, 1.0f, net->Wd, K, pooled, 1.0f, probs);
		mr_net_head(probs, K, cfg->head);
	}
}
