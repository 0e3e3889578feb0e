// StateDict: named tensors, the one form of a module's, an optimizer's and a schedule's state and
// of a checkpoint's contents (nn::StateDict and optim::StateDict are this type). As PyTorch's
// OrderedDict: names are unique, kept in the order they were added (a module's: registration
// order), and looked up by name. It lives in tensor/ so that nn/, optim/ and io/ share it without
// one depending on another.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

// Named tensors in a plain list: what io::save_safetensors takes, and Module::named_parameters gives.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Binds to the named-tensor list io::save_safetensors takes (an implicit conversion to
// const NamedTensors&), so io::save_safetensors(path, model.state_dict()) compiles as written
// (an overload taking a StateDict would make a braced list of pairs ambiguous); and it is made
// implicitly from the std::map io::load_safetensors returns, so
// model.load_state_dict(io::load_safetensors(path).tensors) does too. The order never changes a
// file's bytes: the safetensors writer sorts by name. A name can be looked up, replaced (at,
// operator[]) or erased; iteration gives (name, Tensor) pairs and cannot rename them.
class StateDict {
 public:
  using value_type = std::pair<std::string, Tensor>;
  using const_iterator = NamedTensors::const_iterator;

  StateDict() = default;
  // From pairs in order; a repeated name throws ValueError naming it.
  StateDict(std::initializer_list<value_type> entries);
  StateDict(NamedTensors entries);
  template <class It>
  StateDict(It first, It last) {
    for (; first != last; ++first) emplace(first->first, first->second);
  }
  // From a loaded file's tensors, in name order.
  StateDict(const std::map<std::string, Tensor>& tensors);

  // The entries in order, for everything that takes named tensors.
  operator const NamedTensors&() const noexcept { return entries_; }
  const NamedTensors& entries() const noexcept { return entries_; }

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  const_iterator begin() const noexcept { return entries_.begin(); }
  const_iterator end() const noexcept { return entries_.end(); }

  bool contains(const std::string& name) const { return index_.contains(name); }
  // The entry named name, or end().
  const_iterator find(const std::string& name) const;
  // The tensor named name; IndexError "StateDict: no entry has that name; got '<name>'" otherwise.
  const Tensor& at(const std::string& name) const;
  Tensor& at(const std::string& name);
  // The tensor named name, added at the end (undefined) when there is none: d["w"] = t replaces or adds.
  Tensor& operator[](const std::string& name);
  // Not by position (d[0] would otherwise make a std::string from a null pointer): use entries()[i].
  Tensor& operator[](std::size_t) = delete;

  // Adds name at the end. A name already present throws ValueError: two tensors under one name is
  // a bug that keeping either one would hide (replace through operator[] instead).
  void emplace(std::string name, Tensor t);
  // Removes name, keeping the others' order; returns how many entries went (0 or 1).
  std::size_t erase(const std::string& name);

 private:
  NamedTensors entries_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in entries_
};

}  // namespace focus
