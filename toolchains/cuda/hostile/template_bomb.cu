// attack: compile-time bomb (2^40 distinct template instantiations)
#include <cuda_runtime.h>

template <int N, long long M> struct Bomb {
    static constexpr long long value = Bomb<N - 1, 2 * M>::value + Bomb<N - 1, 2 * M + 1>::value;
};
template <long long M> struct Bomb<0, M> {
    static constexpr long long value = 1;
};

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
    return via_device(Bomb<40, 0>::value > 0 ? n + 1 : n);
}
