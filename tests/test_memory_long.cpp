// Flat memory over long training: every step's graph and buffers are released, so the resident
// set size stays flat after warm-up. The 10,000-step run carries the CTest label "long"
// (ctest -L long -R memory); a 50-step check that the graph is freed after each step runs in the
// default suite.
#include <doctest/doctest.h>

#include <focus/focus.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace focus;

namespace {

// Resident set size in bytes, from /proc/self/statm (second field, in pages).
double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

// One training loop of a small encoder-decoder Transformer with dropout, Adam and gradient
// clipping, on batches whose lengths vary (as length-bucketed batches do). on_step(step) runs
// after each step, once that step's tensors are gone.
template <class OnStep>
void train(int steps, OnStep on_step) {
  manual_seed(11);
  nn::TransformerOptions o;
  o.d_model = 32;
  o.nhead = 4;
  o.dim_feedforward = 64;
  o.dropout = 0.1;
  nn::Transformer model(o, 1, 1);
  optim::AdamOptions ao;
  ao.lr = 1e-3;
  optim::Adam opt(model.named_parameters(), ao);
  Generator data(12);
  AttentionMask causal;
  causal.is_causal = true;
  for (int step = 1; step <= steps; ++step) {
    {
      const std::int64_t S = 5 + step % 13, T = 4 + step % 11;
      const Tensor src = randn({8, S, 32}, kFloat32, &data);
      const Tensor tgt = randn({8, T, 32}, kFloat32, &data);
      const Tensor loss = (model.forward(src, tgt, {}, causal) - tgt).pow(2.0).mean();
      opt.zero_grad();
      loss.backward();
      optim::clip_grad_norm(model.parameters(), 1.0);
      opt.step();
    }
    on_step(step);
  }
}

}  // namespace

TEST_CASE("memory: every training step's graph is freed") {
  const std::int64_t before = Node::live_count();
  int checked = 0;
  train(50, [&](int) {
    CHECK(Node::live_count() == before);
    ++checked;
  });
  CHECK(checked == 50);
}

TEST_CASE("memory: resident memory stays flat over 10000 training steps" * doctest::test_suite("long")) {
  double at_1000 = 0, at_10000 = 0;
  train(10000, [&](int step) {
    if (step % 1000 != 0) return;
    const double rss = resident_bytes();
    MESSAGE("step ", step, ": resident ", rss / (1024.0 * 1024.0), " MiB");
    if (step == 1000) at_1000 = rss;
    if (step == 10000) at_10000 = rss;
  });
  REQUIRE(at_1000 > 0);
  // Generous: allocator noise is a few hundred KiB; a leaked graph per step would be megabytes.
  CHECK(at_10000 <= at_1000 * 1.10);
}
