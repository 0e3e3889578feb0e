// Dropout.
#include <focus/nn/dropout.h>

#include <focus/autograd/ops_nn.h>

#include <sstream>

namespace focus::nn {

Dropout::Dropout(double p, Generator* gen) : Module("Dropout"), p_(p), gen_(gen) {
  if (!(p >= 0 && p <= 1)) throw ValueError("Dropout: p must be in [0, 1]; got p=" + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& x) const {
  return with_module_path([&] { return dropout(x, p_, is_training(), gen_); });
}

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p_;
  return os.str();
}

}  // namespace focus::nn
