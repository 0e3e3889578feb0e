// sampling: temperature and top-k draws from logits (nn/sampling.h): greedy, which tokens can be
// drawn, frequencies against the softmax they should follow, reproducible seeds, and the errors.
#include <doctest/doctest.h>

#include <focus/focus.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace focus;

namespace {

// Draws n tokens from one row of logits and returns how often each token came up.
std::vector<double> frequencies(const std::vector<double>& logits, const nn::SamplingOptions& o, int n,
                                std::uint64_t seed) {
  Generator gen(seed);
  const Tensor row = tensor(logits, {1, static_cast<std::int64_t>(logits.size())});
  std::vector<double> counts(logits.size(), 0.0);
  for (int i = 0; i < n; ++i) counts[nn::sample_logits(row, o, gen).to_vector<std::int64_t>()[0]] += 1.0 / n;
  return counts;
}

}  // namespace

TEST_CASE("sampling: temperature 0 and top_k 1 both pick the largest logit in every row") {
  Generator gen(3);
  const Tensor logits = tensor(std::vector<float>{0.1f, 2.0f, -1.0f, 5.0f, 4.9f, 0.0f}, {2, 3});
  CHECK(nn::sample_logits(logits, {.temperature = 0}, gen).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(nn::sample_logits(logits, {.temperature = 5, .top_k = 1}, gen).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{1, 0});
  const Tensor one = nn::sample_logits(tensor(std::vector<float>{1, 3, 2}), {.temperature = 0}, gen);
  CHECK(one.dim() == 0);
  CHECK(one.item<std::int64_t>() == 1);
}

TEST_CASE("sampling: draws follow softmax(logits / temperature)") {
  // Logits log(1), log(2), log(7): at temperature 1 the probabilities are 0.1, 0.2, 0.7; at
  // temperature 0.5 they are proportional to 1, 4, 49. 20,000 draws: standard error <= 0.0035.
  const std::vector<double> logits{0.0, std::log(2.0), std::log(7.0)};
  const auto t1 = frequencies(logits, {.temperature = 1.0}, 20000, 1);
  CHECK(std::abs(t1[0] - 0.1) < 0.015);
  CHECK(std::abs(t1[1] - 0.2) < 0.015);
  CHECK(std::abs(t1[2] - 0.7) < 0.015);
  const auto t05 = frequencies(logits, {.temperature = 0.5}, 20000, 2);
  CHECK(std::abs(t05[0] - 1.0 / 54) < 0.01);
  CHECK(std::abs(t05[1] - 4.0 / 54) < 0.01);
  CHECK(std::abs(t05[2] - 49.0 / 54) < 0.01);
}

TEST_CASE("sampling: top_k draws only among the k largest logits, renormalised") {
  // Kept: tokens 3 (logit 2) and 0 (logit 1): probabilities e / (e + 1) = 0.731 and 0.269.
  const std::vector<double> logits{1.0, -1.0, 0.0, 2.0, 0.5};
  const auto f = frequencies(logits, {.temperature = 1.0, .top_k = 2}, 10000, 4);
  CHECK(f[1] == 0.0);
  CHECK(f[2] == 0.0);
  CHECK(f[4] == 0.0);
  CHECK(std::abs(f[3] - std::exp(1.0) / (std::exp(1.0) + 1)) < 0.02);
  // top_k above V keeps everything.
  const auto all = frequencies(logits, {.temperature = 1.0, .top_k = 50}, 5000, 5);
  CHECK(all[1] > 0.0);
}

TEST_CASE("sampling: a seed gives the same draws") {
  const Tensor logits = randn({4, 9}, kFloat32, nullptr);
  Generator a(7), b(7);
  for (int i = 0; i < 5; ++i)
    CHECK(nn::sample_logits(logits, {.temperature = 0.8, .top_k = 5}, a).to_vector<std::int64_t>() ==
          nn::sample_logits(logits, {.temperature = 0.8, .top_k = 5}, b).to_vector<std::int64_t>());
}

TEST_CASE("sampling: bad options and logits are rejected with the rule and the value") {
  Generator gen(0);
  const Tensor logits = zeros({2, 3});
  CHECK_THROWS_WITH_AS(nn::sample_logits(logits, {.temperature = -0.5}, gen),
                       "sample_logits: temperature must be >= 0; got -0.5", ValueError);
  CHECK_THROWS_WITH_AS(nn::sample_logits(logits, {.top_k = -1}, gen), "sample_logits: top_k must be >= 0; got -1",
                       ValueError);
  CHECK_THROWS_WITH_AS(nn::sample_logits(zeros({2, 3, 4}), {}, gen),
                       "sample_logits: logits must be [N, V] or [V]; got [2, 3, 4]", ShapeError);
  CHECK_THROWS_WITH_AS(nn::sample_logits(zeros({2, 3}, kInt64), {}, gen),
                       "sample_logits: expected a floating dtype (float32 or float64); got int64", DTypeError);
  CHECK_THROWS_WITH_AS(nn::sample_logits(tensor(std::vector<float>{0, NAN, 1, 2}, {2, 2}), {}, gen),
                       "sample_logits: logits must not be NaN; got one in row 0", ValueError);
}
