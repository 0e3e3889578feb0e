// Anomaly mode (torch.autograd.detect_anomaly): an opt-in switch under which every op that joins
// the graph has its floating output checked for NaN/Inf, and every gradient the backward walk
// produces is checked too. The first non-finite value throws AnomalyError naming the op, its
// shape, and the scope it was created in ("anomaly: log produced NaN in its output; op=log
// shape=[2, 3]"). Off by default; when off the cost is one thread-local load per recorded op.
//
// Per thread, like grad mode: the switch affects the ops and backward walks run on the thread that
// set it (the backward engine runs on the calling thread), so one thread can debug while others
// train at full speed. A thread starts with it off.
//
// Scopes: AnomalyScope pushes a name ("encoder", "decoder.layers.1") for the rest of a C++ scope;
// nested scopes join with dots. Models push them around their sub-modules' forward calls, so an
// error says where in the model the op was created. Scopes are recorded only while anomaly mode
// is on, so they cost nothing otherwise.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <focus/tensor/error.h>
#include <focus/tensor/tensor.h>

namespace focus {

class AnomalyError : public Error {
 public:
  using Error::Error;
};

// Sets the switch for the calling thread only.
void set_detect_anomaly(bool enabled);
bool is_anomaly_enabled();

// Turns anomaly mode on (or to `enabled`) for the scope on this thread, then restores the previous setting.
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool enabled = true) : prev_(is_anomaly_enabled()) { set_detect_anomaly(enabled); }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

// Names the part of a model whose ops follow, for anomaly messages (per thread).
class AnomalyScope {
 public:
  explicit AnomalyScope(std::string_view name);
  ~AnomalyScope();
  AnomalyScope(const AnomalyScope&) = delete;
  AnomalyScope& operator=(const AnomalyScope&) = delete;

 private:
  bool pushed_ = false;
};

// The current scope path ("encoder.layers.0"), empty outside any scope or with anomaly mode off.
std::string current_anomaly_scope();

namespace anomaly {

// "NaN", "Inf" or "" (all finite, or not a floating tensor).
std::string non_finite_kind(const Tensor& t);

// The checks record() and the engine run while anomaly mode is on.
void check_output(std::string_view op, const Tensor& out, const std::vector<Tensor>& inputs);
// grads: what op's backward returned, one per input; created_in: the scope the op was made in.
void check_input_grads(std::string_view op, const std::vector<Tensor>& grads, const std::string& created_in);
void check_incoming_grad(std::string_view op, const Tensor& grad);

}  // namespace anomaly

}  // namespace focus
