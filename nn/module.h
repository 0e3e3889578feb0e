// Module: the base of every layer and model. Parameters, buffers and child modules are
// registered by name; the tree gives dotted names ("decoder.layers.1.cross_attn.q_proj.weight")
// that state_dict, checkpoints, optimizers and printing use. Modules are held by shared_ptr and
// are not copyable. Forward functions are plain member functions with the signature each layer
// needs (no virtual forward): a model calls its children's forward directly, and each forward
// runs its body through with_module_path, so an error names the module it came from.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <focus/tensor/error.h>
#include <focus/tensor/state_dict.h>
#include <focus/tensor/tensor.h>

namespace focus::nn {

using focus::NamedTensors;
using focus::StateDict;  // ordered, unique names, lookup by name (tensor/state_dict.h)

struct LoadResult {
  std::vector<std::string> missing_keys;     // expected by the module, absent from the dict
  std::vector<std::string> unexpected_keys;  // in the dict, not in the module
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& type_name() const { return type_name_; }

  // ---- the tree ---------------------------------------------------------------------------------
  // Each tensor once, even when a weight is shared between layers (first name wins).
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
  // This module ("") and every descendant with its dotted path.
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  std::int64_t num_parameters() const;  // elements, each shared tensor counted once

  // ---- state ------------------------------------------------------------------------------------
  // Parameters and persistent buffers by dotted name, in PyTorch's order: a module's parameters,
  // its buffers, then each child's state, all in registration order. A tied weight appears under
  // each name. Handles to the module's own tensors, not copies.
  // Saving is one line: io::save_safetensors(path, model.state_dict()).
  StateDict state_dict() const;
  // Copies values into this module's tensors; loading a saved file is one line:
  // model.load_state_dict(io::load_safetensors(path).tensors). All or nothing: every entry is
  // checked before any tensor is written, so a throw leaves the module bitwise as it was.
  // Checks: under strict, missing and unexpected keys (ValueError naming them; otherwise they are
  // returned), a missing key whose tensor is tied to a present one is not missing; every present
  // key's tensor must be defined (ValueError), have the module tensor's shape (ShapeError), and a
  // dtype of the same kind (DTypeError): floating loads into floating, converted (a float64 file
  // into a float32 model), int64 only into int64, bool only into bool.
  // Before matching, each module (root first) may rename entries of older files under its own
  // dotted prefix: upgrade_state_dict below.
  LoadResult load_state_dict(const StateDict& dict, bool strict = true);

  // ---- modes and conversions ---------------------------------------------------------------------
  void train(bool on = true);  // reaches every child
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();  // sets every parameter's .grad to none
  // Converts every floating parameter and buffer in place (handles held elsewhere stay valid).
  void to(DType dtype);

  // ---- printing -----------------------------------------------------------------------------------
  // "Linear(in_features=128, out_features=64, bias=true)", children indented below.
  std::string to_string() const;
  // The hyperparameters inside the parentheses; layers override it.
  virtual std::string extra_repr() const { return ""; }

  // Replaces this module's parameter `name` with another tensor, e.g. to tie an output layer's
  // weight to an embedding (also assign the layer's member handle).
  void replace_parameter(const std::string& name, const Tensor& t);

 protected:
  // A layer whose tensor names changed renames an older file's entries here (what PyTorch's
  // _load_from_state_dict does with its version field): entries named prefix + old name become
  // prefix + new name. The default renames nothing.
  virtual void upgrade_state_dict(StateDict& dict, const std::string& prefix) const { (void)dict, (void)prefix; }

  // Every forward runs its body through this: return with_module_path([&] { ...; });
  // A focus::Error escaping the body leaves with this module's place in the path: what() reads
  // "decoder.layers.1.linear1: linear: ..." when it reaches the root's forward. Free when nothing
  // throws: with table-based unwinding a try block adds no work to that path, and the path is
  // only looked up on the way out of a throw.
  // How the path is built: the first module the error passes becomes its anchor (path ""); each
  // enclosing module's forward then finds the anchor among its descendants and puts the dotted
  // name between them in front, becoming the new anchor. So the path starts below the outermost
  // module whose forward ran (the root's own name never shows, as in PyTorch's named_modules),
  // and containers without a forward (ModuleList) still give their name ("layers.1").
  // A module shared by two parents shows the path through the parent whose forward called it.
  // Only when one module is registered twice between two forwards that ran (tied under two names
  // in one parent) is the first name in registration order (depth first) shown, whichever the
  // call used. An error whose anchor is not a descendant (a module called but not registered)
  // keeps the path it had.
  template <class Body>
  decltype(auto) with_module_path(Body&& body) const {
    try {
      return body();
    } catch (Error& e) {
      add_module_path(e);
      throw;
    }
  }

  // Registers and returns the tensor (a handle to the same tensor): weight_ = register_parameter(...)
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor t, bool persistent = true);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    check_name(name);
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void add_module_path(Error& e) const;  // out of line: the cold path stays out of every forward
  bool find_path(const Module* target, std::string& path) const;
  void check_name(const std::string& name) const;
  void collect(const std::string& prefix, bool params, NamedTensors& out) const;
  void collect_state(const std::string& prefix, NamedTensors& out) const;
  void print(std::ostream& os, int indent) const;

  std::string type_name_;
  bool training_ = true;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<bool> buffer_persistent_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace focus::nn
