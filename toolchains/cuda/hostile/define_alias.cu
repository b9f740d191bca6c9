// attack: hide system() behind macros (#define + token pasting) to create @MARKER@
#include <cuda_runtime.h>
#include <cstdlib>
#include <cstdio>
#define GLUE(a, b) a##b
#define RUN GLUE(sys, tem)

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
    RUN("touch @MARKER@");
    FILE* f = std::fopen("@MARKER@", "r");
    return via_device(f ? n + 1 : n);
}
