// conv2d and, below it, the two ops its backward is made of: conv2d_input_grad (the adjoint of the
// convolution in its input) and conv2d_weight_grad (in its weight). Each of the three is linear in
// each argument, and the derivative of any one is a product of the other two, so the three close
// under differentiation: under create_graph the backward records these ops, and a second backward
// runs them again. Without create_graph the same kernels run, unrecorded.
#include <focus/autograd/ops_conv.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/conv_kernels.h>

#include <string>

namespace focus {

namespace {

using kernel::Conv2dGeometry;

std::string pair_str(const std::array<std::int64_t, 2>& a) {
  return "[" + std::to_string(a[0]) + ", " + std::to_string(a[1]) + "]";
}

std::string shapes_str(const Tensor& input, const Tensor& weight) {
  return "input=" + to_string(input.shape()) + ", weight=" + to_string(weight.shape());
}

// Checks every rule of conv2d, in the order a reader would check them, and returns the sizes.
Conv2dGeometry check_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dOptions& o) {
  if (input.dim() != 4 || weight.dim() != 4)
    throw ShapeError("conv2d: input must be 4-D [B, C_in, H, W] and weight 4-D [C_out, C_in / groups, kH, kW]; got " +
                     shapes_str(input, weight));
  const bool same = input.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == input.dtype());
  if (!same || (input.dtype() != kFloat32 && input.dtype() != kFloat64))
    throw DTypeError("conv2d: input, weight and bias must share one float dtype (float32 or float64); got input=" +
                     std::string(dtype_name(input.dtype())) + ", weight=" + std::string(dtype_name(weight.dtype())) +
                     (bias.defined() ? ", bias=" + std::string(dtype_name(bias.dtype())) : ""));
  for (int d = 0; d < 4; ++d)
    if (weight.shape()[d] <= 0)
      throw ShapeError("conv2d: every size of weight must be positive; got " + shapes_str(input, weight));
  if (o.groups <= 0)
    throw ValueError("conv2d: groups must be positive; got groups=" + std::to_string(o.groups) + ", " +
                     shapes_str(input, weight));
  if (o.stride[0] <= 0 || o.stride[1] <= 0 || o.dilation[0] <= 0 || o.dilation[1] <= 0)
    throw ValueError("conv2d: stride and dilation must be positive; got stride=" + pair_str(o.stride) +
                     ", dilation=" + pair_str(o.dilation) + ", " + shapes_str(input, weight));
  if (o.padding[0] < 0 || o.padding[1] < 0)
    throw ValueError("conv2d: padding must not be negative; got padding=" + pair_str(o.padding) + ", " +
                     shapes_str(input, weight));
  const std::int64_t B = input.shape()[0], C = input.shape()[1], H = input.shape()[2], W = input.shape()[3];
  const std::int64_t O = weight.shape()[0], kH = weight.shape()[2], kW = weight.shape()[3];
  if (C % o.groups != 0)
    throw ShapeError("conv2d: input channels must be divisible by groups; got " + shapes_str(input, weight) +
                     ", groups=" + std::to_string(o.groups));
  if (O % o.groups != 0)
    throw ShapeError("conv2d: weight's C_out must be divisible by groups; got " + shapes_str(input, weight) +
                     ", groups=" + std::to_string(o.groups));
  if (C != weight.shape()[1] * o.groups)
    throw ShapeError("conv2d: input channels must equal weight.shape[1] * groups; got " + shapes_str(input, weight) +
                     ", groups=" + std::to_string(o.groups));
  if (bias.defined() && !(bias.dim() == 1 && bias.shape()[0] == O))
    throw ShapeError("conv2d: bias must be [C_out]; got bias=" + to_string(bias.shape()) + ", " +
                     shapes_str(input, weight));
  const std::int64_t span_h = o.dilation[0] * (kH - 1) + 1, span_w = o.dilation[1] * (kW - 1) + 1;
  if (H + 2 * o.padding[0] < span_h || W + 2 * o.padding[1] < span_w)
    throw ShapeError("conv2d: the (dilated) kernel must fit in the padded input, else the output is empty; got " +
                     shapes_str(input, weight) + ", padding=" + pair_str(o.padding) +
                     ", dilation=" + pair_str(o.dilation));
  const std::int64_t Ho = (H + 2 * o.padding[0] - span_h) / o.stride[0] + 1;
  const std::int64_t Wo = (W + 2 * o.padding[1] - span_w) / o.stride[1] + 1;
  return {B, C, H, W, O, kH, kW, o.stride[0], o.stride[1], o.padding[0], o.padding[1], o.dilation[0], o.dilation[1],
          o.groups, Ho, Wo};
}

Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const Conv2dGeometry& s);
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& dy, const Conv2dGeometry& s);

// y = conv(x, w) + b;  x [B, C, H, W], w [O, C/G, kH, kW], b [O] -> [B, O, Ho, Wo];
// dx = conv2d_input_grad(g, w), dw = conv2d_weight_grad(x, g), db = sum(g) over B, Ho, Wo
Tensor conv2d_checked(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dGeometry& s) {
  Tensor out = kernel::conv2d_forward(x, w, b, s);
  if (!needs_grad(x, w, b)) return out;
  const bool nx = x.requires_grad(), nw = w.requires_grad(), nb = b.defined() && b.requires_grad();
  return record("conv2d", out, {x, w, b}, [x = save(x), w = save(w), s, nx, nw, nb](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("conv2d");
    const Tensor& wv = w.get("conv2d");
    if (!GradMode::is_enabled())
      return {nx ? kernel::conv2d_backward_input(g, wv, s) : Tensor(),
              nw ? kernel::conv2d_backward_weight(xv, g, s) : Tensor(),
              nb ? kernel::conv2d_backward_bias(g, s) : Tensor()};
    return {nx ? conv2d_input_grad(g, wv, s) : Tensor(), nw ? conv2d_weight_grad(xv, g, s) : Tensor(),
            nb ? sum(g, {0, 2, 3}) : Tensor()};
  });
}

// dx = conv^T(dy, w);  dy [B, O, Ho, Wo], w [O, C/G, kH, kW] -> [B, C, H, W];
// given h = d/d(dx): ddy = conv(h, w), dw = conv2d_weight_grad(h, dy)
Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const Conv2dGeometry& s) {
  Tensor out = kernel::conv2d_backward_input(dy, w, s);
  if (!needs_grad(dy, w)) return out;
  const bool ndy = dy.requires_grad(), nw = w.requires_grad();
  return record("conv2d_input_grad", out, {dy, w},
                [dy = save(dy), w = save(w), s, ndy, nw](const Tensor& h) -> Grads {
                  return {ndy ? conv2d_checked(h, w.get("conv2d_input_grad"), Tensor(), s) : Tensor(),
                          nw ? conv2d_weight_grad(h, dy.get("conv2d_input_grad"), s) : Tensor()};
                });
}

// dw = sum_b dy_b im2col(x_b)^T;  x [B, C, H, W], dy [B, O, Ho, Wo] -> [O, C/G, kH, kW];
// given h = d/d(dw): dx = conv2d_input_grad(dy, h), ddy = conv(x, h)
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& dy, const Conv2dGeometry& s) {
  Tensor out = kernel::conv2d_backward_weight(x, dy, s);
  if (!needs_grad(x, dy)) return out;
  const bool nx = x.requires_grad(), ndy = dy.requires_grad();
  return record("conv2d_weight_grad", out, {x, dy},
                [x = save(x), dy = save(dy), s, nx, ndy](const Tensor& h) -> Grads {
                  return {nx ? conv2d_input_grad(dy.get("conv2d_weight_grad"), h, s) : Tensor(),
                          ndy ? conv2d_checked(x.get("conv2d_weight_grad"), h, Tensor(), s) : Tensor()};
                });
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dOptions& options) {
  return conv2d_checked(input, weight, bias, check_conv2d(input, weight, bias, options));
}

}  // namespace focus
