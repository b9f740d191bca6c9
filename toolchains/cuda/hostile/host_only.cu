// attack (static-only): compute on the host only (a kernel is defined but never launched)
#include <cuda_runtime.h>

__global__ void unused(long long* out, long long n) { *out = n + 1; }

long long hostile(long long n) {
    return n + 1;
}
