// The row operations of fast_math.h. Each is built three times by GCC's target_clones: for the
// x86-64 levels v4 (AVX-512) and v3 (AVX2 and FMA) and for the baseline, and the loader picks the
// best one the CPU runs (by its features, not its model name, so AMD and Intel alike). Other
// compilers, -DFOCUS_NO_CLONES and ThreadSanitizer builds get the baseline only (GCC instruments
// the clones' resolver, which the loader runs before TSan's runtime exists: the test binary
// crashed at load). -fno-trapping-math (CMakeLists.txt)
// lets the compiler turn exp_float's selects into vector blends. Reductions keep kLanes
// independent partial results, since a single running sum is a chain of dependent additions
// that cannot be vectorised (reordering it is not allowed without -ffast-math).
#include <focus/tensor/fast_math.h>

#include <algorithm>
#include <bit>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(FOCUS_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define FOCUS_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FOCUS_VECTOR_CLONES
#endif

namespace focus::kernel::rows {

namespace {
constexpr std::int64_t kLanes = 16;
constexpr float kInvSqrt2 = 0.707106781186547524f;
constexpr float kInvSqrt2Pi = 0.398942280401432678f;
}  // namespace

// The max through integers: flipping the 31 low bits of negative floats makes their bit patterns
// order as signed integers the way the floats do, and an integer max always vectorises (a float
// max with NaN's rules does not). NaN is looked for apart: exponent all ones, mantissa not 0.
FOCUS_VECTOR_CLONES float max(const float* row, std::int64_t n) {
  const auto key = [](std::int32_t bits) { return bits ^ ((bits >> 31) & 0x7fffffff); };  // its own inverse
  std::int32_t best = key(std::bit_cast<std::int32_t>(-std::numeric_limits<float>::infinity()));
  std::int32_t nan = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto bits = std::bit_cast<std::int32_t>(row[i]);
    const std::int32_t k = key(bits);
    best = k > best ? k : best;
    nan |= (bits & 0x7fffffff) > 0x7f800000;
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : std::bit_cast<float>(key(best));
}

FOCUS_VECTOR_CLONES float exp_shifted_sum(float* row, std::int64_t n, float shift) {
  float lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) {
      const float e = exp_float(row[i + l] - shift);
      row[i + l] = e;
      lanes[l] += e;
    }
  float s = 0;
  for (; i < n; ++i) {
    row[i] = exp_float(row[i] - shift);
    s += row[i];
  }
  for (std::int64_t l = 0; l < kLanes; ++l) s += lanes[l];
  return s;
}

FOCUS_VECTOR_CLONES void exp_shifted(float* row, std::int64_t n, float shift) {
  for (std::int64_t i = 0; i < n; ++i) row[i] = exp_float(row[i] - shift);
}

FOCUS_VECTOR_CLONES void softmax_grad(float* ds, const float* p, std::int64_t n, float d) {
  for (std::int64_t i = 0; i < n; ++i) ds[i] = p[i] * (ds[i] - d);
}

FOCUS_VECTOR_CLONES double dot(const float* a, const float* b, std::int64_t n) {
  double lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] += static_cast<double>(a[i + l]) * b[i + l];
  double s = 0;
  for (; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  for (std::int64_t l = 0; l < kLanes; ++l) s += lanes[l];
  return s;
}

FOCUS_VECTOR_CLONES double sum(const float* row, std::int64_t n) {
  double lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] += row[i + l];
  double s = 0;
  for (; i < n; ++i) s += row[i];
  for (std::int64_t l = 0; l < kLanes; ++l) s += lanes[l];
  return s;
}

FOCUS_VECTOR_CLONES void log_softmax_grad(float* d, const float* g, const float* y, std::int64_t n, float sum_g) {
  for (std::int64_t i = 0; i < n; ++i) d[i] = g[i] - exp_float(y[i]) * sum_g;
}

// gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, and its derivative Phi(x) + x phi(x).
FOCUS_VECTOR_CLONES void gelu(float* out, const float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = 0.5f * x[i] * (1.0f + erf_float(x[i] * kInvSqrt2));
}

FOCUS_VECTOR_CLONES void gelu_grad(float* out, const float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    out[i] = 0.5f * (1.0f + erf_float(v * kInvSqrt2)) + v * kInvSqrt2Pi * exp_float(-0.5f * v * v);
  }
}

FOCUS_VECTOR_CLONES void accumulate(double* acc, const float* row, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) acc[i] += row[i];
}

}  // namespace focus::kernel::rows
