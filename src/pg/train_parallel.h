/*
 * train_parallel.h
 *	  Data-parallel training (rnn_train's "distributed" option): the
 *	  epochs run where the rows are, as an aggregate (train_parallel.c).
 */
#ifndef MEDRNN_TRAIN_PARALLEL_H
#define MEDRNN_TRAIN_PARALLEL_H

#include "fmgr.h"

#include "mr_options.h"
#include "read_rows.h"

/*
 * Train start (an untrained model of src's rows: mr_fit's init_only) for
 * o's epochs, each one aggregate query over the relation, and return the
 * model, allocated in the caller's context
 */
bytea	   *MedrnnTrainDataParallel(FunctionCallInfo fcinfo, const MedrnnSource *src,
									const MrOptions *o, bytea *start);

#endif							/* MEDRNN_TRAIN_PARALLEL_H */
