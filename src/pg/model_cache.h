/*
 * model_cache.h
 *	  Decoding a model bytea once per call site, not once per row.
 */
#ifndef MEDRNN_MODEL_CACHE_H
#define MEDRNN_MODEL_CACHE_H

#include "postgres.h"

#include "fmgr.h"

#include "mr_model.h"
#include "mr_predict.h"

/* A decoded model with its predictor, kept in fn_extra */
typedef struct MedrnnCachedModel
{
	MemoryContext cxt;			/* owns everything below */
	MrModel    *model;
	MrPredictor *predictor;		/* one-row prediction state */
	/* identity of the datum it came from */
	bool		external;		/* an on-disk TOAST pointer */
	Oid			toastrelid;
	Oid			valueid;
	bytea	   *copy;			/* otherwise the bytes themselves */
} MedrnnCachedModel;

/*
 * The decoded model passed as argument argno, decoded and validated at the
 * first call of this call site and whenever the argument changes.  An
 * invalid model raises "invalid medrnn model".
 */
MedrnnCachedModel *MedrnnGetModel(FunctionCallInfo fcinfo, int argno);

/*
 * What every use of a decoded model refuses before allocating its
 * predictor: a language model (42809), and a predictor larger than
 * medrnn.train_memory_limit (54000)
 */
void		MedrnnCheckPredictor(const MrModel *m);

/* Decode a bytea without caching (in the current memory context) */
MrModel    *MedrnnDecodeModel(bytea *b);

/* Decode and prepare a model for prediction in a new child context of parent */
MedrnnCachedModel *MedrnnLoadModel(MemoryContext parent, bytea *b);

#endif							/* MEDRNN_MODEL_CACHE_H */
