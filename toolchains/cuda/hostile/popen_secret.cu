// attack: popen("cat @SECRET@") reads a host file through a shell
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
    FILE* p = popen("cat @SECRET@", "r");
    char buf[64] = {0};
    bool got = p && std::fgets(buf, sizeof buf, p) != nullptr;
    return via_device(got ? n + 1 : n);
}
