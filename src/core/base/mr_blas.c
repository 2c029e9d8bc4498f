/*
 * mr_blas.c
 *	  sgemm through OpenBLAS, and a naive reference with the same contract.
 */
#include "mr_blas.h"

#ifdef MEDRNN_CBLAS
#include <cblas.h>
#endif

/* Reference sgemm: straight loops, double accumulation */
void
mr_sgemm_naive(int transA, int transB, int M, int N, int K,
			   float alpha, const float *A, int lda,
			   const float *B, int ldb,
			   float beta, float *C, int ldc)
{
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++)
		{
			double		acc = 0.0;

			for (int k = 0; k < K; k++)
			{
				float		a = transA ? A[(long) k * lda + i] : A[(long) i * lda + k];
				float		b = transB ? B[(long) j * ldb + k] : B[(long) k * ldb + j];

				acc += (double) a * b;
			}
			/* beta == 0 must ignore C, which may hold garbage (BLAS rule) */
			C[(long) i * ldc + j] = (float) (alpha * acc +
											 (beta == 0.0f ? 0.0 : (double) beta * C[(long) i * ldc + j]));
		}
}

/* C = alpha op(A) op(B) + beta C, row-major */
void
mr_sgemm(int transA, int transB, int M, int N, int K,
		 float alpha, const float *A, int lda,
		 const float *B, int ldb,
		 float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	if (K <= 0)
	{
		/* BLAS scales C by beta; do it here so callers need not care */
		for (int i = 0; i < M; i++)
			for (int j = 0; j < N; j++)
				C[(long) i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(long) i * ldc + j];
		return;
	}
#ifdef MEDRNN_CBLAS
	cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
				transB ? CblasTrans : CblasNoTrans,
				M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
	mr_sgemm_naive(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

/* y = alpha x^T A + beta y */
void
mr_sgemv_t(int M, int N, float alpha, const float *A, int lda,
		   const float *x, float beta, float *y)
{
	if (N <= 0)
		return;
#ifdef MEDRNN_CBLAS
	if (M > 0)
	{
		cblas_sgemv(CblasRowMajor, CblasTrans, M, N, alpha, A, lda, x, 1, beta, y, 1);
		return;
	}
#endif
	mr_sgemm_naive(1, 0, N, 1, M, alpha, A, lda, x, 1, beta, y, 1);
}

void
mr_blas_set_threads(int n)
{
#ifdef MEDRNN_CBLAS
	if (n >= 1 && openblas_get_num_threads() != n)
		openblas_set_num_threads(n);
#else
	(void) n;
#endif
}

int
mr_blas_get_threads(void)
{
#ifdef MEDRNN_CBLAS
	return openblas_get_num_threads();
#else
	return 1;
#endif
}

const char *
mr_blas_corename(void)
{
#ifdef MEDRNN_CBLAS
	return openblas_get_corename();
#else
	return "naive";
#endif
}
