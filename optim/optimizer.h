// Optimizer: the base of SGD, Adam and AdamW. It holds the parameter groups (named parameters,
// each group with its own lr and weight decay), the per-parameter state keyed by parameter name,
// the step() loop (grad mode off, parameters without a gradient skipped, as torch), and state
// save/restore as named tensors that a checkpoint file holds next to the model's.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <focus/tensor/state_dict.h>
#include <focus/tensor/tensor.h>

namespace focus::optim {

// What nn::Module::named_parameters() returns: dotted names ("decoder.layers.1.linear1.weight").
using NamedParams = std::vector<std::pair<std::string, Tensor>>;
// Named tensors in order, the form of every state_dict (and of a safetensors checkpoint): the
// same type as nn::StateDict (tensor/state_dict.h), so a checkpoint is one StateDict.
using focus::StateDict;

// A number as optim's messages print it (ostream's default form: "0.001", "1e-08").
std::string number_text(double v);

// The value of a one-element state entry (optimizer and schedule state); ShapeError naming op
// and the key otherwise.
template <class T>
T scalar_entry(const std::string& op, const std::string& key, const Tensor& t) {
  if (t.numel() != 1)
    throw ShapeError(op + ": a scalar entry must hold one element; got " + key + "=" + to_string(t.shape()));
  return t.item<T>();
}

// Names plain parameters "0", "1", ... in order.
NamedParams name_params(const std::vector<Tensor>& params);

// Parameters that share an lr and a weight decay (torch's per-group options; the rest of an
// optimizer's options are shared by all its groups). Schedulers rewrite lr between steps.
struct ParamGroup {
  NamedParams params;
  double lr = std::numeric_limits<double>::quiet_NaN();  // required: NaN is rejected
  double weight_decay = 0;
};

// What an optimizer remembers about one parameter between steps. It exists once the parameter
// has been updated; buffers have the parameter's shape and dtype and are contiguous.
struct ParamState {
  std::int64_t step = 0;                  // updates applied to this parameter
  std::map<std::string, Tensor> buffers;  // "momentum_buffer", "exp_avg", "exp_avg_sq", ...
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient, in place, with grad mode off.
  void step();
  // Drops every parameter's .grad (set to none, as torch's default).
  void zero_grad();

  // Groups in the order they were added. Change lr and weight_decay freely; add parameters only
  // through add_param_group, which checks them.
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Throws ValueError for a negative (or NaN) lr or weight decay, an empty group, an empty or
  // repeated name, a parameter already in a group, or a non-floating or non-leaf tensor.
  void add_param_group(ParamGroup group);

  // The state of one parameter; null until its first update.
  const ParamState* state(const std::string& name) const;

  // A snapshot (copies) of everything step() depends on besides the parameters themselves:
  //   "optim.param_groups.<i>.lr", "optim.param_groups.<i>.weight_decay"   float64, rank 0
  //   "optim.<param name>.step"                                             int64, rank 0
  //   "optim.<param name>.<buffer>"  (exp_avg, exp_avg_sq, momentum_buffer) the parameter's shape
  // A parameter that has never been updated has no entries.
  StateDict state_dict() const;
  // Restores a state_dict() so that the next step() is bit-for-bit the one the saved optimizer
  // would have taken. Entries outside "optim." are ignored (a checkpoint also holds the model);
  // parameters with no entries start fresh. Buffers are copied (and converted to the parameter's
  // dtype). Throws ValueError for an unknown parameter, buffer or group, a missing entry, or a
  // different number of groups; ShapeError for a buffer whose shape is not the parameter's.
  // Nothing changes when it throws. Takes io::load_safetensors(path).tensors as it is.
  void load_state_dict(const StateDict& state);

 protected:
  // op names the optimizer in messages ("SGD"); the derived constructor adds the first group.
  explicit Optimizer(std::string op) : op_(std::move(op)) {}
  // Updates one parameter in place from its gradient. Both are contiguous with the same shape
  // and dtype (float32 or float64); grad mode is off; state.step already counts this update.
  virtual void update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) = 0;
  // The buffers every updated parameter has, in the order state_dict() lists them.
  virtual std::vector<std::string> buffer_names() const = 0;

  const std::string& op() const { return op_; }

 private:
  std::string op_;
  std::vector<ParamGroup> groups_;
  std::map<std::string, ParamState> state_;  // by parameter name
};

}  // namespace focus::optim
