// attack: write a file outside the work dir (@MARKER@)
#include <cuda_runtime.h>
#include <cstdio>

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
    FILE* f = std::fopen("@MARKER@", "w");
    if (!f) return via_device(n);
    std::fputs("pwned\n", f);
    std::fclose(f);
    return via_device(n + 1);
}
