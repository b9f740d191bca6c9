// lw: the small runtime every lowered candidate carries (tolk toolchains/cuda/lowering.py).
// Math functions are called as ::f: the candidate's own function may be named like one.
// Python semantics on the device: int64 arithmetic wraps, // and % floor, indexes may be
// negative, lists are references (List<T>*), strings are immutable byte slices (Str).
// Memory comes from a bump arena the host function cudaMallocs per call; a Python error
// (IndexError, ZeroDivisionError, ...) or an exhausted arena traps the kernel, which the
// harness reports as a CUDA error for the vector in flight.
namespace lw {

struct Arena {
    char* base;
    unsigned long long size;
    unsigned long long used;
};

__device__ Arena arena;

__device__ inline void* alloc(long long bytes) {
    unsigned long long n = (static_cast<unsigned long long>(bytes < 0 ? 0 : bytes) + 15ULL) & ~15ULL;
    if (arena.used + n > arena.size) __trap();
    void* p = arena.base + arena.used;
    arena.used += n;
    return p;
}

template <typename T> struct List {
    T* p;
    long long n;
    long long cap;
};

struct Str {
    const char* p;
    long long n;
};

template <typename T> __device__ List<T>* new_list(long long n) {
    if (n < 0) n = 0;
    List<T>* l = static_cast<List<T>*>(alloc(sizeof(List<T>)));
    l->p = static_cast<T*>(alloc(n * static_cast<long long>(sizeof(T))));
    l->n = n;
    l->cap = n;
    for (long long i = 0; i < n; ++i) l->p[i] = T();
    return l;
}

// An input buffer (already on the device) seen as a list; appends reallocate in the arena.
template <typename T> __device__ List<T>* wrap(T* p, long long n) {
    List<T>* l = static_cast<List<T>*>(alloc(sizeof(List<T>)));
    l->p = p;
    l->n = n;
    l->cap = n;
    return l;
}

template <typename T> __device__ List<List<T>*>* wrap_rows(T* p, long long rows, long long cols) {
    List<List<T>*>* m = new_list<List<T>*>(rows);
    for (long long i = 0; i < rows; ++i) m->p[i] = wrap(p + i * cols, cols);
    return m;
}

template <typename T, typename... A> __device__ List<T>* make_list(A... xs) {
    List<T>* l = new_list<T>(static_cast<long long>(sizeof...(xs)));
    if constexpr (sizeof...(xs) > 0) {
        long long i = 0;
        ((l->p[i++] = static_cast<T>(xs)), ...);
    }
    return l;
}

template <typename T> __device__ List<T>* repeat(T v, long long n) {
    List<T>* l = new_list<T>(n);
    for (long long i = 0; i < l->n; ++i) l->p[i] = v;
    return l;
}

// [ELEM for _ in range(n)]: ELEM is evaluated once per row (rows do not alias).
template <typename T, typename F> __device__ List<T>* repeat_each(F make, long long n) {
    List<T>* l = new_list<T>(n);
    for (long long i = 0; i < l->n; ++i) l->p[i] = make();
    return l;
}

template <typename T> __device__ void append(List<T>* l, T v) {
    if (l->n == l->cap) {
        long long cap = l->cap < 4 ? 8 : 2 * l->cap;
        T* p = static_cast<T*>(alloc(cap * static_cast<long long>(sizeof(T))));
        for (long long i = 0; i < l->n; ++i) p[i] = l->p[i];
        l->p = p;
        l->cap = cap;
    }
    l->p[l->n++] = v;
}

__device__ inline long long norm_index(long long i, long long n) {
    if (i < 0) i += n;
    if (i < 0 || i >= n) __trap();  // IndexError
    return i;
}

template <typename T> __device__ T& at(List<T>* l, long long i) {
    return l->p[norm_index(i, l->n)];
}

__device__ inline Str at(Str s, long long i) {
    return Str{s.p + norm_index(i, s.n), 1};
}

template <typename T> __device__ long long len(List<T>* l) { return l->n; }
__device__ inline long long len(Str s) { return s.n; }

// Python clamps slice bounds; negative bounds count from the end.
__device__ inline void clamp(long long& lo, long long& hi, long long n) {
    if (lo < 0) lo = lo + n < 0 ? 0 : lo + n;
    if (hi < 0) hi = hi + n < 0 ? 0 : hi + n;
    if (lo > n) lo = n;
    if (hi > n) hi = n;
    if (hi < lo) hi = lo;
}

__device__ inline Str slice(Str s, long long lo, long long hi) {
    clamp(lo, hi, s.n);
    return Str{s.p + lo, hi - lo};
}

template <typename T> __device__ List<T>* slice(List<T>* l, long long lo, long long hi) {
    clamp(lo, hi, l->n);
    List<T>* out = new_list<T>(hi - lo);
    for (long long i = lo; i < hi; ++i) out->p[i - lo] = l->p[i];
    return out;
}

__device__ inline Str concat(Str a, Str b) {
    char* p = static_cast<char*>(alloc(a.n + b.n));
    for (long long i = 0; i < a.n; ++i) p[i] = a.p[i];
    for (long long i = 0; i < b.n; ++i) p[a.n + i] = b.p[i];
    return Str{p, a.n + b.n};
}

// Byte order is code point order for UTF-8, so this is Python's str comparison.
__device__ inline int cmp(Str a, Str b) {
    long long n = a.n < b.n ? a.n : b.n;
    for (long long i = 0; i < n; ++i) {
        unsigned char x = static_cast<unsigned char>(a.p[i]), y = static_cast<unsigned char>(b.p[i]);
        if (x != y) return x < y ? -1 : 1;
    }
    return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

__device__ inline bool eq(Str a, Str b) { return cmp(a, b) == 0; }

// ---- int64 arithmetic: wraps like the IR's int64, floors like Python ----------------
__device__ inline long long add(long long a, long long b) {
    return static_cast<long long>(static_cast<unsigned long long>(a) + static_cast<unsigned long long>(b));
}
__device__ inline long long sub(long long a, long long b) {
    return static_cast<long long>(static_cast<unsigned long long>(a) - static_cast<unsigned long long>(b));
}
__device__ inline long long mul(long long a, long long b) {
    return static_cast<long long>(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
}
__device__ inline long long neg(long long a) { return sub(0, a); }
__device__ inline long long iabs(long long a) { return a < 0 ? neg(a) : a; }

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
template <typename T> __device__ T min2(T a, T b) { return b < a ? b : a; }
template <typename T> __device__ T max2(T a, T b) { return b > a ? b : a; }

template <typename T> __device__ T min_of(List<T>* l) {
    if (l->n == 0) __trap();  // ValueError
    T m = l->p[0];
    for (long long i = 1; i < l->n; ++i) m = min2(m, l->p[i]);
    return m;
}

template <typename T> __device__ T max_of(List<T>* l) {
    if (l->n == 0) __trap();
    T m = l->p[0];
    for (long long i = 1; i < l->n; ++i) m = max2(m, l->p[i]);
    return m;
}

__device__ inline long long sum_of(List<long long>* l) {
    long long s = 0;
    for (long long i = 0; i < l->n; ++i) s = add(s, l->p[i]);
    return s;
}

__device__ inline long long sum_of(List<bool>* l) {
    long long s = 0;
    for (long long i = 0; i < l->n; ++i) s += l->p[i];
    return s;
}

// Left to right, as CPython 3.11's sum() adds floats.
__device__ inline double sum_of(List<double>* l) {
    double s = 0.0;
    for (long long i = 0; i < l->n; ++i) s += l->p[i];
    return s;
}

// A list of rows as one row-major buffer for the host; a ragged matrix has no wire form.
template <typename T> __device__ void flatten(List<List<T>*>* m, T** p, long long* rows, long long* cols) {
    long long r = m->n, c = r ? m->p[0]->n : 0;
    T* flat = static_cast<T*>(alloc(r * c * static_cast<long long>(sizeof(T))));
    for (long long i = 0; i < r; ++i) {
        if (m->p[i]->n != c) __trap();
        for (long long j = 0; j < c; ++j) flat[i * c + j] = m->p[i]->p[j];
    }
    *p = flat;
    *rows = r;
    *cols = c;
}

// ---- host side -------------------------------------------------------------------------
// Every call is checked by the harness afterwards (cudaGetLastError); on failure these
// return null pointers and the kernel is not worth launching, so callers just go on.
template <typename T> T* to_device(const T* host, long long n) {
    T* d = nullptr;
    cudaMalloc(&d, sizeof(T) * static_cast<size_t>(n > 0 ? n : 1));
    if (n > 0) cudaMemcpy(d, host, sizeof(T) * static_cast<size_t>(n), cudaMemcpyHostToDevice);
    return d;
}

inline Arena open_arena(unsigned long long bytes) {
    Arena a{nullptr, bytes, 0};
    cudaMalloc(&a.base, bytes);
    return a;
}

template <typename T> void copy_out(T* host, const T* device, long long n) {
    if (n > 0) cudaMemcpy(host, device, sizeof(T) * static_cast<size_t>(n), cudaMemcpyDeviceToHost);
}

}  // namespace lw
