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
#include <cstring>

// dropout_factors has a hand-vectorised AVX-512 version beside the clones (see there), picked at
// run time; not with -DFOCUS_NO_CLONES, which asks for the portable code alone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(FOCUS_NO_CLONES)
#define FOCUS_DROPOUT_AVX512 1
// GCC 12's AVX-512 intrinsics warn of an uninitialised __Y where they ask for an undefined
// register on purpose (GCC bug 105593, fixed in 13); the warning is placed in the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#define FOCUS_DROPOUT_AVX512 0
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

// dots and add_weighted_rows serve the attention kernel's calls of at most 4 query rows (cached
// decoding: one query against a few dozen keys of 32 or 64 elements; short training batches):
// there the work per key is a handful of instructions, and what costs is anything done per key
// beyond them. They hold their running sums in registers as groups of
// eight floats (GCC's and Clang's vector extension, built from the widest registers each clone
// has), never in an array in memory. Until session 20 dots kept lanes[16] on the stack and each
// key's pairwise tree stored and reloaded it, about 90 cycles a key, and add_weighted_rows loaded
// and stored o for every key: W3 (decode, 1 thread) spent a third of its time in the two.
// The helpers pass Floats8 by value; they are always inlined, so the baseline build's warning
// that such a call's ABI differs from an AVX build's does not apply (GCC gives it at the end of the
// file, so it is silenced from here to there).
#pragma GCC diagnostic ignored "-Wpsabi"
namespace {
using Floats8 = float __attribute__((vector_size(32)));

[[gnu::always_inline]] inline Floats8 load8(const float* p) {
  Floats8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store8(float* p, Floats8 v) { std::memcpy(p, &v, sizeof v); }

// [a0+a1, a2+a3, b0+b1, b2+b3, a4+a5, a6+a7, b4+b5, b6+b7]: AVX's vhaddps.
[[gnu::always_inline]] inline Floats8 pair_sums(Floats8 a, Floats8 b) {
  return __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14) + __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15);
}

// Element r is the sum of p[r]'s eight elements, added as ((0+1) + (2+3)) + ((4+5) + (6+7)).
[[gnu::always_inline]] inline Floats8 totals(const Floats8 (&p)[8]) {
  const Floats8 a = pair_sums(pair_sums(p[0], p[1]), pair_sums(p[2], p[3]));  // halves' sums of p[0..3]
  const Floats8 b = pair_sums(pair_sums(p[4], p[5]), pair_sums(p[6], p[7]));
  return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
}

// The sum of v's elements in totals' order, so a key's score does not depend on whether it was
// one of eight.
[[gnu::always_inline]] inline float total(Floats8 v) {
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
  return v[0];
}
}  // namespace

// Eight keys at a time: eight independent chains of products, then one transposing sum (totals)
// gives their eight scores in one register. Elements past the last multiple of 8 are added after.
FOCUS_VECTOR_CLONES void dots(float* out, const float* q, const float* k, std::int64_t ldk, std::int64_t count,
                              std::int64_t n, float scale) {
  const std::int64_t whole = n / 8 * 8;
  std::int64_t c = 0;
  for (; c + 8 <= count; c += 8) {
    const float* kc = k + c * ldk;
    Floats8 p[8] = {};
    for (std::int64_t i = 0; i < whole; i += 8) {
      const Floats8 qi = load8(q + i);
      for (int r = 0; r < 8; ++r) p[r] += qi * load8(kc + r * ldk + i);
    }
    Floats8 t = totals(p);
    for (std::int64_t i = whole; i < n; ++i)
      for (int r = 0; r < 8; ++r) t[r] += q[i] * kc[r * ldk + i];
    store8(out + c, scale * t);
  }
  for (; c < count; ++c) {
    const float* kc = k + c * ldk;
    Floats8 p = {};
    for (std::int64_t i = 0; i < whole; i += 8) p += load8(q + i) * load8(kc + i);
    float t = total(p);
    for (std::int64_t i = whole; i < n; ++i) t += q[i] * kc[i];
    out[c] = scale * t;
  }
}

namespace {
// o[0, 8 kVectors) += sum over c of p[c] v_c, the columns held in registers across every row, in
// two chains (even and odd rows) so the additions of one row need not wait for the previous one's.
template <int kVectors>
[[gnu::always_inline]] inline void add_weighted_columns(float* o, const float* p, const float* v, std::int64_t ldv,
                                                        std::int64_t count) {
  Floats8 even[kVectors], odd[kVectors] = {};
  for (int j = 0; j < kVectors; ++j) even[j] = load8(o + 8 * j);
  std::int64_t c = 0;
  for (; c + 2 <= count; c += 2) {
    const float* v0 = v + c * ldv;
    const float* v1 = v0 + ldv;
    for (int j = 0; j < kVectors; ++j) {
      even[j] += p[c] * load8(v0 + 8 * j);
      odd[j] += p[c + 1] * load8(v1 + 8 * j);
    }
  }
  if (c < count)
    for (int j = 0; j < kVectors; ++j) even[j] += p[c] * load8(v + c * ldv + 8 * j);
  for (int j = 0; j < kVectors; ++j) store8(o + 8 * j, even[j] + odd[j]);
}
}  // namespace

FOCUS_VECTOR_CLONES void add_weighted_rows(float* __restrict o, const float* p, const float* __restrict v, std::int64_t ldv,
                                           std::int64_t count, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 32 <= n; i += 32) add_weighted_columns<4>(o + i, p, v + i, ldv, count);
  for (; i + 8 <= n; i += 8) add_weighted_columns<1>(o + i, p, v + i, ldv, count);
  for (; i < n; ++i)
    for (std::int64_t c = 0; c < count; ++c) o[i] += p[c] * v[c * ldv + i];
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
// clone of dropout_factors_portable, and with the arrays __restrict, GCC turns each round's two
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
FOCUS_VECTOR_CLONES void dropout_factors_portable(float* out, std::int64_t first, std::int64_t n, std::uint32_t c1, std::uint32_t c2,
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

#if FOCUS_DROPOUT_AVX512
namespace {

// Philox's rounds on 16 counters in one register per word, two such sets interleaved so one's
// multiplies run while the other's wait (each round depends on the last). A 32 x 32 -> 64-bit
// product is vpmuludq on the even lanes and on the odd lanes shifted down; GCC's vectorisation of
// dropout_factors_portable used vpmullq (64 x 64) after zero-extending, about four times the
// instructions: 1.40 ns an element there, 0.33 here (1 thread, this machine's Zen 5).
constexpr int kSets = 2;

__attribute__((target("avx512f"))) inline void philox_rounds_avx512(__m512i* x0, __m512i* x1, __m512i* x2, __m512i* x3,
                                                                    std::uint64_t key) {
  const __m512i mul0 = _mm512_set1_epi64(0xD2511F53), mul1 = _mm512_set1_epi64(0xCD9E8D57);
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  constexpr __mmask16 kOdd = 0xAAAA;
  for (int round = 0; round < 10; ++round) {
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0)), key1 = _mm512_set1_epi32(static_cast<int>(k1));
    for (int s = 0; s < kSets; ++s) {
      const __m512i even0 = _mm512_mul_epu32(x0[s], mul0), odd0 = _mm512_mul_epu32(_mm512_srli_epi64(x0[s], 32), mul0);
      const __m512i even1 = _mm512_mul_epu32(x2[s], mul1), odd1 = _mm512_mul_epu32(_mm512_srli_epi64(x2[s], 32), mul1);
      const __m512i hi0 = _mm512_mask_blend_epi32(kOdd, _mm512_srli_epi64(even0, 32), odd0);
      const __m512i lo0 = _mm512_mask_blend_epi32(kOdd, even0, _mm512_slli_epi64(odd0, 32));
      const __m512i hi1 = _mm512_mask_blend_epi32(kOdd, _mm512_srli_epi64(even1, 32), odd1);
      const __m512i lo1 = _mm512_mask_blend_epi32(kOdd, even1, _mm512_slli_epi64(odd1, 32));
      x0[s] = _mm512_ternarylogic_epi32(hi1, x1[s], key0, 0x96);  // three-way xor
      x2[s] = _mm512_ternarylogic_epi32(hi0, x3[s], key1, 0x96);
      x1[s] = lo1;
      x3[s] = lo0;
    }
    k0 += 0x9E3779B9;
    k1 += 0xBB67AE85;
  }
}

__attribute__((target("avx512f"))) void dropout_factors_avx512(float* out, std::int64_t first, std::int64_t n,
                                                               std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                                                               std::uint64_t key, std::uint32_t threshold, float keep) {
  constexpr std::int64_t kGroups = 16 * kSets;  // counters per pass, 4 elements each
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i limit = _mm512_set1_epi32(static_cast<int>(threshold));
  const __m512 kept = _mm512_set1_ps(keep);
  // Gathers 128-bit lanes: from (u, v), lanes (u0 v0 u1 v1) and (u2 v2 u3 v3).
  const __m512i take_low = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), take_high = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  alignas(64) float partial[4 * kGroups];
  const std::int64_t end = first + n;
  for (std::int64_t g0 = first / 4; 4 * g0 < end; g0 += kGroups) {
    __m512i x0[kSets], x1[kSets], x2[kSets], x3[kSets];
    for (int s = 0; s < kSets; ++s) {
      x0[s] = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(g0 + 16 * s))), lanes);
      x1[s] = _mm512_set1_epi32(static_cast<int>(c1));
      x2[s] = _mm512_set1_epi32(static_cast<int>(c2));
      x3[s] = _mm512_set1_epi32(static_cast<int>(c3));
    }
    philox_rounds_avx512(x0, x1, x2, x3, key);
    // Elements [4 g0, 4 (g0 + kGroups)), of which [first, end) are wanted: whole passes are
    // written in place, the first and last through a buffer.
    const std::int64_t lo = std::max<std::int64_t>(first, 4 * g0), hi = std::min<std::int64_t>(end, 4 * (g0 + kGroups));
    const bool whole = lo == 4 * g0 && hi == 4 * (g0 + kGroups);
    float* dst = whole ? out + (lo - first) : partial;
    for (int s = 0; s < kSets; ++s) {
      // Element 4 l + w is word w of counter l: a 4 x 4 transpose within each 128-bit lane puts
      // counters 4k + j in lane k of u_j; the lane shuffles then order the counters.
      const __m512i t0 = _mm512_unpacklo_epi32(x0[s], x1[s]), t1 = _mm512_unpackhi_epi32(x0[s], x1[s]);
      const __m512i t2 = _mm512_unpacklo_epi32(x2[s], x3[s]), t3 = _mm512_unpackhi_epi32(x2[s], x3[s]);
      const __m512i u0 = _mm512_unpacklo_epi64(t0, t2), u1 = _mm512_unpackhi_epi64(t0, t2);
      const __m512i u2 = _mm512_unpacklo_epi64(t1, t3), u3 = _mm512_unpackhi_epi64(t1, t3);
      const __m512i a = _mm512_permutex2var_epi64(u0, take_low, u1), b = _mm512_permutex2var_epi64(u0, take_high, u1);
      const __m512i c = _mm512_permutex2var_epi64(u2, take_low, u3), d = _mm512_permutex2var_epi64(u2, take_high, u3);
      const __m512i words[4] = {_mm512_shuffle_i64x2(a, c, 0x44), _mm512_shuffle_i64x2(a, c, 0xEE),
                                _mm512_shuffle_i64x2(b, d, 0x44), _mm512_shuffle_i64x2(b, d, 0xEE)};
      for (int q = 0; q < 4; ++q)
        _mm512_storeu_ps(dst + 64 * s + 16 * q, _mm512_maskz_mov_ps(_mm512_cmpge_epu32_mask(words[q], limit), kept));
    }
    if (!whole) std::copy(partial + (lo - 4 * g0), partial + (hi - 4 * g0), out + (lo - first));
  }
}

}  // namespace
#endif

void dropout_factors(float* out, std::int64_t first, std::int64_t n, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                     std::uint64_t key, std::uint32_t threshold, float keep) {
#if FOCUS_DROPOUT_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) return dropout_factors_avx512(out, first, n, c1, c2, c3, key, threshold, keep);
#endif
  dropout_factors_portable(out, first, n, c1, c2, c3, key, threshold, keep);
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
