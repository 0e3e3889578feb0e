// Loop-friendly math for the float paths of hot kernels (attention, softmax, GELU): exp_float and
// erf_float have no
// calls and no branches, so a loop over a row compiles to vector instructions, where a call to
// libm's expf per element cannot; the row functions below are such loops, built for AVX-512,
// for AVX2 with FMA and for the baseline x86-64 the library targets, with the best one the CPU
// runs picked when the program loads. The double paths keep libm, so float64 gradient checks stay exact.
// Internal to kernel .cpp files.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

// Put before a function to build it three times (x86-64 v4, v3 and the baseline, the best picked
// at load; see fast_math.cpp). A template it calls must be inlined into it to be built with it.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(FOCUS_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define FOCUS_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FOCUS_VECTOR_CLONES
#endif

namespace focus::kernel {

// The sum of term(c) for c in [0, n), in double, as 16 interleaved partial sums (lane l adds the
// terms c = l mod 16), added pairwise at the end: independent chains of additions instead of one,
// which vector clones run as two AVX-512 registers of doubles, and even the baseline build runs
// several at a time. (Four scalar partial sums, until session 18, kept the layer-norm kernels' sums
// out of vector registers; clip_grad_norm's one chain, until session 19, took 1 ms of a zh-en step.)
template <class Term>
[[gnu::always_inline]] inline double sum_by_lanes(std::int64_t n, Term term) {
  constexpr std::int64_t kLanes = 16;
  double lanes[kLanes] = {};
  std::int64_t c = 0;
  for (; c + kLanes <= n; c += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] += term(c + l);
  for (std::int64_t l = 0; c < n; ++c, ++l) lanes[l] += term(c);
  for (std::int64_t width = kLanes / 2; width >= 1; width /= 2)
    for (std::int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  return lanes[0];
}

// exp(x) in float, within 2 ulp of libm's expf for x in [-86.9, 88.7] (tests/test_fast_math.cpp
// checks this over that range). Below -87.34 the result is 0, -inf included; between the two it
// is 0 or a tiny number (the true value is below 2e-38, a rounding error next to the numbers a
// softmax adds it to). Above 88.72 it is +inf; NaN stays NaN.
//
// The method: x = n ln2 + r with n an integer and |r| <= ln2 / 2; exp(r) by its Taylor series to
// r^7 (truncation error below 6e-9 relative); 2^n written straight into the exponent bits.
inline float exp_float(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;      // ln 2 split in two (Cody and Waite): n * kLn2Hi is
  constexpr float kLn2Lo = -2.12194440e-4f;   // exact for |n| <= 128, so r keeps its low bits
  constexpr float kRound = 12582912.0f;       // 1.5 * 2^23: adding it rounds to an integer
  constexpr float kLow = -87.33654f, kHigh = 88.72283f;  // ln of float's smallest normal, largest
  const float xc = x < kLow ? kLow : (x > kHigh ? kHigh : x);
  const float shifted = xc * kLog2e + kRound;  // n sits in the low mantissa bits
  const float n = shifted - kRound;
  const std::int32_t ni = std::bit_cast<std::int32_t>(shifted) - std::bit_cast<std::int32_t>(kRound);
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  const float p =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  // 2^n as 2^(n - 1) * 2: n runs up to 128, one past float's largest exponent. At n = -126
  // (x below -86.99) the exponent field is 0, which reads as 0.
  const float half_scale = std::bit_cast<float>((ni + 126) << 23);
  const float y = p * half_scale * 2.0f;
  const float limited = x < kLow ? 0.0f : (x > kHigh ? std::numeric_limits<float>::infinity() : y);
  return x != x ? x : limited;
}

// erf(x) in float, within 2e-7 of the true value for every x (tests/test_fast_math.cpp checks it
// against libm's erf in double); NaN stays NaN. Two pieces, both computed and one picked, so a loop
// over a row still vectorises:
//   |x| < 1.25:         x P(x^2), P of degree 6 (erf(x) / x is smooth and even);
//   1.25 <= |x| < 3.92: sign(x) (1 - exp(-x^2) Q(|x| - 1.25)), Q of degree 9 fitted to
//                       erfc(x) e^(x^2), which varies slowly where erfc itself falls fast;
//   beyond 3.92 erf rounds to +-1 in float, which the second piece gives at the clamp.
// P and Q are least-squares fits on Chebyshev nodes made by tests/reference/fit_erf.py.
inline float erf_float(float x) {
  const float a = x < 0 ? -x : x;
  const float t = a * a;
  const float near =
      a * (1.12837914f + t * (-0.376124983f + t * (0.112823259f + t * (-0.0268084315f + t * (0.00511425317f +
           t * (-0.000744995646f + t * 6.25273784e-05f))))));
  const float ac = a < 3.92f ? a : 3.92f;
  const float u = ac - 1.25f;
  const float q =
      0.367822866f + u * (-0.208817945f + u * (0.106744374f + u * (-0.0499556373f + u * (0.0213115004f +
      u * (-0.00797218277f + u * (0.00241928895f + u * (-0.000533969421f + u * (7.35863779e-05f +
      u * -4.65367498e-06f))))))));
  const float far = 1.0f - exp_float(-ac * ac) * q;
  const float m = a < 1.25f ? near : far;
  const float r = x < 0 ? -m : m;
  return x != x ? x : r;
}

// Row operations on float rows of n elements, vectorised (see the top of this file).
namespace rows {
float max(const float* row, std::int64_t n);                      // NaN if any is NaN; -inf if n = 0
float exp_shifted_sum(float* row, std::int64_t n, float shift);   // row = exp(row - shift); returns the sum
void exp_shifted(float* row, std::int64_t n, float shift);        // row = exp(row - shift)
void softmax_grad(float* ds, const float* p, std::int64_t n, float d);  // ds = p * (ds - d)
double dot(const float* a, const float* b, std::int64_t n);     // in double
double sum(const float* row, std::int64_t n);                    // in double
// out[c] = scale (q . k_c) for the count rows k_c = k + c ldk of n elements, summed in float.
void dots(float* out, const float* q, const float* k, std::int64_t ldk, std::int64_t count, std::int64_t n, float scale);
// o += sum over c of p[c] v_c, for the count rows v_c = v + c ldv of n elements; o must not overlap v.
void add_weighted_rows(float* o, const float* p, const float* v, std::int64_t ldv, std::int64_t count, std::int64_t n);
void accumulate(double* acc, const float* row, std::int64_t n);  // acc += row, in double
void log_softmax_grad(float* d, const float* g, const float* y, std::int64_t n, float sum_g);  // d = g - exp(y) sum_g
void gelu(float* out, const float* x, std::int64_t n);           // out = x Phi(x), through erf_float
void gelu_grad(float* out, const float* x, std::int64_t n);      // out = d gelu(x) / dx
// Dropout factors from Philox4x32-10 (counter_random.h), 16 counters at a time: element e of
// [first, first + n) is keep when lane e % 4 of philox4x32({e / 4, c1, c2, c3}, key) is at least
// threshold, else 0; written to out[e - first]. Bitwise what the scalar philox4x32 gives. Needs
// (first + n) / 4 < 2^32. On CPUs with AVX-512 a hand-vectorised version runs (four times
// faster), else dropout_factors_portable; both give these bits.
void dropout_factors(float* out, std::int64_t first, std::int64_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                     std::uint64_t key, std::uint32_t threshold, float keep);
void dropout_factors_portable(float* out, std::int64_t first, std::int64_t n, std::uint32_t c1, std::uint32_t c2,
                              std::uint32_t c3, std::uint64_t key, std::uint32_t threshold, float keep);
// out = x rounded to bfloat16 (the upper 16 bits of a float32), to nearest even; NaN stays NaN,
// subnormals become zeros (as the AVX512_BF16 conversion instructions do).
void to_bf16(std::uint16_t* out, const float* x, std::int64_t n);
}  // namespace rows

}  // namespace focus::kernel
