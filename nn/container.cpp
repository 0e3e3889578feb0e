// Sequential's forward.
#include <focus/nn/container.h>

namespace focus::nn {

Tensor Sequential::forward(const Tensor& x) const {
  return with_module_path([&] {
    Tensor h = x;
    for (const auto& step : steps_) h = step(h);
    return h;
  });
}

}  // namespace focus::nn
