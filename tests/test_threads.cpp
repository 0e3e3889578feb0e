// Concurrency: what docs/threads.md promises, run for real. One model answered from several user
// threads while another trains; focus's pool under concurrent callers; results independent of
// the thread count. The ThreadSanitizer stage (scripts/ci_tsan.sh) runs these too.
#include <doctest/doctest.h>

#include <focus/focus.h>
#include <focus/tensor/parallel.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace focus;

namespace {

// Restores the thread count a test changed.
struct ThreadCount {
  int before = get_num_threads();
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(before); }
};

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<float>(), y = b.to_vector<float>();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// T = 1024 puts every attention call past the kernel's threading threshold (1 MFLOP), so the
// threaded path runs; the matrix products are large enough to be cut into pieces.
nn::GPTConfig served_config() {
  nn::GPTConfig c;
  c.vocab_size = 40;
  c.block_size = 1024;
  c.d_model = 64;
  c.n_head = 4;
  c.n_layer = 2;
  return c;
}

Tensor token_ids(std::int64_t T, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(T));
  for (auto& id : ids) id = static_cast<std::int64_t>(gen.below(40));
  return tensor(ids, {1, T});
}

// A few Adam steps of a small GPT with dropout (so it draws from the default generator while
// the readers run), on its own parameters. Returns the last loss.
float train_other_model(int steps) {
  nn::GPTConfig c;
  c.vocab_size = 40;
  c.block_size = 64;
  c.d_model = 32;
  c.n_head = 4;
  c.n_layer = 1;
  c.dropout = 0.1;
  nn::GPT model(c);
  optim::Adam opt(model.named_parameters());
  const Tensor ids = token_ids(64, 11);
  const Tensor inputs = ids.slice(1, 0, 63), targets = ids.slice(1, 1, 64).reshape({-1});
  float last = 0;
  for (int s = 0; s < steps; ++s) {
    const Tensor logits = model.forward(inputs);
    const Tensor loss = cross_entropy(logits.reshape({-1, 40}), targets);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last = loss.item<float>();
  }
  return last;
}

}  // namespace

TEST_CASE("threads: one GPT answered from 4 threads while a fifth trains gives the single-threaded output bitwise") {
  ThreadCount threads(2);
  manual_seed(3);
  nn::GPT model(served_config());
  model.eval();
  const Tensor ids = token_ids(1024, 5);
  Tensor reference;
  {
    NoGradGuard no_grad;
    reference = model.forward(ids);
  }
  constexpr int kReaders = 4, kRounds = 3;
  std::vector<int> equal(kReaders, 0);
  std::vector<std::string> errors(kReaders + 1);
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int r = 0; r < kReaders; ++r)
    pool.emplace_back([&, r] {
      while (!go.load()) std::this_thread::yield();
      try {
        NoGradGuard no_grad;  // per thread, like grad mode itself
        for (int round = 0; round < kRounds; ++round) equal[r] += bitwise_equal(model.forward(ids), reference);
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  float trained_loss = 0;
  pool.emplace_back([&] {
    while (!go.load()) std::this_thread::yield();
    try {
      trained_loss = train_other_model(8);
    } catch (const std::exception& e) {
      errors[kReaders] = e.what();
    }
  });
  go = true;
  for (auto& t : pool) t.join();
  for (const auto& e : errors) CHECK(e == "");
  for (int r = 0; r < kReaders; ++r) CHECK(equal[r] == kRounds);
  CHECK(std::isfinite(trained_loss));
  CHECK(trained_loss < std::log(40.0f));  // it learned something: below the uniform guess

  // And the same bits at one thread: the pieces, not the threads, decide the arithmetic.
  set_num_threads(1);
  NoGradGuard no_grad;
  CHECK(bitwise_equal(model.forward(ids), reference));
}

TEST_CASE("threads: each thread's forward and backward on a shared model sum into .grad without loss") {
  ThreadCount threads(2);
  manual_seed(4);
  nn::Linear layer(16, 8);
  // Small integers: every gradient and every sum of them is exact in float, so the check is too.
  Generator gen(4);
  std::vector<float> xs(32 * 16);
  for (auto& v : xs) v = static_cast<float>(gen.below(9)) - 4.0f;
  const Tensor x = tensor(xs, {32, 16});
  // One thread's gradient, alone.
  layer.zero_grad();
  layer.forward(x).sum().backward();
  const auto one = layer.weight.grad().to_vector<float>();
  layer.zero_grad();
  constexpr int kThreads = 4, kRepeats = 25;
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < kRepeats; ++i) layer.forward(x).sum().backward();
    });
  for (auto& t : pool) t.join();
  const auto all = layer.weight.grad().to_vector<float>();
  REQUIRE(all.size() == one.size());
  int wrong = 0;
  for (std::size_t i = 0; i < all.size(); ++i) wrong += all[i] != kThreads * kRepeats * one[i];
  CHECK(wrong == 0);  // a lost or doubled update would show as a multiple of one[i] off
}

TEST_CASE("threads: grad mode set on one thread does not reach another") {
  std::atomic<bool> other_enabled{false};
  {
    NoGradGuard no_grad;
    std::thread t([&] { other_enabled = GradMode::is_enabled(); });
    t.join();
  }
  CHECK(other_enabled.load());
}

TEST_CASE("threads: the pool covers every item once under concurrent callers, and rethrows a range's error") {
  ThreadCount threads(3);
  constexpr int kCallers = 4, kItems = 1000;
  std::vector<std::vector<int>> hits(kCallers, std::vector<int>(kItems, 0));
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&, c] {
      for (int round = 0; round < 20; ++round)
        parallel::for_ranges(kItems, [&](std::int64_t begin, std::int64_t end) {
          CHECK(parallel::in_parallel_region());
          for (std::int64_t i = begin; i < end; ++i) ++hits[c][static_cast<std::size_t>(i)];
          // A nested call runs inline on this thread.
          parallel::for_ranges(4, [](std::int64_t b, std::int64_t e) { CHECK((b == 0 && e == 4)); });
        });
    });
  for (auto& t : callers) t.join();
  for (const auto& h : hits)
    for (int v : h) CHECK(v == 20);
  CHECK(!parallel::in_parallel_region());
  CHECK_THROWS_WITH_AS(parallel::for_ranges(9,
                                            [](std::int64_t begin, std::int64_t) {
                                              if (begin > 0) throw std::runtime_error("range failed");
                                            }),
                       "range failed", std::runtime_error);
}

TEST_CASE("threads: for_chunks calls once per fixed chunk, the same chunks at 1, 2 and 3 threads") {
  // (n, chunk, min_chunks): an empty range, one short chunk, a last chunk cut short, exact
  // multiples, and a count below min_chunks (all on the calling thread).
  const std::vector<std::array<std::int64_t, 3>> cases = {{0, 4, 2}, {3, 4, 2}, {10, 4, 2}, {12, 4, 2}, {1000, 7, 2}, {10, 4, 4}};
  for (const auto& [n, chunk, min_chunks] : cases) {
    CAPTURE(n);
    CAPTURE(chunk);
    std::vector<std::pair<std::int64_t, std::int64_t>> expected;
    for (std::int64_t a = 0; a < n; a += chunk) expected.emplace_back(a, std::min(n, a + chunk));
    for (int t : {1, 2, 3}) {
      ThreadCount threads(t);
      std::mutex mu;
      std::vector<std::pair<std::int64_t, std::int64_t>> seen;
      std::set<std::thread::id> ran_on;
      parallel::for_chunks(n, chunk, min_chunks, [&](std::int64_t a, std::int64_t b) {
        std::lock_guard lock(mu);
        seen.emplace_back(a, b);
        ran_on.insert(std::this_thread::get_id());
      });
      std::sort(seen.begin(), seen.end());
      CHECK(seen == expected);
      if (static_cast<std::int64_t>(expected.size()) < std::max<std::int64_t>(min_chunks, 2))
        CHECK(ran_on.size() <= 1);
    }
  }
}

TEST_CASE("threads: matrix products give the same bits at 1, 2 and 3 threads") {
  manual_seed(9);
  // Shapes across the piece threshold, both layouts, a batch, float64.
  const std::vector<std::pair<Tensor, Tensor>> cases = {
      {randn({1024, 128}), randn({128, 512})},  {randn({333, 200}), randn({200, 77})},
      {randn({8, 96, 64}), randn({8, 64, 96})}, {randn({700, 96}).t(), randn({700, 300})},
      {randn({257, 300}, kFloat64), randn({300, 130}, kFloat64)}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    const auto& [a, b] = cases[i];
    Tensor ref;
    for (int n : {1, 2, 3}) {
      ThreadCount threads(n);
      const Tensor c = matmul(a, b);
      if (!ref.defined()) ref = c;
      const auto x = c.to_vector<double>(), y = ref.to_vector<double>();
      CHECK(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("threads: elementwise ops on large float tensors give the same bits at 1, 2 and 3 threads") {
  manual_seed(10);
  // Large enough to be cut across threads: one contiguous run (cut in 64-element blocks), a
  // broadcast bias (cut along the outer dim), a transposed (strided) operand, and float64.
  const Tensor x = randn({64, 50, 128}), bias = randn({128}), y = randn({128, 50, 64}).transpose(0, 2);
  const Tensor d = randn({300, 257}, kFloat64);
  std::vector<std::vector<double>> ref;
  for (int n : {1, 2, 3}) {
    ThreadCount threads(n);
    const std::vector<Tensor> outs = {gelu(x), x + bias, x * y, (x - 1.5).exp(), gelu(y), sqrt(d * d),
                                      where(x > 0, x, y)};
    for (std::size_t i = 0; i < outs.size(); ++i) {
      CAPTURE(i);
      const auto v = outs[i].to_vector<double>();
      if (ref.size() <= i) ref.push_back(v);
      else CHECK(std::memcmp(v.data(), ref[i].data(), v.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("threads: layer norm forward and backward give the same bits at 1, 2 and 3 threads") {
  manual_seed(11);
  // [6400, 64] is cut into row ranges (forward) and 8 row blocks (backward's dweight and dbias).
  const Tensor x0 = randn({128, 50, 64}), w0 = randn({64}), b0 = randn({64}), up = randn({128, 50, 64});
  std::vector<std::vector<double>> ref;
  for (int n : {1, 2, 3}) {
    ThreadCount threads(n);
    const Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(), b = b0.detach().requires_grad_();
    const Tensor y = layer_norm(x, {64}, w, b);
    (y * up).sum().backward();
    const std::vector<Tensor> outs = {y, x.grad(), w.grad(), b.grad()};
    for (std::size_t i = 0; i < outs.size(); ++i) {
      CAPTURE(i);
      const auto v = outs[i].to_vector<double>();
      if (ref.size() <= i) ref.push_back(v);
      else CHECK(std::memcmp(v.data(), ref[i].data(), v.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("threads: softmax, log-softmax and cross-entropy give the same bits at 1, 2 and 3 threads") {
  manual_seed(12);
  // Rows shared across threads: attention-like scores along the last dim, a strided dim, and
  // [6400, 500] logits with label smoothing; forward and backward.
  const Tensor s0 = randn({8, 4, 50, 50}), logits0 = randn({6400, 500}), up = randn({8, 4, 50, 50});
  const Tensor targets = randint(0, 500, {6400});
  std::vector<std::vector<double>> ref;
  for (int n : {1, 2, 3}) {
    ThreadCount threads(n);
    const Tensor s = s0.detach().requires_grad_(), logits = logits0.detach().requires_grad_();
    const Tensor p = softmax(s, -1), lp = log_softmax(s, -1), q = softmax(s, 2);
    const Tensor loss = cross_entropy(logits, targets, {.label_smoothing = 0.1});
    (((p + lp + q) * up).sum() + loss).backward();
    const std::vector<Tensor> outs = {p, lp, q, loss, s.grad(), logits.grad()};
    for (std::size_t i = 0; i < outs.size(); ++i) {
      CAPTURE(i);
      const auto v = outs[i].to_vector<double>();
      if (ref.size() <= i) ref.push_back(v);
      else CHECK(std::memcmp(v.data(), ref[i].data(), v.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("threads: an Adam step, gradient clipping and dropout masks give the same bits at 1, 2 and 3 threads") {
  manual_seed(13);
  // Adam shares a parameter's elements in chunks of 4096: 300 x 50 is 4 chunks, [7] is one;
  // dropout shares masks in segments of 2^14 elements from 4 segments on (96 x 1000 is 6).
  const Tensor w0 = randn({300, 50}), b0 = randn({7}), gw = randn({300, 50}), gb = randn({7}), x = randn({96, 1000});
  std::vector<std::vector<double>> ref;
  for (int n : {1, 2, 3}) {
    ThreadCount threads(n);
    const Tensor w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();  // Adam writes in place
    w.set_grad(gw.clone()), b.set_grad(gb.clone());
    optim::Adam opt({{"w", w}, {"b", b}}, {.lr = 0.01});
    const double norm = optim::clip_grad_norm(std::vector<Tensor>{w, b}, 1.0);
    opt.step();
    opt.step();
    Generator gen(5);
    const Tensor dropped = dropout(x, 0.3, true, &gen);
    const std::vector<Tensor> outs = {w.detach(), b.detach(), scalar_tensor(norm, kFloat64), dropped};
    for (std::size_t i = 0; i < outs.size(); ++i) {
      CAPTURE(i);
      const auto v = outs[i].to_vector<double>();
      if (ref.size() <= i) ref.push_back(v);
      else CHECK(std::memcmp(v.data(), ref[i].data(), v.size() * sizeof(double)) == 0);
    }
  }
}
