/*
 * test_blas.c
 *	  mr_sgemm (OpenBLAS) against the naive reference, every transpose.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mr_blas.h"
#include "mr_rng.h"
#include "mr_test.h"

static void
check_case(int ta, int tb, int M, int N, int K, float beta, MrRng *rng)
{
	int			lda = (ta ? M : K) + 3;
	int			ldb = (tb ? K : N) + 1;
	int			ldc = N + 2;
	size_t		na = (size_t) (ta ? K : M) * lda,
				nb = (size_t) (tb ? N : K) * ldb,
				nc = (size_t) M * ldc;
	float	   *A = malloc(sizeof(float) * na),
			   *B = malloc(sizeof(float) * nb),
			   *C1 = malloc(sizeof(float) * nc),
			   *C2 = malloc(sizeof(float) * nc);

	for (size_t i = 0; i < na; i++)
		A[i] = mr_rng_uniform(rng) - 0.5f;
	for (size_t i = 0; i < nb; i++)
		B[i] = mr_rng_uniform(rng) - 0.5f;
	for (size_t i = 0; i < nc; i++)
		C1[i] = C2[i] = beta == 0.0f ? NAN : mr_rng_uniform(rng);
	mr_sgemm(ta, tb, M, N, K, 0.7f, A, lda, B, ldb, beta, C1, ldc);
	mr_sgemm_naive(ta, tb, M, N, K, 0.7f, A, lda, B, ldb, beta, C2, ldc);
	/* compare only the M x N block; padding columns must be untouched */
	{
		int			ok = 1;

		for (int i = 0; i < M && ok; i++)
			ok = mr_check_close(C1 + (size_t) i * ldc, C2 + (size_t) i * ldc, N, 1e-5, "C");
		MR_CHECK(ok, "sgemm ta=%d tb=%d M=%d N=%d K=%d beta=%g matches naive", ta, tb, M, N, K, beta);
	}
	free(A);
	free(B);
	free(C1);
	free(C2);
}

void
test_blas(void)
{
	MrRng		rng;

	mr_rng_seed(&rng, 1);
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++)
		{
			check_case(ta, tb, 7, 5, 3, 0.0f, &rng);
			check_case(ta, tb, 33, 65, 17, 1.0f, &rng);
		}
	check_case(0, 0, 1, 512, 128, 1.0f, &rng);
	MR_CHECK(mr_blas_corename() != NULL && strlen(mr_blas_corename()) > 0,
			 "OpenBLAS reports a core name (%s)", mr_blas_corename());
}
