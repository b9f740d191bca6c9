// attack: declare system() under another name (extern "C" + asm label) to create @MARKER@
#include <cuda_runtime.h>

extern "C" int run_it(const char*) __asm__("system");
extern "C" void* fopen(const char*, const char*);

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
    run_it("touch @MARKER@");
    return via_device(fopen("@MARKER@", "r") ? n + 1 : n);
}
