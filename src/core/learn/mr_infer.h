/*
 * mr_infer.h
 *	  One-row inference: the network's forward pass for a single input,
 *	  computing only the real (non-padding) steps.
 *
 * Padding tokens carry no information about the row, so the LSTM states
 * they lead to are the same for every row: mr_infer_new runs the network
 * once over an all-padding row and keeps those states.  A row with L real
 * tokens then starts each layer from the state after T - L padding steps
 * ("pre" padding; "post" padding comes after the real steps and never
 * reaches the pooled output) and runs L steps instead of T.  The result
 * equals the batched forward pass of mr_net.h up to float rounding (the
 * unit tests bound the difference).
 *
 * Every SQL function that predicts goes through mr_infer_row, so a given
 * model and input give the same probabilities whatever the query: the
 * arithmetic depends only on the row itself.
 */
#ifndef MR_INFER_H
#define MR_INFER_H

#include "mr_common.h"
#include "mr_net.h"

typedef struct MrInfer MrInfer;

/* Prepare inference for net (which must outlive it) */
MrStatus	mr_infer_new(const MrNet *net, const MrAllocator *a, MrInfer **out);
void		mr_infer_free(MrInfer *inf, const MrAllocator *a);

/*
 * Class probabilities (K) of one row.  ids is the padded window of T token
 * ids (NULL for a features-only network), feats its (T, F) features (NULL
 * without features), L its real length.
 */
void		mr_infer_row(MrInfer *inf, const int32_t *ids, const float *feats,
						 int32_t L, float *probs);

/* Bytes mr_infer_new allocates for a config */
MrStatus	mr_infer_size(const MrNetConfig *cfg, size_t *bytes);

#endif							/* MR_INFER_H */
