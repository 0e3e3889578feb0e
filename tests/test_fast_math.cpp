// tensor/fast_math.h: the float exp the hot kernels vectorise, against libm, and the row
// functions (built per CPU level) against plain loops, on lengths around their lane counts.
#include <doctest/doctest.h>

#include <focus/tensor/counter_random.h>
#include <focus/tensor/fast_math.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace focus::kernel;

namespace {

// Distance between a and b in units in the last place of b.
double ulps(float a, float b) {
  const float step = std::nextafter(b, std::numeric_limits<float>::infinity()) - b;
  return std::abs(static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(step);
}

std::vector<float> random_row(std::int64_t n, unsigned seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(gen);
  return v;
}

const std::int64_t kLengths[] = {0, 1, 7, 15, 16, 17, 31, 50, 64, 100, 128, 1000};

}  // namespace

TEST_CASE("fast_math: exp_float is within 2 ulp of libm over its whole range") {
  // Every 97th float from -86.9 to 88.7 (about 22 million values seen, 230 thousand checked),
  // and the points where the range reduction switches n.
  double worst = 0;
  float worst_at = 0;
  std::int64_t checked = 0;
  for (float x = -86.9f; x <= 88.7f;) {
    const double u = ulps(exp_float(x), std::exp(x));
    if (u > worst) worst = u, worst_at = x;
    ++checked;
    for (int i = 0; i < 97; ++i) x = std::nextafter(x, 100.0f);
  }
  for (int n = -125; n <= 127; ++n) {
    const float x = static_cast<float>((n + 0.5) * std::log(2.0));
    for (float y : {std::nextafter(x, -100.0f), x, std::nextafter(x, 100.0f)}) worst = std::max(worst, ulps(exp_float(y), std::exp(y)));
  }
  MESSAGE(checked << " points; worst " << worst << " ulp at " << worst_at);
  CHECK(worst <= 2.0);
  CHECK(exp_float(0.0f) == 1.0f);
  CHECK(exp_float(1.0f) == doctest::Approx(std::exp(1.0)).epsilon(2e-7));
}

TEST_CASE("fast_math: exp_float's edges: -inf and far below give 0, overflow gives inf, NaN stays NaN") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(exp_float(-inf) == 0.0f);
  CHECK(exp_float(-1000.0f) == 0.0f);
  CHECK(exp_float(-87.5f) == 0.0f);
  CHECK(exp_float(inf) == inf);
  CHECK(exp_float(89.0f) == inf);
  CHECK(std::isfinite(exp_float(88.7f)));
  CHECK(std::isnan(exp_float(std::numeric_limits<float>::quiet_NaN())));
  CHECK(std::isnan(exp_float(-std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("fast_math: rows::max equals a plain loop, NaN anywhere gives NaN, empty gives -inf") {
  const float inf = std::numeric_limits<float>::infinity();
  for (std::int64_t n : kLengths) {
    CAPTURE(n);
    std::vector<float> v = random_row(n, 1 + static_cast<unsigned>(n), -50, 50);
    float expect = -inf;
    for (float x : v) expect = std::max(expect, x);
    CHECK(rows::max(v.data(), n) == expect);
    if (n == 0) continue;
    for (float& x : v) x = -std::abs(x) - 1;  // all negative: the integer keys' flipped half
    expect = -inf;
    for (float x : v) expect = std::max(expect, x);
    CHECK(rows::max(v.data(), n) == expect);
    v[static_cast<std::size_t>(n / 2)] = std::numeric_limits<float>::quiet_NaN();
    CHECK(std::isnan(rows::max(v.data(), n)));
    v[static_cast<std::size_t>(n / 2)] = -std::numeric_limits<float>::quiet_NaN();  // the sign bit set, as 0/0 gives
    CHECK(std::isnan(rows::max(v.data(), n)));
  }
  CHECK(rows::max(nullptr, 0) == -inf);
  const std::vector<float> hidden{-inf, -inf, -inf};
  CHECK(rows::max(hidden.data(), 3) == -inf);
  const std::vector<float> zeros{-0.0f, 0.0f, -0.0f};
  CHECK(rows::max(zeros.data(), 3) == 0.0f);
  const std::vector<float> big{-inf, 3.0f, inf, 1.0f};
  CHECK(rows::max(big.data(), 4) == inf);
}

TEST_CASE("fast_math: rows::exp_shifted(_sum), softmax_grad, dot, sum and accumulate equal plain loops") {
  for (std::int64_t n : kLengths) {
    CAPTURE(n);
    const std::vector<float> a = random_row(n, 100 + static_cast<unsigned>(n), -20, 5);
    const std::vector<float> b = random_row(n, 200 + static_cast<unsigned>(n), -1, 1);
    std::vector<float> e = a, e2 = a;
    const float s = rows::exp_shifted_sum(e.data(), n, 2.5f);
    rows::exp_shifted(e2.data(), n, 2.5f);
    double expect_sum = 0, expect_dot = 0, expect_plain = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = std::exp(static_cast<double>(a[i]) - 2.5);
      CHECK(e[i] == doctest::Approx(x).epsilon(3e-7));
      CHECK(e2[i] == e[i]);
      expect_sum += e[i];
      expect_dot += static_cast<double>(a[i]) * b[i];
      expect_plain += a[i];
    }
    CHECK(s == doctest::Approx(expect_sum).epsilon(1e-6));
    CHECK(rows::dot(a.data(), b.data(), n) == doctest::Approx(expect_dot).epsilon(1e-12));
    CHECK(rows::sum(a.data(), n) == doctest::Approx(expect_plain).epsilon(1e-12));
    std::vector<float> ds = b;
    rows::softmax_grad(ds.data(), a.data(), n, 0.25f);
    for (std::int64_t i = 0; i < n; ++i) CHECK(ds[i] == a[i] * (b[i] - 0.25f));
    std::vector<double> acc(static_cast<std::size_t>(n), 1.0);
    rows::accumulate(acc.data(), a.data(), n);
    for (std::int64_t i = 0; i < n; ++i) CHECK(acc[i] == 1.0 + a[i]);
  }
  // A hidden key (-inf) weighs exactly 0.
  std::vector<float> row{0.0f, -std::numeric_limits<float>::infinity(), 1.0f};
  CHECK(rows::exp_shifted_sum(row.data(), 3, 1.0f) == doctest::Approx(1.0 + std::exp(-1.0)).epsilon(1e-6));
  CHECK(row[1] == 0.0f);
}

TEST_CASE("fast_math: rows::dots and add_weighted_rows (attention's few-rows tiles) equal sums in double") {
  // Head dims below, at and past the 8- and 32-wide vectors, rows read with a leading dimension
  // past n, and key counts below, at and past the groups of 8 dots takes at a time.
  for (std::int64_t n : {1, 8, 15, 16, 17, 32, 40, 64, 71}) {
    for (std::int64_t count : {1, 7, 8, 9, 17}) {
      CAPTURE(n);
      CAPTURE(count);
      constexpr std::int64_t kLd = 75;
      const auto seed = static_cast<unsigned>(100 * n + count);
      const std::vector<float> q = random_row(n, 300 + seed, -1, 1);
      const std::vector<float> k = random_row(count * kLd, 400 + seed, -1, 1);
      const std::vector<float> p = random_row(count, 500 + seed, 0, 1);
      std::vector<float> s(count);
      rows::dots(s.data(), q.data(), k.data(), kLd, count, n, 0.5f);
      std::vector<float> o = random_row(n, 600 + seed, -1, 1);
      const std::vector<float> o_before = o;
      rows::add_weighted_rows(o.data(), p.data(), k.data(), kLd, count, n);
      for (std::int64_t c = 0; c < count; ++c) {
        double d = 0;
        for (std::int64_t i = 0; i < n; ++i) d += static_cast<double>(q[i]) * k[c * kLd + i];
        CHECK(s[c] == doctest::Approx(0.5 * d).epsilon(1e-5));
        // A key's score is the same bits whether it is scored alone or among others.
        float alone = 0;
        rows::dots(&alone, q.data(), k.data() + c * kLd, kLd, 1, n, 0.5f);
        CHECK(alone == s[c]);
      }
      for (std::int64_t i = 0; i < n; ++i) {
        double e = o_before[i];
        for (std::int64_t c = 0; c < count; ++c) e += static_cast<double>(p[c]) * k[c * kLd + i];
        CHECK(o[i] == doctest::Approx(e).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("fast_math: erf_float is within 2e-7 of erf over the whole line, NaN stays NaN") {
  // Every 61st float from -5 to 5 (both pieces, the switch at 1.25 and the clamp at 3.92), against
  // libm's erf in double.
  double worst = 0;
  float worst_at = 0;
  for (float x = -5.0f; x <= 5.0f;) {
    const double err = std::abs(static_cast<double>(erf_float(x)) - std::erf(static_cast<double>(x)));
    if (err > worst) worst = err, worst_at = x;
    for (int i = 0; i < 61; ++i) x = std::nextafter(x, 10.0f);
  }
  MESSAGE("worst |erf_float - erf| " << worst << " at " << worst_at);
  CHECK(worst <= 2e-7);
  for (float x : {1.25f, std::nextafter(1.25f, 0.0f), 3.92f, std::nextafter(3.92f, 10.0f)})
    CHECK(std::abs(erf_float(x) - std::erf(static_cast<double>(x))) <= 2e-7);
  CHECK(erf_float(0.0f) == 0.0f);
  CHECK(erf_float(-2.0f) == -erf_float(2.0f));
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(erf_float(inf) == 1.0f);
  CHECK(erf_float(-inf) == -1.0f);
  CHECK(erf_float(30.0f) == 1.0f);
  CHECK(std::isnan(erf_float(std::numeric_limits<float>::quiet_NaN())));
  // Small arguments keep their relative precision (erf(x) ~ 2x / sqrt(pi)).
  CHECK(erf_float(1e-20f) == doctest::Approx(1.1283791670955126e-20).epsilon(1e-6));
}

TEST_CASE("fast_math: rows::gelu and gelu_grad match the formulas in double") {
  for (std::int64_t n : kLengths) {
    CAPTURE(n);
    const std::vector<float> x = random_row(n, 300 + static_cast<unsigned>(n), -8, 8);
    std::vector<float> g(static_cast<std::size_t>(n)), dg(static_cast<std::size_t>(n));
    rows::gelu(g.data(), x.data(), n);
    rows::gelu_grad(dg.data(), x.data(), n);
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = x[i];
      const double cdf = 0.5 * (1 + std::erf(v / std::sqrt(2.0)));
      CHECK(std::abs(g[i] - v * cdf) <= 2e-7 * std::max(1.0, std::abs(v)));
      CHECK(std::abs(dg[i] - (cdf + v * std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI))) <= 3e-7);
    }
  }
}

TEST_CASE("fast_math: rows::log_softmax_grad equals g - exp(y) sum_g") {
  for (std::int64_t n : kLengths) {
    CAPTURE(n);
    const std::vector<float> y = random_row(n, 400 + static_cast<unsigned>(n), -30, 0);
    const std::vector<float> g = random_row(n, 500 + static_cast<unsigned>(n), -1, 1);
    std::vector<float> d(static_cast<std::size_t>(n));
    rows::log_softmax_grad(d.data(), g.data(), y.data(), n, 0.75f);
    for (std::int64_t i = 0; i < n; ++i)
      CHECK(d[i] == doctest::Approx(g[i] - std::exp(static_cast<double>(y[i])) * 0.75).epsilon(1e-6).scale(1));
  }
}

TEST_CASE("fast_math: rows::dropout_factors is bitwise the scalar philox4x32, at any start and length") {
  const std::uint64_t key = 0x0123456789abcdef;
  const std::uint32_t threshold = 0x4ccccccd;  // p = 0.3
  // The AVX-512 version makes 128 elements a pass, the portable one 64: starts and lengths around both.
  for (auto* factors : {&rows::dropout_factors, &rows::dropout_factors_portable}) {
    for (std::int64_t first : {0, 1, 3, 61, 64, 127, 128, 1000}) {
      for (std::int64_t n : {1, 5, 63, 64, 65, 127, 128, 129, 300}) {
        std::vector<float> out(n, -1.0f);
        (*factors)(out.data(), first, n, 7, 11, 13, key, threshold, 2.5f);
        for (std::int64_t e = first; e < first + n; ++e) {
          const auto bits = philox4x32({static_cast<std::uint32_t>(e / 4), 7, 11, 13}, key);
          CHECK(out[e - first] == (bits[e % 4] >= threshold ? 2.5f : 0.0f));
        }
      }
    }
  }
}
