// xor_mlp: trains a 2-layer perceptron on XOR, built from raw tensors and autograd alone (no nn/,
// no optim/): the smallest complete training loop in focus. Points x in [-1, 1]^2 are labelled 1
// when x0 * x1 > 0 (same-sign quadrants), which no linear model can separate.
// Exits 1 if the final loss is not below the initial one, so the CTest smoke run asserts learning.
#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>
#include <focus/focus.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

using focus::Tensor;

namespace {

// Binary cross-entropy on logits z, written with elementwise ops in the stable form
//   bce(z, y) = max(z, 0) - y * z + log(1 + exp(-|z|)),
// equal to -y log(sigmoid(z)) - (1 - y) log(1 - sigmoid(z)) but never taking log(0). Averaged.
Tensor bce_with_logits(const Tensor& z, const Tensor& y) {
  return (focus::relu(z) - y * z + focus::log(1.0 + focus::exp(-focus::abs(z)))).mean();
}

int run(std::int64_t steps, std::uint64_t seed) {
  constexpr std::int64_t N = 256, H = 16;  // N points, H hidden units
  constexpr double lr = 0.5;
  focus::manual_seed(seed);

  // Data: X [N, 2], y [N, 1] in {0, 1}.
  Tensor X = focus::uniform({N, 2}, -1.0, 1.0);
  Tensor y = focus::gt(X.select(1, 0) * X.select(1, 1), 0.0).to(focus::kFloat32).unsqueeze(1);

  // Parameters, scaled by 1/sqrt(fan_in) so tanh starts in its linear range. requires_grad_ comes
  // after the scaling so each is a leaf that collects .grad.
  Tensor W1 = focus::randn({2, H}) * (1.0 / std::sqrt(2.0));
  Tensor b1 = focus::zeros({H});
  Tensor W2 = focus::randn({H, 1}) * (1.0 / std::sqrt(double(H)));
  Tensor b2 = focus::zeros({1});
  for (Tensor* p : {&W1, &b1, &W2, &b2}) p->requires_grad_();

  // Forward: [N, 2] @ [2, H] + [H] -> tanh -> [N, H] @ [H, 1] + [1] -> logits [N, 1].
  auto forward = [&] { return focus::matmul(focus::tanh(focus::matmul(X, W1) + b1), W2) + b2; };

  double first_loss = 0;
  const std::int64_t print_every = steps >= 10 ? steps / 10 : 1;
  for (std::int64_t step = 0; step < steps; ++step) {
    Tensor loss = bce_with_logits(forward(), y);
    for (Tensor* p : {&W1, &b1, &W2, &b2}) p->zero_grad();  // .grad accumulates; start afresh
    loss.backward();
    {  // SGD: p -= lr * dp, in place and outside the graph.
      focus::NoGradGuard no_grad;
      for (Tensor* p : {&W1, &b1, &W2, &b2}) p->sub_(p->grad() * lr);
    }
    if (step == 0) first_loss = loss.item<double>();
    if (step % print_every == 0)
      std::printf("step %5lld  loss %.4f\n", static_cast<long long>(step), loss.item<double>());
  }

  // The trained weights: loss, and accuracy with a point called 1 when its logit is positive.
  focus::NoGradGuard no_grad;
  Tensor logits = forward();
  const double final_loss = bce_with_logits(logits, y).item<double>();
  Tensor correct = focus::eq(focus::gt(logits, 0.0), focus::gt(y, 0.5)).to(focus::kFloat32);
  std::printf("after %lld steps: loss %.4f, accuracy %.1f%% on %lld points\n", static_cast<long long>(steps),
              final_loss, 100 * correct.mean().item<double>(), static_cast<long long>(N));
  if (final_loss < first_loss) return 0;
  std::fprintf(stderr, "xor_mlp: loss did not fall (%.4f -> %.4f)\n", first_loss, final_loss);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  return focus::cli::guarded_main("xor_mlp", [&] {
    focus::cli::Args args(argc, argv);
    const auto steps = args.get_int("steps", 2000, "full-batch SGD steps", 1);
    const auto seed = args.get_int("seed", 0, "seed of focus's generator: data and initial weights", 0);
    if (args.help()) {
      std::fputs(args.usage("xor_mlp", "Train a 2-layer perceptron on XOR with raw tensors and autograd.").c_str(), stdout);
      return 0;
    }
    args.finish();
    return run(steps, static_cast<std::uint64_t>(seed));
  });
}
