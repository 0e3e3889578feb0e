// What every differentiable op uses to join the graph, public so that users write new ops
// exactly as the library does:
//
//   // y = a * b;  shapes broadcast;  da = sum_to(g * b), db = sum_to(g * a)
//   Tensor my_mul(const Tensor& a, const Tensor& b) {
//     Tensor out = kernel::binary(kernel::BinaryOp::Mul, a, b);
//     if (!needs_grad(a, b)) return out;
//     return record("my_mul", out, {a, b}, [a = save(a), b = save(b)](const Tensor& g) -> Grads {
//       return {sum_to(g * b.get("my_mul"), a.get("my_mul").shape()), ...};
//     });
//   }
#pragma once

#include <string_view>

#include <focus/autograd/grad_mode.h>
#include <focus/autograd/node.h>

namespace focus {

// True when grad mode is on and at least one of the tensors requires grad: only then does an op
// build a backward node.
template <class... Ts>
bool needs_grad(const Ts&... ts) {
  return GradMode::is_enabled() && (... || (ts.defined() && ts.requires_grad()));
}
bool needs_grad_any(const std::vector<Tensor>& ts);

// Makes `out` the output of a new node named `name` whose gradient flows to `inputs` through
// `backward`. `out` must be a fresh tensor made by the op (not one of its inputs). Returns out.
Tensor record(std::string_view name, Tensor out, const std::vector<Tensor>& inputs, BackwardFn backward);

// A tensor kept for backward, with the version of its storage when it was saved: get() throws
// if an in-place op changed it since, rather than letting backward compute a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(Tensor t) : t_(std::move(t)), version_(t_.defined() ? t_.storage()->version() : 0) {}
  const Tensor& get(std::string_view op) const;
  const Tensor& unchecked() const { return t_; }

 private:
  Tensor t_;
  std::uint64_t version_ = 0;
};

// Save an input of the op.
inline SavedTensor save(const Tensor& t) { return SavedTensor(t); }
// Save the op's own output: detached, because a closure that held its output's graph handle
// would make a cycle (output -> node -> closure -> output) and leak the whole graph.
inline SavedTensor save_output(const Tensor& out) { return SavedTensor(out.detach()); }

}  // namespace focus
