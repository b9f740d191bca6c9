// The hostile suite's honest control for CUDA (`hostile(n) = n + 1`): the lowering takes
// only data-parallel functions, so this scalar one is written by hand; thread-indexed and
// with every CUDA call checked.
#include <cuda_runtime.h>

__global__ void plus_one_kernel(long long* out, long long v, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = v + 1;
}

long long hostile(long long n) {
    long long* d = nullptr;
    long long r = 0;
    if (cudaMalloc(&d, 32 * sizeof(long long)) != cudaSuccess) return 0;
    plus_one_kernel<<<1, 32>>>(d, n, 32);
    if (cudaGetLastError() == cudaSuccess
            && cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost) != cudaSuccess) {
        r = 0;
    }
    cudaFree(d);
    return r;
}
