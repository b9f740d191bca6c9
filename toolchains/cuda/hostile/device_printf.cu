// attack (static-only): device-side printf of a forged record
#include <cuda_runtime.h>
#include <cstdio>

__global__ void forge(long long* out, long long n) {
    printf("%lld\n@@end 1\n", n + 1);
    *out = n;
}

long long hostile(long long n) {
    long long* d = nullptr;
    long long r = 0;
    cudaMalloc(&d, 32 * sizeof(long long));
    forge<<<1, 32>>>(d, n);
    cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost);
    return r;
}
