// tolk CPU emulation of the CUDA runtime (toolchains/cuda/emulation.py): NOT a GPU run.
// Written into emulated builds as emu/cuda_runtime.h, found first through -I emu.
// Enough of the API for lowered candidates and the harness to compile with g++: device
// memory is host memory, a launch runs every thread of every block in turn, __trap() exits
// with status 5. Threads of a block are coroutines switched at __syncthreads(); warp
// intrinsics (shuffles, votes) and concurrent atomics are not modelled.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <math.h>
#include <memory>
#include <ucontext.h>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static

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

// The threads of a block are coroutines (ucontext): __syncthreads() hands control back to
// the launcher, which resumes every live thread of the block in turn, so a block-level
// shared-memory tree sees every write of the previous phase. Blocks run one after another,
// which lets __shared__ arrays be plain statics.
inline ucontext_t tolk_emu_sched;
inline ucontext_t* tolk_emu_self = nullptr;
inline std::function<void()>* tolk_emu_body = nullptr;
inline std::vector<char>* tolk_emu_done = nullptr;
inline unsigned int tolk_emu_cur = 0;

inline void __syncthreads() {
    if (tolk_emu_self) swapcontext(tolk_emu_self, &tolk_emu_sched);
}

// A finished thread marks itself done and returns to the launcher through uc_link.
inline void tolk_emu_thread() {
    (*tolk_emu_body)();
    (*tolk_emu_done)[tolk_emu_cur] = 1;
}

// k<<<grid, block>>>(args...) is rewritten to tolk_emu_launch(grid, block, k, args...).
template <typename K, typename... A>
void tolk_emu_launch(unsigned long long grid, unsigned long long block, K kernel, A... args) {
    gridDim = {static_cast<unsigned int>(grid), 1, 1};
    blockDim = {static_cast<unsigned int>(block), 1, 1};
    const size_t stack = 64 * 1024;
    std::vector<ucontext_t> ctx(block);
    std::unique_ptr<char[]> stacks(new char[block * stack]);  // not zeroed: only stacks
    std::vector<char> done(block);
    std::function<void()> body = [&]() { kernel(args...); };
    tolk_emu_body = &body;
    tolk_emu_done = &done;
    for (unsigned int b = 0; b < gridDim.x; ++b) {
        blockIdx = {b, 0, 0};
        for (unsigned int t = 0; t < blockDim.x; ++t) {
            getcontext(&ctx[t]);
            ctx[t].uc_stack.ss_sp = stacks.get() + t * stack;
            ctx[t].uc_stack.ss_size = stack;
            ctx[t].uc_link = &tolk_emu_sched;
            makecontext(&ctx[t], tolk_emu_thread, 0);
            done[t] = 0;
        }
        for (bool live = true; live;) {
            live = false;
            for (unsigned int t = 0; t < blockDim.x; ++t) {
                if (done[t]) continue;
                threadIdx = {t, 0, 0};
                tolk_emu_cur = t;
                tolk_emu_self = &ctx[t];
                swapcontext(&tolk_emu_sched, &ctx[t]);
                live = live || !done[t];
            }
        }
    }
    tolk_emu_self = nullptr;
}
