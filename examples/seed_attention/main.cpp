// seed_attention: the seed article's AttentionLayer (section 5.2), rebuilt with focus.
// Part 1 runs the article's demo: a random input [10, 50, 128] through SelfAttention(128, units=64)
// and prints the output shape [10, 50, 64]. Part 2 trains the layer: a "student" layer learns to
// reproduce a fixed "teacher" layer's outputs on fresh random inputs (mean squared error, Adam),
// and the loss falls.
#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>
#include <focus/focus.h>
#include <focus/optim/adam.h>

#include <cstdio>
#include <iostream>

using namespace focus;

int run(int argc, char** argv) {
  cli::Args args(argc, argv);
  const auto steps = args.get_int("steps", 300, "training steps", 1, 1000000);
  const auto seed = args.get_int("seed", 0, "random seed", 0);
  const double lr = args.get_double("lr", 3e-3, "Adam learning rate");
  if (args.help()) {
    std::cout << args.usage("seed_attention", "The seed article's self-attention layer: its demo, then a short training run.");
    return 0;
  }
  args.finish();
  manual_seed(static_cast<std::uint64_t>(seed));

  // Part 1: the article's demo. Q, K, V = Dense(x); softmax(Q K^T / sqrt(64)) V; a final Dense.
  auto layer = std::make_shared<nn::SelfAttention>(128, 64);
  std::cout << *layer << "\n";
  const Tensor x = randn({10, 50, 128});
  Tensor weights;
  const Tensor y = layer->forward(x, &weights);
  std::cout << "input " << x.shape() << " -> output " << y.shape() << ", attention weights " << weights.shape()
            << "\n";

  // Part 2: train a student to imitate a teacher. Smaller batches keep each step fast.
  nn::SelfAttention teacher(128, 64);
  optim::Adam opt(layer->named_parameters(), {.lr = lr});
  double first = 0, last = 0;
  for (std::int64_t step = 1; step <= steps; ++step) {
    const Tensor batch = randn({8, 20, 128});
    Tensor target;
    {
      NoGradGuard ng;
      target = teacher.forward(batch);
    }
    const Tensor loss = mse_loss(layer->forward(batch), target);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last = loss.item<double>();
    if (step == 1) first = last;
    if (step == 1 || step % 50 == 0 || step == steps) std::printf("step %5lld  loss %.6f\n", (long long)step, last);
  }
  std::printf("loss fell from %.6f to %.6f\n", first, last);
  return last < first ? 0 : 1;  // the smoke test asserts the loss falls
}

int main(int argc, char** argv) {
  return cli::guarded_main("seed_attention", [&] { return run(argc, argv); });
}
