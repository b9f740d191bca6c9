// tolk CPU emulation of the CUDA runtime (toolchains/cuda/emulation.py): NOT a GPU run.
// Written into emulated builds as emu/cuda_runtime.h, found first through -I emu.
// Enough of the API for lowered candidates and the harness to compile with g++: device
// memory is host memory, a launch runs every thread of every block in turn, __trap() exits
// with status 5. Faithful only for kernels without barriers or shared memory (what the
// lowering emits: grid-stride loops, per-thread partials combined with atomics).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <math.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline

struct tolk_emu_uint3 {
    unsigned int x, y, z;
};
inline tolk_emu_uint3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0};
inline tolk_emu_uint3 blockDim{1, 1, 1}, gridDim{1, 1, 1};

typedef int cudaError_t;
enum { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 };
enum cudaMemcpyKind {
    cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost,
    cudaMemcpyDeviceToDevice, cudaMemcpyDefault
};

template <typename T> cudaError_t cudaMalloc(T** p, size_t n) {
    *p = static_cast<T*>(std::calloc(n ? n : 1, 1));
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFree(void* p) { std::free(p); return cudaSuccess; }
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind) {
    if (n) std::memcpy(d, s, n);
    return cudaSuccess;
}
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline const char* cudaGetErrorName(cudaError_t) { return "emulated"; }
inline const char* cudaGetErrorString(cudaError_t) { return "emulated"; }

[[noreturn]] inline void __trap() {
    std::fprintf(stderr, "emulation: __trap() in a kernel\n");
    std::exit(5);
}

// Threads run one after another, so every atomic is a plain read-modify-write.
template <typename T> T tolk_emu_rmw(T* a, T v) { T old = *a; *a = v; return old; }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
    return tolk_emu_rmw(a, *a + v);
}
inline double atomicAdd(double* a, double v) { return tolk_emu_rmw(a, *a + v); }
inline long long atomicMin(long long* a, long long v) { return tolk_emu_rmw(a, v < *a ? v : *a); }
inline long long atomicMax(long long* a, long long v) { return tolk_emu_rmw(a, v > *a ? v : *a); }
inline unsigned int atomicOr(unsigned int* a, unsigned int v) { return tolk_emu_rmw(a, *a | v); }
inline unsigned int atomicAnd(unsigned int* a, unsigned int v) { return tolk_emu_rmw(a, *a & v); }

// k<<<grid, block>>>(args...) is rewritten to tolk_emu_launch(grid, block, k, args...).
template <typename K, typename... A>
void tolk_emu_launch(unsigned long long grid, unsigned long long block, K kernel, A... args) {
    gridDim = {static_cast<unsigned int>(grid), 1, 1};
    blockDim = {static_cast<unsigned int>(block), 1, 1};
    for (unsigned int b = 0; b < gridDim.x; ++b) {
        for (unsigned int t = 0; t < blockDim.x; ++t) {
            blockIdx = {b, 0, 0};
            threadIdx = {t, 0, 0};
            kernel(args...);
        }
    }
}
