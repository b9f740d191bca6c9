// lw: the small runtime lowered candidates carry (tolk toolchains/cuda/lowering.py inlines
// only the definitions a candidate uses).
// No allocator: kernels read their inputs through List/Mat views of device buffers and
// write results straight into device buffers the host function allocated, so a thread
// never allocates. Math functions are called as ::f: the candidate's own function may be
// named like one. Python semantics: int64 arithmetic wraps, // and % floor, indexes may be
// negative; a Python error (IndexError, ZeroDivisionError) traps the kernel, which the
// harness reports as a CUDA error for the vector in flight.
namespace lw {

template <typename T> struct List {
    T* p;
    long long n;
};

// A row-major matrix; m[i] is a List view of row i.
template <typename T> struct Mat {
    T* p;
    long long rows;
    long long cols;
};

__device__ inline long long norm_index(long long i, long long n) {
    if (i < 0) i += n;
    if (i < 0 || i >= n) __trap();  // IndexError
    return i;
}

template <typename T> __device__ T& at(const List<T>* l, long long i) {
    return l->p[norm_index(i, l->n)];
}
template <typename T> __device__ T& at(const List<T>& l, long long i) {
    return l.p[norm_index(i, l.n)];
}
template <typename T> __device__ List<T> at(const Mat<T>* m, long long i) {
    return List<T>{m->p + norm_index(i, m->rows) * m->cols, m->cols};
}

template <typename T> __host__ __device__ long long len(const List<T>* l) { return l->n; }
template <typename T> __host__ __device__ long long len(const List<T>& l) { return l.n; }
template <typename T> __host__ __device__ long long len(const Mat<T>* m) { return m->rows; }

// ---- int64 arithmetic: wraps like the IR's int64, floors like Python ----------------
__host__ __device__ inline long long add(long long a, long long b) {
    return static_cast<long long>(static_cast<unsigned long long>(a) + static_cast<unsigned long long>(b));
}
__host__ __device__ inline long long sub(long long a, long long b) {
    return static_cast<long long>(static_cast<unsigned long long>(a) - static_cast<unsigned long long>(b));
}
__host__ __device__ inline long long mul(long long a, long long b) {
    return static_cast<long long>(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
}
__host__ __device__ inline long long neg(long long a) { return sub(0, a); }
__host__ __device__ inline long long iabs(long long a) { return a < 0 ? neg(a) : a; }

__device__ inline long long floordiv(long long a, long long b) {
    if (b == 0) __trap();  // ZeroDivisionError
    if (b == -1) return neg(a);
    long long q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
}

__device__ inline long long mod(long long a, long long b) {
    if (b == 0) __trap();
    if (b == -1) return 0;
    long long r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

__device__ inline long long ipow(long long base, long long e) {
    unsigned long long r = 1, b = static_cast<unsigned long long>(base);
    while (e > 0) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return static_cast<long long>(r);
}

// ---- float arithmetic as CPython does it ---------------------------------------------
__device__ inline double fdiv(double a, double b) {
    if (b == 0.0) __trap();
    return a / b;
}

__device__ inline double fmod_py(double a, double b) {
    if (b == 0.0) __trap();
    double m = ::fmod(a, b);
    if (m != 0.0) {
        if ((b < 0) != (m < 0)) m += b;
    } else {
        m = ::copysign(0.0, b);
    }
    return m;
}

__device__ inline double ffloordiv(double a, double b) {
    if (b == 0.0) __trap();
    double m = ::fmod(a, b);
    double d = (a - m) / b;
    if (m != 0.0 && ((b < 0) != (m < 0))) d -= 1.0;
    if (d != 0.0) {
        double f = ::floor(d);
        if (d - f > 0.5) f += 1.0;
        return f;
    }
    return ::copysign(0.0, a / b);
}

__device__ inline double fpow(double a, double b) {
    if (a == 0.0 && b < 0.0) __trap();  // ZeroDivisionError
    return ::pow(a, b);
}

__device__ inline long long to_int(double x) {
    if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0)) __trap();
    return static_cast<long long>(x);
}

// min/max keep Python's choice among equals and its NaN behaviour.
template <typename T> __host__ __device__ T min2(T a, T b) { return b < a ? b : a; }
template <typename T> __host__ __device__ T max2(T a, T b) { return b > a ? b : a; }

// ---- host side -------------------------------------------------------------------------
// Every CUDA call is checked: the first failure is kept in a Status and every later step
// is skipped; the failing call also left its error for the cudaGetLastError() that the
// harness runs after the call, so the vector fails as a runtime error.
struct Status {
    cudaError_t err = cudaSuccess;
    bool ok(cudaError_t e) {
        if (err == cudaSuccess) err = e;
        return err == cudaSuccess;
    }
};

template <typename T> T* to_device(Status& st, const T* host, long long n) {
    T* d = nullptr;
    if (!st.ok(cudaMalloc(&d, sizeof(T) * static_cast<size_t>(n > 0 ? n : 1)))) return nullptr;
    if (n > 0) st.ok(cudaMemcpy(d, host, sizeof(T) * static_cast<size_t>(n), cudaMemcpyHostToDevice));
    return d;
}

template <typename T> T* device_buffer(Status& st, long long n) {
    T* d = nullptr;
    if (!st.ok(cudaMalloc(&d, sizeof(T) * static_cast<size_t>(n > 0 ? n : 1)))) return nullptr;
    return d;
}

template <typename T> void copy_out(Status& st, T* host, const T* device, long long n) {
    if (n > 0 && st.err == cudaSuccess)
        st.ok(cudaMemcpy(host, device, sizeof(T) * static_cast<size_t>(n), cudaMemcpyDeviceToHost));
}

// Blocks of `block` threads covering n work items (at least one block; the grid-stride
// loops cover the rest when n needs more than 65535 blocks).
inline unsigned int blocks_for(long long n, unsigned int block) {
    long long b = (n + block - 1) / block;
    return static_cast<unsigned int>(b < 1 ? 1 : b > 65535 ? 65535 : b);
}

}  // namespace lw
