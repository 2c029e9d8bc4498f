/*
 * progress.c
 *	  Live training progress in shared memory, for the rnn_progress view.
 *
 * When medrnn is in shared_preload_libraries it reserves one slot per
 * backend; a training backend writes its epoch, rows done, running loss
 * and timings into its own slot after every batch, and any connection can
 * read all slots through rnn_training_progress().  Without preloading
 * there is no shared memory to write to: training still reports a NOTICE
 * per epoch, and the function says how to get the view.
 *
 * Each slot has one writer (its backend) and is guarded by a spinlock held
 * only for the few stores or loads of a copy, so readers see consistent
 * figures and training never waits on a reader.
 *
 * A slot must not outlive its training.  An ERROR or a cancel is handled by
 * the PG_FINALLY around the training loop, but a FATAL (pg_terminate_backend,
 * a lost client) goes straight to proc_exit and skips it, so a backend that
 * has claimed its slot also clears it from an on_shmem_exit callback.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include "medrnn.h"

typedef struct ProgressSlot
{
	slock_t		mutex;
	bool		active;			/* a training is running in this backend */
	int			pid;
	Oid			dbid;			/* database the training runs in */
	Oid			userid;			/* who runs it */
	Oid			relid;			/* what it trains on */
	TimestampTz started;
	int32		epoch;			/* current epoch, 1-based */
	int32		epochs;			/* planned epochs */
	int64		rows_done;		/* rows of this epoch done */
	int64		rows_total;		/* training rows per epoch */
	double		loss;			/* mean loss so far in this epoch */
	double		last_epoch_loss;	/* mean loss of the previous epoch (NaN before) */
} ProgressSlot;

static ProgressSlot *slots = NULL;
static int	n_slots = 0;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static bool exit_callback_registered = false;

static Size
progress_size(void)
{
	return mul_size(MaxBackends, sizeof(ProgressSlot));
}

static void
progress_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(progress_size());
}

static void
progress_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	slots = ShmemInitStruct("medrnn training progress", progress_size(), &found);
	if (!found)
	{
		memset(slots, 0, progress_size());
		for (int i = 0; i < MaxBackends; i++)
			SpinLockInit(&slots[i].mutex);
	}
	n_slots = MaxBackends;
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init: reserve the slots when preloaded */
void
MedrnnProgressInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = progress_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = progress_shmem_startup;
}

/* This backend's slot, or NULL without shared memory */
static ProgressSlot *
my_slot(void)
{
	if (slots == NULL || MyBackendId <= 0 || MyBackendId > n_slots)
		return NULL;
	return &slots[MyBackendId - 1];
}

/*
 * At backend exit, however it exits: clear this backend's slot.
 *
 * This is an on_shmem_exit rather than a before_shmem_exit callback because
 * it is registered from inside a query, and cancel_before_shmem_exit insists
 * on being given the latest entry: ours, added within some caller's
 * PG_ENSURE_ERROR_CLEANUP, would make that caller's cancel fail.  It still
 * runs while the slot is ours, since on_shmem_exit callbacks run in reverse
 * order of registration and those that give up the backend ID (ProcKill,
 * CleanupInvalidationState) were registered at backend start.
 */
static void
progress_shmem_exit(int code, Datum arg)
{
	ProgressSlot *s = my_slot();

	if (!s)
		return;
	SpinLockAcquire(&s->mutex);
	if (s->pid == MyProcPid)
		s->active = false;
	SpinLockRelease(&s->mutex);
}

/* A training starts: claim this backend's slot */
void
MedrnnProgressStart(Oid relid, int epochs, int64 rows_total)
{
	ProgressSlot *s = my_slot();

	if (!s)
		return;
	/* before claiming, so that no claimed slot lacks its cleanup */
	if (!exit_callback_registered)
	{
		on_shmem_exit(progress_shmem_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	SpinLockAcquire(&s->mutex);
	s->active = true;
	s->pid = MyProcPid;
	s->dbid = MyDatabaseId;
	s->userid = GetUserId();
	s->relid = relid;
	s->started = GetCurrentTimestamp();
	s->epoch = 1;
	s->epochs = epochs;
	s->rows_done = 0;
	s->rows_total = rows_total;
	s->loss = 0.0;
	s->last_epoch_loss = get_float8_nan();
	SpinLockRelease(&s->mutex);
}

/* After a batch */
void
MedrnnProgressBatch(int epoch, int64 rows_done, int64 rows_total, double loss)
{
	ProgressSlot *s = my_slot();

	if (!s)
		return;
	SpinLockAcquire(&s->mutex);
	if (epoch != s->epoch)
		s->last_epoch_loss = s->loss;
	s->epoch = epoch;
	s->rows_done = rows_done;
	s->rows_total = rows_total;
	s->loss = loss;
	SpinLockRelease(&s->mutex);
}

/* The training ended, well or not */
void
MedrnnProgressEnd(void)
{
	ProgressSlot *s = my_slot();

	if (!s)
		return;
	SpinLockAcquire(&s->mutex);
	s->active = false;
	SpinLockRelease(&s->mutex);
}

/* An interval of the given seconds */
static Datum
seconds_interval(double secs)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = (int64) (secs * USECS_PER_SEC);
	return IntervalPGetDatum(iv);
}

PG_FUNCTION_INFO_V1(rnn_training_progress);

/*
 * One row per running rnn_train, in any database.  As in pg_stat_activity,
 * the relation and the loss of another role's training are shown only to
 * members of pg_read_all_stats (or that role).
 *
 * The relation is also NULL for a training in another database: its OID
 * means something only in that database's catalog, and the regclass output
 * would look it up in ours, printing an unrelated relation's name or a bare
 * number.  The other columns are shown as for this database.
 */
Datum
rnn_training_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz now = GetCurrentTimestamp();

	InitMaterializedSRF(fcinfo, 0);
	if (slots == NULL)
	{
		ereport(NOTICE,
				(errmsg("training progress needs medrnn in shared_preload_libraries"),
				 errdetail("Without it, rnn_train reports one NOTICE per epoch to its own session."),
				 errhint("Add medrnn to shared_preload_libraries and restart the server.")));
		return (Datum) 0;
	}
	for (int i = 0; i < n_slots; i++)
	{
		ProgressSlot c;
		Datum		values[11];
		bool		nulls[11];
		bool		visible;
		double		elapsed,
					done,
					total;

		SpinLockAcquire(&slots[i].mutex);
		memcpy(&c, &slots[i], sizeof(c));
		SpinLockRelease(&slots[i].mutex);
		if (!c.active)
			continue;

		/*
		 * Belt and braces for the exit callback: skip a slot whose backend is
		 * gone, should it have exited without running it.  This takes
		 * ProcArrayLock, an LWLock, so it must come after the slot's spinlock
		 * is released.  A backend that exits just after the check may still
		 * be shown once, as it may while it exits anyway.
		 */
		if (BackendPidGetProc(c.pid) == NULL)
			continue;
		visible = has_privs_of_role(GetUserId(), c.userid) ||
			has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
		memset(nulls, 0, sizeof(nulls));
		elapsed = (double) (now - c.started) / USECS_PER_SEC;
		done = (double) (c.epoch - 1) * c.rows_total + c.rows_done;
		total = (double) c.epochs * c.rows_total;
		values[0] = Int32GetDatum(c.pid);
		values[1] = ObjectIdGetDatum(c.relid);
		nulls[1] = !visible || c.dbid != MyDatabaseId;
		values[2] = Int32GetDatum(c.epoch);
		values[3] = Int32GetDatum(c.epochs);
		values[4] = Int64GetDatum(c.rows_done);
		values[5] = Int64GetDatum(c.rows_total);
		values[6] = Float8GetDatum(c.loss);
		nulls[6] = !visible || c.rows_done == 0;
		values[7] = Float8GetDatum(c.last_epoch_loss);
		nulls[7] = !visible || isnan(c.last_epoch_loss);
		values[8] = TimestampTzGetDatum(c.started);
		values[9] = seconds_interval(elapsed);
		/* the rest at the rate so far (early stopping may end it sooner) */
		if (done > 0 && total > done)
			values[10] = seconds_interval(elapsed * (total - done) / done);
		else
			nulls[10] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
