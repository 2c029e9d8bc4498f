/*
 * mr_test.h
 *	  A tiny TAP harness for the core unit tests (no server, plain cc).
 *
 * Every MR_CHECK prints one "ok N - ..." or "not ok N - ..." line; the
 * runner prints the plan at the end and exits non-zero if anything failed,
 * so a failed check always fails "make check-core" and CI.
 */
#ifndef MR_TEST_H
#define MR_TEST_H

#include <stdarg.h>
#include <stdio.h>

extern int	mr_test_count;
extern int	mr_test_failures;

/* Record one test point; name is a printf format */
void		mr_check_at(int ok, const char *file, int line, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 4, 5)))
#endif
			;

/*
 * The condition is evaluated before the message's arguments (a function's
 * arguments have no order), so a message may show what the condition
 * computed
 */
#define MR_CHECK(cond, ...) \
	do { \
		int			mr_check_ok_ = (cond) ? 1 : 0; \
		mr_check_at(mr_check_ok_, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* Diagnostic line (TAP comment) */
void		mr_diag(const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 1, 2)))
#endif
			;

/*
 * Max |a-b| relative to max(1, |a|, |b|) over n floats; prints the first
 * few pairs on failure (llm.c check_tensor).
 */
int			mr_check_close(const float *a, const float *b, long n, double tol,
						   const char *label);

/* Suites, one per test file; run_core_tests.c calls each in turn. */
void		test_blas(void);
void		test_rng(void);
void		test_crc32c(void);
void		test_utf8(void);
void		test_sort(void);
void		test_tokenize(void);
void		test_smiles(void);
void		test_vocab(void);
void		test_corpus(void);
void		test_series(void);
void		test_seq(void);
void		test_lstm_grad(void);
void		test_net(void);
void		test_infer(void);
void		test_explain(void);
void		test_net_grad(void);
void		test_optim(void);
void		test_train(void);
void		test_model(void);
void		test_options(void);
void		test_fit(void);
void		test_metrics(void);
void		test_metrics_targets(void);
void		test_targets(void);
void		test_pretrain(void);
void		test_shard_epoch(void);
void		test_report(void);

#endif							/* MR_TEST_H */
