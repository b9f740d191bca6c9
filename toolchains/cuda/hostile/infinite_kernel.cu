// attack: a kernel that never ends (nothing forbidden: the wall clock must hold)
#include <cuda_runtime.h>

__global__ void spin(volatile long long* out, long long n) {
    while (true) out[threadIdx.x] = n;
}

long long hostile(long long n) {
    long long* d = nullptr;
    cudaMalloc(&d, 32 * sizeof(long long));
    spin<<<1, 32>>>(d, n);
    cudaDeviceSynchronize();
    return n + 1;
}
