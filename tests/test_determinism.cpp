// Determinism: with the same seed and thread count, training gives bitwise the same losses and
// weights on every run in the same process (initialisation, dropout masks, matmuls, Adam).
#include <doctest/doctest.h>

#include <focus/focus.h>

#include <cstring>

using namespace focus;

namespace {

struct Run {
  std::vector<float> losses;
  std::vector<float> weights;
};

// A few Adam steps of a small encoder-decoder Transformer with dropout on a copy-like task.
Run train_transformer(std::uint64_t seed, int threads, int steps) {
  set_num_threads(threads);
  manual_seed(seed);
  nn::TransformerOptions o;
  o.d_model = 32;
  o.nhead = 4;
  o.dim_feedforward = 64;
  o.dropout = 0.2;
  nn::Transformer model(o, 1, 1);
  optim::AdamOptions ao;
  ao.lr = 1e-3;
  optim::Adam opt(model.named_parameters(), ao);
  Generator data(seed + 100);
  AttentionMask causal;
  causal.is_causal = true;
  Run r;
  for (int step = 0; step < steps; ++step) {
    const Tensor src = randn({4, 7, 32}, kFloat32, &data);
    const Tensor tgt = randn({4, 6, 32}, kFloat32, &data);
    const Tensor out = model.forward(src, tgt, {}, causal);
    const Tensor loss = (out - tgt).pow(2.0).mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    r.losses.push_back(loss.item<float>());
  }
  for (const auto& p : model.parameters())
    for (float v : p.to_vector<float>()) r.weights.push_back(v);
  return r;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("determinism: same seed and thread count give bitwise-identical losses and weights") {
  const int before = get_num_threads();
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    const Run a = train_transformer(7, threads, 5);
    const Run b = train_transformer(7, threads, 5);
    REQUIRE(a.losses.size() == 5);
    MESSAGE("threads=", threads, " first loss ", a.losses.front(), " last loss ", a.losses.back());
    CHECK(bitwise_equal(a.losses, b.losses));
    CHECK(bitwise_equal(a.weights, b.weights));
    CHECK(a.losses.back() < a.losses.front());  // it did train
    // A different seed changes the run (dropout masks and initialisation really depend on it).
    const Run c = train_transformer(8, threads, 5);
    CHECK_FALSE(bitwise_equal(a.losses, c.losses));
  }
  set_num_threads(before);
}
