// Module bookkeeping: registration with name checks, tree walks that build dotted names,
// state_dict loading (every check before any write), module paths for errors, the printed tree.
#include <focus/nn/module.h>

#include <focus/autograd/grad_mode.h>
#include <focus/tensor/kernel.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace focus::nn {

void Module::check_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError("register: names must be non-empty and contain no '.'; got '" + name + "' in " + type_name_);
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  if (taken(params_) || taken(buffers_) || taken(children_))
    throw ValueError("register: name already used in " + type_name_ + "; got '" + name + "'");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_name(name);
  if (!t.defined()) throw ValueError("register_parameter: tensor '" + name + "' is undefined");
  if (requires_grad && !t.requires_grad()) t.requires_grad_(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_name(name);
  buffers_.emplace_back(name, t);
  buffer_persistent_.push_back(persistent);
  return t;
}

void Module::replace_parameter(const std::string& name, const Tensor& t) {
  for (auto& [n, p] : params_)
    if (n == name) {
      p = t;
      return;
    }
  throw ValueError("replace_parameter: no parameter named '" + name + "' in " + type_name_);
}

void Module::collect(const std::string& prefix, bool params, NamedTensors& out) const {
  for (const auto& [n, t] : params ? params_ : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, child] : children_) child->collect(prefix + n + ".", params, out);
}

namespace {
// Keeps the first name of each distinct tensor.
NamedTensors unique_tensors(const NamedTensors& all) {
  NamedTensors out;
  std::set<const TensorImpl*> seen;
  for (const auto& [n, t] : all)
    if (seen.insert(t.unsafe_impl()).second) out.emplace_back(n, t);
  return out;
}
}  // namespace

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors all;
  if (recurse) collect("", true, all);
  else all = params_;
  return unique_tensors(all);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors all;
  if (recurse) collect("", false, all);
  else all = buffers_;
  return unique_tensors(all);
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto [prefix, m] = out[i];
    for (const auto& [n, child] : m->children_) out.emplace_back(prefix.empty() ? n : prefix + "." + n, child.get());
  }
  return out;
}

std::int64_t Module::num_parameters() const {
  std::int64_t n = 0;
  for (const auto& t : parameters()) n += t.numel();
  return n;
}

// PyTorch's order: a module's parameters, then its persistent buffers, then each child's state.
void Module::collect_state(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
  for (std::size_t i = 0; i < buffers_.size(); ++i)
    if (buffer_persistent_[i]) out.emplace_back(prefix + buffers_[i].first, buffers_[i].second);
  for (const auto& [n, child] : children_) child->collect_state(prefix + n + ".", out);
}

StateDict Module::state_dict() const {
  NamedTensors all;
  collect_state("", all);
  return StateDict(std::move(all));
}

namespace {
// Names for a message: the first ten, then how many in all.
std::string name_list(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 10; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > 10) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

// Floating converts to floating; int64 and bool load only as themselves.
bool loadable_dtype(DType from, DType to) { return from == to || (is_floating(from) && is_floating(to)); }
}  // namespace

LoadResult Module::load_state_dict(const StateDict& given, bool strict) {
  StateDict dict = given;  // handles, not copies of the data
  for (const auto& [path, m] : named_modules()) m->upgrade_state_dict(dict, path.empty() ? path : path + ".");
  NamedTensors mine;
  collect_state("", mine);

  // 1. Names: which of mine the dict fills (a tied tensor is filled through any of its names).
  LoadResult result;
  std::set<const TensorImpl*> filled;
  std::set<std::string> names;
  for (const auto& [name, t] : mine) {
    names.insert(name);
    if (dict.contains(name)) filled.insert(t.unsafe_impl());
  }
  for (const auto& [name, t] : mine)
    if (!dict.contains(name) && !filled.contains(t.unsafe_impl())) result.missing_keys.push_back(name);
  for (const auto& [name, t] : dict)
    if (!names.contains(name)) result.unexpected_keys.push_back(name);
  if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty())) {
    std::string msg = "load_state_dict: keys must match the module's (strict)";
    if (!result.missing_keys.empty()) msg += "; missing: " + name_list(result.missing_keys);
    if (!result.unexpected_keys.empty()) msg += "; unexpected: " + name_list(result.unexpected_keys);
    throw ValueError(msg);
  }

  // 2. Every value that will be copied, before any is: all or nothing.
  for (const auto& [name, t] : mine) {
    const auto it = dict.find(name);
    if (it == dict.end()) continue;
    const Tensor& src = it->second;
    if (!src.defined()) throw ValueError("load_state_dict: every entry must be a defined tensor; got '" + name + "' undefined");
    if (!(src.shape() == t.shape()))
      throw ShapeError("load_state_dict: shape of '" + name + "' must match the module's; got dict=" +
                       focus::to_string(src.shape()) + ", module=" + focus::to_string(t.shape()));
    if (!loadable_dtype(src.dtype(), t.dtype()))
      throw DTypeError("load_state_dict: dtype of '" + name +
                       "' must be the module's (floating may convert to floating); got dict=" +
                       std::string(dtype_name(src.dtype())) + ", module=" + std::string(dtype_name(t.dtype())));
  }

  // 3. Copy.
  NoGradGuard ng;
  for (const auto& [name, t] : mine) {
    const auto it = dict.find(name);
    if (it == dict.end()) continue;
    t.storage()->bump_version("load_state_dict");
    kernel::copy_into(t, it->second);
  }
  return result;
}

// ---- module paths in errors ------------------------------------------------------------------------

bool Module::find_path(const Module* target, std::string& path) const {
  for (const auto& [n, child] : children_) {
    if (child.get() == target) {
      path = n;
      return true;
    }
    std::string below;
    if (child->find_path(target, below)) {
      path = n + "." + below;
      return true;
    }
  }
  return false;
}

void Module::add_module_path(Error& e) const {
  const auto* anchor = static_cast<const Module*>(e.path_anchor());
  if (anchor == this) return;  // a second forward of the same module on the way up
  if (!anchor) {
    e.set_module_path("", this);
    return;
  }
  std::string between;
  if (!find_path(anchor, between)) return;
  e.set_module_path(e.module_path().empty() ? between : between + "." + e.module_path(), this);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.zero_grad();
}

void Module::to(DType dtype) {
  if (!is_floating(dtype)) throw DTypeError("Module::to: target dtype must be floating; got " + std::string(dtype_name(dtype)));
  NamedTensors all;
  collect("", true, all);
  collect("", false, all);
  std::set<TensorImpl*> done;
  for (auto& [n, t] : all) {
    TensorImpl* impl = t.unsafe_impl();
    if (!is_floating(t.dtype()) || t.dtype() == dtype || !done.insert(impl).second) continue;
    // Swap the data under the same TensorImpl, so every handle (members, optimizers) follows.
    Tensor converted = kernel::to_dtype(t, dtype);
    impl->storage = converted.storage();
    impl->shape = converted.shape();
    impl->strides = converted.strides();
    impl->offset = converted.offset();
    impl->dtype = dtype;
    t.zero_grad();
  }
}

void Module::print(std::ostream& os, int indent) const {
  os << type_name_ << "(" << extra_repr();
  if (children_.empty()) {
    os << ")";
    return;
  }
  if (!extra_repr().empty()) os << ",";
  os << "\n";
  for (const auto& [n, c] : children_) {
    os << std::string(indent + 2, ' ') << "(" << n << "): ";
    c->print(os, indent + 2);
    os << "\n";
  }
  os << std::string(indent, ' ') << ")";
}

std::string Module::to_string() const {
  std::ostringstream os;
  print(os, 0);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.to_string(); }

}  // namespace focus::nn
