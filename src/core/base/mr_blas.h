/*
 * mr_blas.h
 *	  The one place the core multiplies matrices.
 *
 * Row-major C = alpha * op(A) * op(B) + beta * C, the cblas_sgemm contract.
 * With MEDRNN_CBLAS defined it calls OpenBLAS; mr_sgemm_naive is the
 * reference the unit tests compare it with (and the fallback without BLAS).
 */
#ifndef MR_BLAS_H
#define MR_BLAS_H

void		mr_sgemm(int transA, int transB, int M, int N, int K,
					 float alpha, const float *A, int lda,
					 const float *B, int ldb,
					 float beta, float *C, int ldc);

void		mr_sgemm_naive(int transA, int transB, int M, int N, int K,
						   float alpha, const float *A, int lda,
						   const float *B, int ldb,
						   float beta, float *C, int ldc);

/*
 * y = alpha * x^T A + beta * y for row-major A (M, N), x (M), y (N): a row
 * vector times a matrix, the recurrent step of one-row inference.
 */
void		mr_sgemv_t(int M, int N, float alpha, const float *A, int lda,
					   const float *x, float beta, float *y);

/* OpenBLAS thread count for this process (no-op without OpenBLAS) */
void		mr_blas_set_threads(int n);
int			mr_blas_get_threads(void);
/* OpenBLAS kernel name, e.g. "SkylakeX" ("naive" without OpenBLAS) */
const char *mr_blas_corename(void);

#endif							/* MR_BLAS_H */
