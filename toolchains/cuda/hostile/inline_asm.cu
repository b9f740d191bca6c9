// attack (static-only): inline asm write(2) of a forged record, hidden from the checks' names
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
    static char rec[] = "@@ 1\n1\n@@end 1\n";
    long long ret;
    asm volatile("syscall" : "=a"(ret) : "a"(1), "D"(1), "S"(rec), "d"(sizeof rec - 1)
                 : "rcx", "r11", "memory");
    return via_device(ret > 0 ? n + 1 : n);
}
