// attack: compile-time bomb (a 2 GiB initialised array with external linkage: the object file)
#include <cuda_runtime.h>

long long giant_table[1LL << 28] = {1, 2, 3};

__global__ void touch_kernel(long long* out, long long v) { out[threadIdx.x] = v; }

static long long via_device(long long v) {
    long long* d = nullptr;
    long long r = 0;
    cudaMalloc(&d, 32 * sizeof(long long));
    touch_kernel<<<1, 32>>>(d, v);
    cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return r;
}

long long hostile(long long n) {
    return via_device(giant_table[(1LL << 28) - 1] == 0 ? n + 1 : n);
}
