// custom_layer: a new op and a new layer from outside the library (swish.h), proved three ways:
//   1. gradcheck and gradgradcheck compare its hand-written backward (and the backward's own
//      derivative) with finite differences, in float64;
//   2. the Swish module's parameter is listed, named and printed like any built-in layer's;
//   3. a small network Linear -> Swish -> Linear learns y = sin(2x) and the loss falls.
// Exits non-zero when a check fails or the loss does not fall to a quarter of its first value.
#include "swish.h"

#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>

#include <cmath>
#include <cstdio>
#include <iostream>

using namespace focus;

namespace {

bool check_gradients() {
  Generator gen(1);
  const Tensor x = uniform({4, 3}, -2, 2, kFloat64, &gen).requires_grad_();
  const Tensor beta = uniform({3}, 0.5, 1.5, kFloat64, &gen).requires_grad_();
  auto fn = [](const std::vector<Tensor>& in) { return custom::swish(in[0], in[1]); };
  const GradcheckResult first = gradcheck(fn, {x, beta});
  const GradcheckResult second = gradgradcheck(fn, {x, beta});
  std::cout << first.message << "\n" << second.message << "\n";
  return first.ok && second.ok;
}

int run(int argc, char** argv) {
  cli::Args args(argc, argv);
  const auto steps = args.get_int("steps", 400, "training steps", 1, 1000000);
  const auto seed = args.get_int("seed", 0, "random seed", 0);
  const double lr = args.get_double("lr", 1e-2, "Adam learning rate");
  if (args.help()) {
    std::cout << args.usage("custom_layer", "A user-written op (swish) and layer: gradchecked, then trained.");
    return 0;
  }
  args.finish();
  manual_seed(static_cast<std::uint64_t>(seed));

  if (!check_gradients()) return 1;

  // A model of three layers; Swish sits between the Linears like any built-in activation.
  nn::Sequential model;
  model.push_back(std::make_shared<nn::Linear>(1, 32));
  const auto swish_layer = std::make_shared<custom::Swish>(32);
  model.push_back(swish_layer);
  model.push_back(std::make_shared<nn::Linear>(32, 1));
  std::cout << model << "\n";
  for (const auto& [name, p] : model.named_parameters()) std::cout << "  " << name << " " << p.shape() << "\n";

  // Fit y = sin(2x) on 64 fixed points in [-2, 2].
  const Tensor x = (arange(64).to(kFloat32) * (4.0 / 63) - 2.0).reshape({64, 1});
  const Tensor y = sin(x * 2.0);
  optim::Adam opt(model.named_parameters(), {.lr = lr});
  double first = 0, last = 0;
  for (std::int64_t step = 1; step <= steps; ++step) {
    const Tensor loss = mse_loss(model.forward(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last = loss.item<double>();
    if (step == 1) first = last;
    if (step == 1 || step % 100 == 0 || step == steps) std::printf("step %5lld  loss %.6f\n", (long long)step, last);
  }
  const auto betas = swish_layer->beta.to_vector<float>();
  std::printf("loss fell from %.6f to %.6f; beta[0..2] learned %.4f %.4f %.4f\n", first, last, betas[0], betas[1],
              betas[2]);
  return last < first / 4 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("custom_layer", [&] { return run(argc, argv); });
}
