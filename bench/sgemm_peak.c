/*
 * sgemm_peak.c
 *	  What cblas_sgemm reaches on this machine: the yardstick the training
 *	  throughput in bench/run.sh is set against.
 *
 *	  sgemm_peak [--threads N] [--seconds S]
 *
 * Times C = A B (single precision, row-major, beta 0) for a large square
 * product and for the shapes one training batch of the default model
 * multiplies (B 32 rows, T 100 steps, E 128, H 128 then 64), each for at
 * least S seconds (default 1) and best of three, on N OpenBLAS threads
 * (default 1).  Prints one RESULT line per shape and then the best, with
 * 2 M N K floating-point operations per product.  OPENBLAS_CORETYPE is
 * respected; the kernel OpenBLAS chose is printed.
 *
 * Build: cc -O2 -o sgemm_peak sgemm_peak.c -lopenblas
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern void openblas_set_num_threads(int n);
extern int	openblas_get_num_threads(void);

/* One product C (M, N) = op(A) op(B), inner dimension K */
typedef struct Shape
{
	const char *name;
	const char *what;			/* where the default model multiplies it */
	int			M,
				N,
				K;
	int			transA;			/* A stored (K, M) */
} Shape;

static const Shape shapes[] = {
	{"square_2048", "2048^3, the usual peak", 2048, 2048, 2048, 0},
	{"x_proj_l1", "(T B x E)(E x 4H1): layer-1 input projection, all steps", 3200, 512, 128, 0},
	{"step_l1", "(B x H1)(H1 x 4H1): layer-1 recurrent step", 32, 512, 128, 0},
	{"dW_l1", "(E x T B)(T B x 4H1): layer-1 weight gradient", 128, 512, 3200, 1},
	{"x_proj_l2", "(T B x H1)(H1 x 4H2): layer-2 input projection", 3200, 256, 128, 0},
	{"step_l2", "(B x H2)(H2 x 4H2): layer-2 recurrent step", 32, 256, 64, 0},
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A 64-byte aligned array of n floats filled with small values */
static float *
new_matrix(size_t n, unsigned seed)
{
	float	   *p = NULL;

	if (posix_memalign((void **) &p, 64, n * sizeof(float)) != 0)
	{
		fprintf(stderr, "sgemm_peak: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
	{
		seed = seed * 1103515245u + 12345u;
		p[i] = (float) ((seed >> 16) & 0x7fff) / 32768.0f - 0.5f;
	}
	return p;
}

/* GFLOP/s of one shape: best of three runs of at least min_seconds each */
static double
time_shape(const Shape *s, double min_seconds)
{
	float	   *A = new_matrix((size_t) s->M * s->K, 1);
	float	   *B = new_matrix((size_t) s->K * s->N, 2);
	float	   *C = new_matrix((size_t) s->M * s->N, 3);
	double		flops = 2.0 * s->M * s->N * s->K;
	double		best = 0.0;
	int			lda = s->transA ? s->M : s->K;

	/* warm up: thread pool, page faults, caches */
	for (int i = 0; i < 3; i++)
		cblas_sgemm(CblasRowMajor, s->transA ? CblasTrans : CblasNoTrans, CblasNoTrans,
					s->M, s->N, s->K, 1.0f, A, lda, B, s->N, 0.0f, C, s->N);
	for (int trial = 0; trial < 3; trial++)
	{
		long		reps = 0;
		double		t0 = now(),
					dt;

		do
		{
			cblas_sgemm(CblasRowMajor, s->transA ? CblasTrans : CblasNoTrans, CblasNoTrans,
						s->M, s->N, s->K, 1.0f, A, lda, B, s->N, 0.0f, C, s->N);
			reps++;
			dt = now() - t0;
		} while (dt < min_seconds);
		if (reps * flops / dt / 1e9 > best)
			best = reps * flops / dt / 1e9;
	}
	free(A);
	free(B);
	free(C);
	return best;
}

int
main(int argc, char **argv)
{
	int			threads = 1;
	double		seconds = 1.0;
	double		best = 0.0;
	const char *best_name = "";

	for (int i = 1; i < argc; i++)
	{
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else
		{
			fprintf(stderr, "usage: %s [--threads N] [--seconds S]\n", argv[0]);
			return 2;
		}
	}
	if (threads < 1 || seconds <= 0.0)
	{
		fprintf(stderr, "sgemm_peak: --threads must be >= 1 and --seconds > 0\n");
		return 2;
	}
	openblas_set_num_threads(threads);
	printf("# OpenBLAS core %s, threads %d | %s\n",
		   openblas_get_corename(), openblas_get_num_threads(), openblas_get_config());
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
	{
		const Shape *s = &shapes[i];
		double		g = time_shape(s, seconds);

		printf("RESULT sgemm shape=%s M=%d N=%d K=%d threads=%d gflops=%.2f  # %s\n",
			   s->name, s->M, s->N, s->K, threads, g, s->what);
		fflush(stdout);
		if (g > best)
		{
			best = g;
			best_name = s->name;
		}
	}
	printf("RESULT sgemm_peak threads=%d gflops=%.2f shape=%s core=%s\n",
		   threads, best, best_name, openblas_get_corename());
	return 0;
}
