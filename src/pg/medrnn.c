/*
 * medrnn.c
 *	  Module entry point and the medrnn.* settings.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "medrnn.h"
#include "mr_blas.h"

PG_MODULE_MAGIC;

/* Threads this backend may use for training (each batch is split among them) */
int			medrnn_threads = 1;

/* Memory a training run may use, in kB (rows, model, optimizer, activations) */
int			medrnn_train_memory_limit = 1024 * 1024;

void		_PG_init(void);

/* Define the medrnn.* settings */
void
MedrnnInitGucs(void)
{
	DefineCustomIntVariable("medrnn.threads",
							"Sets the number of threads a backend uses for training.",
							"Each training batch is split among this many threads, so every "
							"backend that trains can use this many cores; keep it low on a "
							"shared server.  Prediction always uses one thread per backend "
							"(use parallel query to spread it over cores).",
							&medrnn_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("medrnn.train_memory_limit",
							"Sets the maximum memory one rnn_train call may use.",
							"Covers the tokenized rows, the model, its optimizer state and "
							"the activations of one batch.  Training stops with an error "
							"before going over it.",
							&medrnn_train_memory_limit,
							1024 * 1024, 1024, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("medrnn");
}

void
_PG_init(void)
{
	MedrnnInitGucs();
	MedrnnProgressInit();
	/* one OpenBLAS thread: medrnn splits work itself (see mr_train.c) */
	mr_blas_set_threads(1);
}
