// gradcheck: builds the full Jacobian twice, once numerically (perturb each input element by
// +-eps, central difference) and once analytically (one backward per output element with a
// one-hot output gradient), and reports the worst disagreement. gradgradcheck runs gradcheck
// on the first derivative, computed with create_graph so that it is itself a graph.
#include <focus/autograd/gradcheck.h>

#include <focus/autograd/engine.h>
#include <focus/autograd/function.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/random.h>
#include <focus/tensor/kernel.h>

#include <cmath>
#include <sstream>

namespace focus {

namespace {

// Storage offsets of a tensor's elements in row-major order.
std::vector<std::int64_t> element_offsets(const Tensor& t) {
  std::vector<std::int64_t> offs;
  offs.reserve(t.numel());
  Shape idx = Shape::filled(t.dim(), 0);
  for (std::int64_t n = 0; n < t.numel(); ++n) {
    std::int64_t off = t.offset();
    for (int d = 0; d < t.dim(); ++d) off += idx[d] * t.strides()[d];
    offs.push_back(off);
    for (int d = t.dim() - 1; d >= 0; --d) {
      if (++idx[d] < t.shape()[d]) break;
      idx[d] = 0;
    }
  }
  return offs;
}

std::vector<double> values_of(const Tensor& t) { return t.to_vector<double>(); }

std::string dtype_text(const Tensor& t) { return std::string(dtype_name(t.dtype())); }

// The input rules of gradcheck.h, shared by both checks so each names itself in its errors.
// Returns the indices of the inputs to check (those that require grad).
std::vector<int> checked_inputs(const char* op, const std::vector<Tensor>& inputs) {
  std::vector<int> checked;
  std::int64_t elements = 0;
  std::string shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined()) continue;
    if (is_floating(x.dtype()) && x.dtype() != kFloat64)
      throw DTypeError(std::string(op) +
                       ": floating inputs must be float64 (integer and bool ones, such as indices and masks, may "
                       "stay); got input " +
                       std::to_string(i) + " of " + dtype_text(x) + (x.requires_grad() ? " (requires grad)" : ""));
    if (!x.requires_grad()) continue;
    checked.push_back(static_cast<int>(i));
    elements += x.numel();
    shapes += (shapes.empty() ? "" : ", ") + std::string("input ") + std::to_string(i) + "=" + to_string(x.shape());
  }
  if (checked.empty())
    throw AutogradError(std::string(op) +
                        ": at least one input must require grad, else there is nothing to check; got " +
                        std::to_string(inputs.size()) + " inputs, none requiring grad");
  if (elements == 0)
    throw ShapeError(std::string(op) + ": the inputs that require grad must hold at least one element; got " + shapes);
  return checked;
}

// The output fn gives at the inputs: float64, with at least one element (an empty Jacobian
// compares nothing, and passing it would say nothing).
void check_fn_output(const char* op, const Tensor& y) {
  check_dtype((std::string(op) + " (output)").c_str(), y, kFloat64);
  if (y.numel() == 0)
    throw ShapeError(std::string(op) + ": the output must hold at least one element; got output=" +
                     to_string(y.shape()));
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  const std::vector<int> checked = checked_inputs("gradcheck", inputs);
  // fn runs in the caller's grad mode, also for the numeric differences: a fn that calls grad()
  // itself (gradcheck of a first derivative, i.e. a second-derivative check) needs its graph.
  const Tensor y0 = fn(inputs);
  check_fn_output("gradcheck", y0);
  const std::int64_t n_out = y0.numel();

  // Numeric Jacobians: numeric[c][j * n_out + k] = d y_k / d x_j for checked input c.
  std::vector<std::vector<double>> numeric(checked.size());
  for (std::size_t c = 0; c < checked.size(); ++c) {
    const Tensor& x = inputs[checked[c]];
    double* base = static_cast<double*>(x.storage()->data());
    const auto offs = element_offsets(x);
    numeric[c].resize(offs.size() * n_out);
    for (std::size_t j = 0; j < offs.size(); ++j) {
      const double orig = base[offs[j]];
      base[offs[j]] = orig + options.eps;
      const auto plus = values_of(fn(inputs));
      base[offs[j]] = orig - options.eps;
      const auto minus = values_of(fn(inputs));
      base[offs[j]] = orig;
      for (std::int64_t k = 0; k < n_out; ++k) numeric[c][j * n_out + k] = (plus[k] - minus[k]) / (2 * options.eps);
    }
  }

  // Analytic Jacobians, one output element (one backward) at a time, and the comparison.
  GradcheckResult result;
  double worst = -1;  // how far past the tolerance the worst element is
  bool singular = false;  // the reported element has a non-finite derivative
  std::vector<Tensor> wrt;
  for (int i : checked) wrt.push_back(inputs[i]);
  for (std::int64_t k = 0; k < n_out; ++k) {
    Tensor y = fn(inputs);
    if (!y.requires_grad())
      throw AutogradError("gradcheck: the output does not require grad, so no gradient reaches the inputs");
    Tensor seed = Tensor::empty(y.shape(), y.dtype());
    kernel::fill_(seed, 0);
    seed.data_ptr<double>()[k] = 1.0;  // seed is contiguous: element k in row-major order
    const auto grads = grad({y}, wrt, {seed}, false, false, true);
    for (std::size_t c = 0; c < checked.size(); ++c) {
      const std::vector<double> row =
          grads[c].defined() ? values_of(grads[c]) : std::vector<double>(inputs[checked[c]].numel(), 0.0);
      for (std::size_t j = 0; j < row.size(); ++j) {
        const double a = row[j], n = numeric[c][j * n_out + k];
        // A non-finite derivative on either side fails, also when both agree (NaN and NaN, inf
        // and inf): there the function or its derivative is undefined or unbounded within eps,
        // so no comparison is meaningful. Comparing anyway is how inf - inf = NaN and NaN > tol
        // = false once passed a wrong backward. It ranks above every finite failure; the first
        // one found is reported.
        const bool non_finite = !std::isfinite(a) || !std::isfinite(n);
        const double excess =
            non_finite ? INFINITY : std::abs(a - n) - (options.atol + options.rtol * std::abs(n));
        const bool bad = excess > 0;
        if (bad && result.ok) worst = -1;  // the first failure outranks any passing element
        // Failures rank by how far past the tolerance they are; while all pass, the element with
        // the largest |analytic - numeric| is reported (how close the check came to failing).
        const double score = bad ? excess : std::abs(a - n);
        if ((bad || result.ok) && score > worst) {
          singular = non_finite;
          worst = score;
          result.input = checked[c];
          result.input_element = static_cast<std::int64_t>(j);
          result.output_element = k;
          result.analytic = a;
          result.numeric = n;
        }
        if (bad) result.ok = false;
      }
    }
  }
  std::ostringstream msg;
  msg << "gradcheck " << (result.ok ? "passed" : "FAILED");
  const auto where = [&] {
    msg << "input " << result.input << " element " << result.input_element << ", output element "
        << result.output_element << ": analytic=" << result.analytic << " numeric=" << result.numeric;
  };
  if (singular) {
    msg << ": non-finite derivative at ";
    where();
    msg << "; the point may be singular (the function or its derivative is undefined or unbounded within eps="
        << options.eps << " of it): check at a point away from it";
  } else if (result.input >= 0) {
    msg << ": worst at ";
    where();
    msg << " |difference|=" << std::abs(result.analytic - result.numeric) << " (atol=" << options.atol
        << ", rtol=" << options.rtol << ")";
  }
  result.message = msg.str();
  return result;
}

GradcheckResult gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                              const std::vector<Tensor>& inputs, const Tensor& grad_output,
                              const GradcheckOptions& options, std::uint64_t seed) {
  (void)checked_inputs("gradgradcheck", inputs);
  const Tensor y0 = fn(inputs);
  check_fn_output("gradgradcheck", y0);
  Tensor v;
  if (grad_output.defined()) {
    check_dtype("gradgradcheck (grad_output)", grad_output, kFloat64);
    if (!(grad_output.shape() == y0.shape()))
      throw ShapeError("gradgradcheck: grad_output must have the output's shape; got grad_output=" +
                       to_string(grad_output.shape()) + ", output=" + to_string(y0.shape()));
    v = grad_output.detach().clone();
  } else {
    Generator gen(seed);
    v = uniform(y0.shape(), -1, 1, kFloat64, &gen);
  }
  v.requires_grad_();  // a fresh leaf: gradcheck perturbs it like any input

  std::vector<Tensor> all = inputs;
  all.push_back(v);
  const std::size_t n = inputs.size();
  // (inputs, v) -> [d<fn, v>/d inputs[i] for each input that requires grad], flattened, joined.
  auto first_derivative = [&fn, n](const std::vector<Tensor>& in) {
    const std::vector<Tensor> xs(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Tensor> wrt;
    for (const Tensor& x : xs)
      if (x.defined() && x.requires_grad()) wrt.push_back(x);
    const Tensor y = fn(xs);
    const auto grads = grad({y}, wrt, {in[n]}, false, /*create_graph=*/true, /*allow_unused=*/true);
    std::vector<Tensor> flat;
    for (std::size_t i = 0; i < wrt.size(); ++i)
      flat.push_back(grads[i].defined() ? grads[i].reshape({-1}) : zeros({wrt[i].numel()}, kFloat64));
    return cat(flat, 0);
  };
  GradcheckResult r = gradcheck(first_derivative, all, options);
  r.message = "grad" + r.message;  // "gradgradcheck passed: ..."
  if (r.input == static_cast<int>(n)) r.message += " (input " + std::to_string(n) + " is grad_output)";
  return r;
}

}  // namespace focus
