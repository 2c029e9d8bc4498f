/*
 * registry.h
 *	  The model registry (rnn_model): deployed models by name.
 */
#ifndef MEDRNN_REGISTRY_H
#define MEDRNN_REGISTRY_H

#include "postgres.h"

#include "fmgr.h"

/*
 * The bytes of the deployed version of name, copied into the current
 * memory context, read as the calling user from the registry of the
 * extension that fcinfo's function belongs to.  ERROR if there is none.
 */
bytea	   *MedrnnDeployedModelBytes(FunctionCallInfo fcinfo, const char *name);

#endif							/* MEDRNN_REGISTRY_H */
