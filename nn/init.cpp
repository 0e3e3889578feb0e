// Initialisers: the bounds and standard deviations follow torch.nn.init's formulas.
#include <focus/nn/init.h>

#include <focus/autograd/grad_mode.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/kernel.h>

#include <cmath>

namespace focus::nn::init {

namespace {
// Writes values into a parameter without recording or tripping the in-place guard.
void assign(Tensor& t, const Tensor& values) {
  NoGradGuard ng;
  t.storage()->bump_version("init");
  kernel::copy_into(t, values);
}
}  // namespace

Fans fans(const Tensor& t) {
  if (t.dim() < 1) throw ShapeError("init: fans need a tensor of rank >= 1; got shape " + to_string(t.shape()));
  if (t.dim() == 1) return {t.shape()[0], t.shape()[0]};
  std::int64_t receptive = 1;
  for (int i = 2; i < t.dim(); ++i) receptive *= t.shape()[i];
  return {t.shape()[1] * receptive, t.shape()[0] * receptive};
}

double calculate_gain(const std::string& nl, double param) {
  if (nl == "linear" || nl == "sigmoid" || nl == "identity") return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nl == "selu") return 0.75;
  throw ValueError("calculate_gain: unknown nonlinearity; got '" + nl + "'");
}

void zeros_(Tensor& t) { constant_(t, 0); }
void ones_(Tensor& t) { constant_(t, 1); }
void constant_(Tensor& t, double value) { assign(t, full({}, value, t.dtype())); }
void uniform_(Tensor& t, double a, double b, Generator* gen) { assign(t, uniform(t.shape(), a, b, t.dtype(), gen)); }
void normal_(Tensor& t, double mean, double std, Generator* gen) { assign(t, normal(t.shape(), mean, std, t.dtype(), gen)); }

void xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  const Fans f = fans(t);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(Tensor& t, double gain, Generator* gen) {
  const Fans f = fans(t);
  normal_(t, 0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)), gen);
}

void kaiming_uniform_(Tensor& t, double a, FanMode mode, const std::string& nl, Generator* gen) {
  const Fans f = fans(t);
  const double fan = static_cast<double>(mode == FanMode::FanIn ? f.fan_in : f.fan_out);
  const double bound = calculate_gain(nl, a) * std::sqrt(3.0 / fan);
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(Tensor& t, double a, FanMode mode, const std::string& nl, Generator* gen) {
  const Fans f = fans(t);
  const double fan = static_cast<double>(mode == FanMode::FanIn ? f.fan_in : f.fan_out);
  normal_(t, 0, calculate_gain(nl, a) / std::sqrt(fan), gen);
}

int apply_by_name(Module& m, const std::string& suffix, const std::function<void(Tensor&)>& fn) {
  int n = 0;
  for (auto& [name, p] : m.named_parameters()) {
    const bool match = suffix.empty() || name == suffix ||
                       (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                        name[name.size() - suffix.size() - 1] == '.');
    if (match) {
      fn(p);
      ++n;
    }
  }
  return n;
}

}  // namespace focus::nn::init
