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

// Per key, kLanes partial sums, then added pairwise (8 + 8, 4 + 4, ...) so the last steps are
// vector shuffles too, not a chain of 16 scalar additions.
FOCUS_VECTOR_CLONES void dots(float* out, const float* q, const float* k, std::int64_t ldk, std::int64_t count,
                              std::int64_t n, float scale) {
  for (std::int64_t c = 0; c < count; ++c) {
    const float* kc = k + c * ldk;
    float lanes[kLanes] = {};
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] += q[i + l] * kc[i + l];
    for (std::int64_t l = 0; i < n; ++i, ++l) lanes[l] += q[i] * kc[i];
    for (std::int64_t width = kLanes / 2; width >= 1; width /= 2)
      for (std::int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
    out[c] = scale * lanes[0];
  }
}

FOCUS_VECTOR_CLONES void add_weighted_rows(float* __restrict o, const float* p, const float* __restrict v, std::int64_t ldv,
                                           std::int64_t count, std::int64_t n) {
  for (std::int64_t c = 0; c < count; ++c) {
    const float w = p[c];
    const float* vc = v + c * ldv;
    for (std::int64_t i = 0; i < n; ++i) o[i] += w * vc[i];
  }
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

// Philox's ten rounds on 16 counters side by side, one array per 32-bit word. Inlined into each
// clone of dropout_factors, and with the arrays __restrict, GCC turns each round's two
// 32 x 32 -> 64-bit products into vector multiplies (written as one loop in the caller it
// unrolled them into scalar imuls instead: dropout_factors then took 19% of a zh-en training run).
namespace {

constexpr int kPhiloxGroups = 16;

[[gnu::always_inline]] inline void philox_rounds(std::uint32_t* __restrict x0, std::uint32_t* __restrict x1,
                                                 std::uint32_t* __restrict x2, std::uint32_t* __restrict x3,
                                                 std::uint64_t key) {
  constexpr std::uint64_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;
  constexpr std::uint32_t kBump0 = 0x9E3779B9, kBump1 = 0xBB67AE85;
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    for (int l = 0; l < kPhiloxGroups; ++l) {
      const std::uint64_t p0 = kMul0 * x0[l], p1 = kMul1 * x2[l];
      const std::uint32_t y0 = static_cast<std::uint32_t>(p1 >> 32) ^ x1[l] ^ k0;
      const std::uint32_t y2 = static_cast<std::uint32_t>(p0 >> 32) ^ x3[l] ^ k1;
      x0[l] = y0, x1[l] = static_cast<std::uint32_t>(p1), x2[l] = y2, x3[l] = static_cast<std::uint32_t>(p0);
    }
    k0 += kBump0;
    k1 += kBump1;
  }
}

}  // namespace

// The words are interleaved back into the scalar function's order (lane = word index).
FOCUS_VECTOR_CLONES void dropout_factors(float* out, std::int64_t first, std::int64_t n, std::uint32_t c1, std::uint32_t c2,
                                         std::uint32_t c3, std::uint64_t key, std::uint32_t threshold, float keep) {
  constexpr int G = kPhiloxGroups;
  alignas(64) std::uint32_t x0[G], x1[G], x2[G], x3[G], bits[4 * G];
  const std::int64_t end = first + n;
  for (std::int64_t g0 = first / 4; 4 * g0 < end; g0 += G) {
    for (int l = 0; l < G; ++l) x0[l] = static_cast<std::uint32_t>(g0 + l), x1[l] = c1, x2[l] = c2, x3[l] = c3;
    philox_rounds(x0, x1, x2, x3, key);
    for (int l = 0; l < G; ++l) bits[4 * l] = x0[l], bits[4 * l + 1] = x1[l], bits[4 * l + 2] = x2[l], bits[4 * l + 3] = x3[l];
    // Elements [4 g0, 4 g0 + 4 G), of which [first, end) are wanted.
    const std::int64_t lo = std::max<std::int64_t>(first, 4 * g0), hi = std::min<std::int64_t>(end, 4 * (g0 + G));
    for (std::int64_t e = lo; e < hi; ++e) out[e - first] = bits[e - 4 * g0] >= threshold ? keep : 0.0f;
  }
}

FOCUS_VECTOR_CLONES void to_bf16(std::uint16_t* out, const float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t u = std::bit_cast<std::uint32_t>(x[i]);
    // Subnormals become zeros of their sign, as AVX512_BF16's vcvtne2ps2bf16 treats them.
    u = (u & 0x7f800000u) == 0 ? u & 0x80000000u : u;
    // Adding 0x7fff plus the lowest kept bit rounds half to even; a NaN only keeps a quiet bit set
    // (rounding could carry its payload into infinity).
    const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    const std::uint32_t nan = (u >> 16) | 0x40u;
    out[i] = static_cast<std::uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
  }
}

}  // namespace focus::kernel::rows
