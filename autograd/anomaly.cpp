// Anomaly mode: the switch, the scope stack, and the NaN/Inf checks record() and the backward
// engine call while it is on.
#include <focus/autograd/anomaly.h>

#include <cmath>

namespace focus {

namespace {

thread_local bool anomaly_enabled = false;  // per thread, as grad mode (anomaly.h)
thread_local std::vector<std::string> scope_stack;

template <class T>
std::string scan(const Tensor& t) {
  const Tensor c = t.contiguous();
  const T* p = c.data_ptr<T>();
  bool inf = false;
  for (std::int64_t i = 0, n = c.numel(); i < n; ++i) {
    if (std::isnan(p[i])) return "NaN";  // NaN outranks Inf: it is the harder one to trace
    if (std::isinf(p[i])) inf = true;
  }
  return inf ? "Inf" : "";
}

std::string where_suffix(const std::string& scope) { return scope.empty() ? "" : " in " + scope; }

}  // namespace

void set_detect_anomaly(bool enabled) { anomaly_enabled = enabled; }
bool is_anomaly_enabled() { return anomaly_enabled; }

AnomalyScope::AnomalyScope(std::string_view name) {
  if (!is_anomaly_enabled()) return;
  scope_stack.emplace_back(name);
  pushed_ = true;
}

AnomalyScope::~AnomalyScope() {
  if (pushed_) scope_stack.pop_back();
}

std::string current_anomaly_scope() {
  std::string path;
  for (const auto& s : scope_stack) {
    if (s.empty()) continue;
    if (!path.empty()) path += '.';
    path += s;
  }
  return path;
}

namespace anomaly {

std::string non_finite_kind(const Tensor& t) {
  if (!t.defined() || t.numel() == 0) return "";
  if (t.dtype() == kFloat32) return scan<float>(t);
  if (t.dtype() == kFloat64) return scan<double>(t);
  return "";
}

void check_output(std::string_view op, const Tensor& out, const std::vector<Tensor>& inputs) {
  const std::string kind = non_finite_kind(out);
  if (kind.empty()) return;
  // Say whether the op made the value or passed on one it was given: the first op whose inputs
  // were finite is where to look.
  std::string inputs_note = "its inputs were finite";
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (const std::string k = non_finite_kind(inputs[i]); !k.empty()) {
      inputs_note = "input " + std::to_string(i) + " already held " + k;
      break;
    }
  throw AnomalyError("anomaly: " + std::string(op) + " produced " + kind + " in its output; op=" + std::string(op) +
                     " shape=" + to_string(out.shape()) + where_suffix(current_anomaly_scope()) + " (" + inputs_note +
                     ")");
}

void check_input_grads(std::string_view op, const std::vector<Tensor>& grads, const std::string& created_in) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const std::string kind = non_finite_kind(grads[i]);
    if (kind.empty()) continue;
    throw AnomalyError("anomaly: the backward of " + std::string(op) + " produced " + kind +
                       " in the gradient of input " + std::to_string(i) + "; op=" + std::string(op) +
                       " shape=" + to_string(grads[i].shape()) +
                       (created_in.empty() ? "" : " (op created in " + created_in + ")"));
  }
}

void check_incoming_grad(std::string_view op, const Tensor& grad) {
  const std::string kind = non_finite_kind(grad);
  if (kind.empty()) return;
  throw AnomalyError("anomaly: the gradient reaching the output of " + std::string(op) + " holds " + kind + "; op=" +
                     std::string(op) + " shape=" + to_string(grad.shape()) +
                     " (from the seed gradient, a hook, or ops recorded before anomaly mode was on)");
}

}  // namespace anomaly

}  // namespace focus
