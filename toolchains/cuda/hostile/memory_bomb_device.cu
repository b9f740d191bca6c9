// attack: device memory bomb (cudaMalloc 1 GiB at a time, never freed, up to 4 TiB)
#include <cuda_runtime.h>

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
    long long got = 0;
    for (int i = 0; i < 4096; ++i) {
        void* p = nullptr;
        if (cudaMalloc(&p, 1ULL << 30) != cudaSuccess) break;
        ++got;
    }
    cudaGetLastError();  // hide the failed allocation from the harness
    return via_device(got == 4096 ? n + 1 : n);
}
