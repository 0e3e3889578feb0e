// 2-D pooling ops. Average pooling is linear: its backward is the adjoint kernel (spread each
// gradient over its window) and the adjoint's backward is the pooling again, so one recursive
// helper gives every order of derivative. Max pooling's backward scatters into the saved arg-max;
// under create_graph the scatter is written with scatter_add, differentiable in the gradient.
#include <focus/autograd/ops_pool.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/pool_kernels.h>

#include <string>

namespace focus {

namespace {

using kernel::PoolWindows;

std::string pair_str(std::array<std::int64_t, 2> a) { return to_string(Shape{a[0], a[1]}); }

void check_pool_input(const char* op, const Tensor& x) {
  check_floating(op, x);
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError(std::string(op) + ": input must be [B, C, H, W] or [C, H, W]; got input=" + to_string(x.shape()));
}

// The windows along H and W that options give, after checking them as PyTorch does.
std::pair<PoolWindows, PoolWindows> pool_windows(const char* op, const Tensor& x, const Pool2dOptions& o) {
  check_pool_input(op, x);
  const std::string got = "; got input=" + to_string(x.shape()) + ", kernel_size=" + pair_str(o.kernel_size) +
                          ", stride=" + pair_str(o.stride) + ", padding=" + pair_str(o.padding);
  std::array<std::int64_t, 2> stride = o.stride;
  for (int a = 0; a < 2; ++a) {
    const std::int64_t n = x.shape()[x.dim() - 2 + a], k = o.kernel_size[a];
    if (k <= 0) throw ValueError(std::string(op) + ": kernel_size must be positive" + got);
    if (stride[a] < 0) throw ValueError(std::string(op) + ": stride must be >= 0 (0 means kernel_size)" + got);
    if (o.padding[a] < 0 || 2 * o.padding[a] > k)
      throw ValueError(std::string(op) + ": padding must be >= 0 and at most half of kernel_size" + got);
    if (n + 2 * o.padding[a] < k || n == 0)
      throw ShapeError(std::string(op) + ": the output would be empty (H and W + 2 padding must reach kernel_size)" + got);
    if (stride[a] == 0) stride[a] = k;
  }
  const Shape& s = x.shape();
  return {kernel::sliding_windows(s[s.size() - 2], o.kernel_size[0], stride[0], o.padding[0]),
          kernel::sliding_windows(s[s.size() - 1], o.kernel_size[1], stride[1], o.padding[1])};
}

// adjoint = false: the window means of x; adjoint = true: x (pooled) spread back over the windows
// of input_shape. Each is the other's backward.
Tensor window_mean(const std::string& op, const Tensor& x, const Shape& input_shape, const PoolWindows& rows,
                   const PoolWindows& cols, bool adjoint) {
  Tensor out = adjoint ? kernel::avg_pool2d_backward(x, input_shape, rows, cols)
                       : kernel::avg_pool2d_forward(x, rows, cols);
  if (!needs_grad(x)) return out;
  return record(adjoint ? op + "_backward" : op, out, {x},
                [op, xs = x.shape(), rows, cols, adjoint](const Tensor& g) -> Grads {
                  return {window_mean(op, g, xs, rows, cols, !adjoint)};
                });
}

}  // namespace

// y[.., i, j] = max of x over window (i, j);  [.., H, W] -> [.., OH, OW];  dx = g scattered to the arg-max
Tensor max_pool2d(const Tensor& input, const Pool2dOptions& options) {
  const auto [rows, cols] = pool_windows("max_pool2d", input, options);
  auto f = kernel::max_pool2d_forward(input, rows, cols);
  if (!needs_grad(input)) return f.y;
  return record("max_pool2d", f.y, {input}, [indices = f.indices, xs = input.shape()](const Tensor& g) -> Grads {
    if (!GradMode::is_enabled()) return {kernel::max_pool2d_backward(g, indices, xs)};
    const std::int64_t HW = xs[xs.size() - 2] * xs[xs.size() - 1], P = numel_of(xs) / HW;
    const Tensor flat = indices.reshape({P, indices.numel() / std::max<std::int64_t>(P, 1)});
    return {scatter_add(zeros({P, HW}, g.dtype()), 1, flat, g.reshape(flat.shape())).reshape(xs)};
  });
}

// y[.., i, j] = mean of x over window (i, j), divided by the kernel's area;  dx = g / area spread over each window
Tensor avg_pool2d(const Tensor& input, const Pool2dOptions& options) {
  const auto [rows, cols] = pool_windows("avg_pool2d", input, options);
  return window_mean("avg_pool2d", input, input.shape(), rows, cols, false);
}

// y[.., i, j] = mean of x over bin (i, j);  [.., H, W] -> [.., OH, OW];  dx = g / bin area spread over each bin
Tensor adaptive_avg_pool2d(const Tensor& input, std::array<std::int64_t, 2> output_size) {
  check_pool_input("adaptive_avg_pool2d", input);
  const std::int64_t H = input.shape()[input.dim() - 2], W = input.shape()[input.dim() - 1];
  if (output_size[0] <= 0 || output_size[1] <= 0 || H == 0 || W == 0)
    throw ShapeError("adaptive_avg_pool2d: output_size and the input's H and W must be positive; got input=" +
                     to_string(input.shape()) + ", output_size=" + pair_str(output_size));
  return window_mean("adaptive_avg_pool2d", input, input.shape(), kernel::adaptive_windows(H, output_size[0]),
                     kernel::adaptive_windows(W, output_size[1]), false);
}

}  // namespace focus
