// attack: read the validator's environment (TOLK_HOSTILE_CANARY)
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
    const char* v = std::getenv("TOLK_HOSTILE_CANARY");
    return via_device(v && std::strcmp(v, "leaked") == 0 ? n + 1 : n);
}
