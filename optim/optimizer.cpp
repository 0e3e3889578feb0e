// The Optimizer base: the checks on parameter groups, the step() loop that hands each parameter
// with a gradient to the derived class's update(), and the state_dict format (see optimizer.h).
#include <focus/optim/optimizer.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <sstream>

#include <focus/autograd/grad_mode.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/kernel.h>

namespace focus::optim {

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

namespace {

const std::string kPrefix = "optim.";
const std::string kGroupPrefix = "param_groups.";

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

NamedParams name_params(const std::vector<Tensor>& params) {
  NamedParams named;
  named.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) named.emplace_back(std::to_string(i), params[i]);
  return named;
}

void Optimizer::add_param_group(ParamGroup group) {
  if (!(group.lr >= 0)) throw ValueError(op_ + ": lr must be >= 0; got lr=" + number_text(group.lr));
  if (!(group.weight_decay >= 0))
    throw ValueError(op_ + ": weight_decay must be >= 0; got weight_decay=" + number_text(group.weight_decay));
  if (group.params.empty()) throw ValueError(op_ + ": a parameter group needs at least one parameter; got 0");

  // Every parameter already held, and the new ones as they pass: by name, and name by tensor.
  std::set<std::string> names;
  std::map<const TensorImpl*, std::string> held;
  for (const auto& g : groups_)
    for (const auto& [name, p] : g.params) {
      names.insert(name);
      held.emplace(p.unsafe_impl(), name);
    }
  for (const auto& [name, p] : group.params) {
    if (name.empty()) throw ValueError(op_ + ": parameter names must be non-empty; got \"\"");
    if (!p.defined())
      throw ValueError(op_ + ": parameters must be defined tensors; got " + quoted(name) + " undefined");
    if (!is_floating(p.dtype()))
      throw DTypeError(op_ + ": parameters must be float32 or float64; got " + quoted(name) + " of dtype " +
                       std::string(dtype_name(p.dtype())));
    if (!p.is_leaf())
      throw ValueError(op_ + ": can only optimize leaf tensors; got " + quoted(name) + ", the output of an op");
    if (const auto it = held.find(p.unsafe_impl()); it != held.end())
      throw ValueError(op_ + ": a parameter may appear only once; got " + quoted(name) + ", already held as " +
                       quoted(it->second));
    if (!names.insert(name).second)
      throw ValueError(op_ + ": parameter names must be unique; got " + quoted(name) + " twice");
    held.emplace(p.unsafe_impl(), name);
  }
  groups_.push_back(std::move(group));
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (const auto& group : groups_) {
    for (const auto& [name, param] : group.params) {
      const Tensor grad = param.grad();
      if (!grad.defined()) continue;
      if (grad.dtype() != param.dtype())
        throw DTypeError(op_ + ".step: a gradient must have its parameter's dtype; got " + quoted(name) + " " +
                         std::string(dtype_name(param.dtype())) + ", grad " + std::string(dtype_name(grad.dtype())));
      ParamState& state = state_[name];
      ++state.step;
      // update() gets contiguous memory: the parameter itself (the usual case), else a copy that
      // is written back. Writing through raw pointers, we bump the version ourselves.
      if (param.is_contiguous()) {
        param.storage()->bump_version((op_ + ".step").c_str());
        update(group, param, kernel::contiguous(grad), state);
      } else {
        Tensor work = kernel::clone(param);
        update(group, work, kernel::contiguous(grad), state);
        Tensor(param).copy_(work);
      }
    }
  }
}

void Optimizer::zero_grad() {
  for (const auto& group : groups_)
    for (const auto& [name, p] : group.params) p.zero_grad();
}

const ParamState* Optimizer::state(const std::string& name) const {
  const auto it = state_.find(name);
  return it == state_.end() ? nullptr : &it->second;
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const std::string group = kPrefix + kGroupPrefix + std::to_string(i) + ".";
    out.emplace(group + "lr", scalar_tensor(groups_[i].lr, kFloat64));
    out.emplace(group + "weight_decay", scalar_tensor(groups_[i].weight_decay, kFloat64));
  }
  const std::vector<std::string> buffers = buffer_names();
  for (const auto& group : groups_) {
    for (const auto& [name, p] : group.params) {
      const ParamState* st = state(name);
      if (!st) continue;
      out.emplace(kPrefix + name + ".step", scalar_tensor(static_cast<double>(st->step), kInt64));
      for (const auto& b : buffers) out.emplace(kPrefix + name + "." + b, kernel::clone(st->buffers.at(b)));
    }
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  const std::string op = op_ + ".load_state_dict";
  std::map<std::string, Tensor> params;
  for (const auto& group : groups_)
    for (const auto& [name, p] : group.params) params[name] = p;
  const std::vector<std::string> buffers = buffer_names();
  auto list = [&] {
    std::string s = "step";
    for (const auto& b : buffers) s += ", " + b;
    return s;
  };

  // Read everything into new state first, so a throw leaves the optimizer as it was.
  std::map<std::string, ParamState> loaded;
  std::set<std::string> has_step;
  std::vector<std::optional<double>> lrs(groups_.size()), weight_decays(groups_.size());
  for (const auto& [key, value] : state) {
    if (!key.starts_with(kPrefix)) continue;
    const std::string rest = key.substr(kPrefix.size());
    const auto dot = rest.rfind('.');
    if (dot == std::string::npos)
      throw ValueError(op + ": keys have the form optim.<parameter name>.<entry>; got " + key);
    const std::string name = rest.substr(0, dot), entry = rest.substr(dot + 1);

    if (const auto it = params.find(name); it != params.end()) {
      const Tensor& p = it->second;
      if (entry == "step") {
        const auto step = scalar_entry<std::int64_t>(op, key, value);
        if (step < 1) throw ValueError(op + ": a step count must be >= 1; got " + key + "=" + std::to_string(step));
        loaded[name].step = step;
        has_step.insert(name);
      } else if (std::find(buffers.begin(), buffers.end(), entry) != buffers.end()) {
        if (!(value.shape() == p.shape()))
          throw ShapeError(op + ": a buffer must have its parameter's shape; got " + key + "=" +
                           to_string(value.shape()) + ", parameter " + quoted(name) + "=" + to_string(p.shape()));
        if (!is_floating(value.dtype()))
          throw DTypeError(op + ": buffers must be floating; got " + key + " of dtype " +
                           std::string(dtype_name(value.dtype())));
        loaded[name].buffers[entry] = kernel::clone(kernel::to_dtype(value, p.dtype()));
      } else {
        throw ValueError(op + ": unknown entry (" + op_ + " keeps " + list() + "); got " + key);
      }
    } else if (name.starts_with(kGroupPrefix)) {
      const std::string digits = name.substr(kGroupPrefix.size());
      std::size_t i = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
        throw ValueError(op + ": no parameter of this optimizer has that name; got " + key);
      if (i >= groups_.size())
        throw ValueError(op + ": the state has more parameter groups than the optimizer (" +
                         std::to_string(groups_.size()) + "); got " + key);
      if (entry == "lr") lrs[i] = scalar_entry<double>(op, key, value);
      else if (entry == "weight_decay") weight_decays[i] = scalar_entry<double>(op, key, value);
      else throw ValueError(op + ": unknown group entry (groups keep lr, weight_decay); got " + key);
    } else {
      throw ValueError(op + ": no parameter of this optimizer has that name; got " + key);
    }
  }

  for (const auto& [name, st] : loaded) {
    if (!has_step.contains(name)) throw ValueError(op + ": missing entry; got no " + kPrefix + name + ".step");
    for (const auto& b : buffers)
      if (!st.buffers.contains(b)) throw ValueError(op + ": missing entry; got no " + kPrefix + name + "." + b);
  }
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const std::string group = kPrefix + kGroupPrefix + std::to_string(i) + ".";
    if (!lrs[i]) throw ValueError(op + ": missing entry; got no " + group + "lr");
    if (!weight_decays[i]) throw ValueError(op + ": missing entry; got no " + group + "weight_decay");
  }

  state_ = std::move(loaded);
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    groups_[i].lr = *lrs[i];
    groups_[i].weight_decay = *weight_decays[i];
  }
}

}  // namespace focus::optim
