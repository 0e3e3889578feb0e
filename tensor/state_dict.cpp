// StateDict (see state_dict.h): an ordered list of named tensors with a name -> position index
// beside it; every change keeps the two in step.
#include <focus/tensor/state_dict.h>

#include <focus/tensor/error.h>

namespace focus {

StateDict::StateDict(std::initializer_list<value_type> entries) : StateDict(entries.begin(), entries.end()) {}

StateDict::StateDict(NamedTensors entries) {
  entries_.reserve(entries.size());
  for (auto& [name, t] : entries) emplace(std::move(name), std::move(t));
}

StateDict::StateDict(const std::map<std::string, Tensor>& tensors) : StateDict(tensors.begin(), tensors.end()) {}

StateDict::const_iterator StateDict::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? entries_.end() : entries_.begin() + static_cast<std::ptrdiff_t>(it->second);
}

const Tensor& StateDict::at(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) throw IndexError("StateDict: no entry has that name; got '" + name + "'");
  return entries_[it->second].second;
}

Tensor& StateDict::at(const std::string& name) { return const_cast<Tensor&>(std::as_const(*this).at(name)); }

Tensor& StateDict::operator[](const std::string& name) {
  const auto it = index_.find(name);
  if (it != index_.end()) return entries_[it->second].second;
  emplace(name, Tensor());
  return entries_.back().second;
}

void StateDict::emplace(std::string name, Tensor t) {
  if (!index_.emplace(name, entries_.size()).second)
    throw ValueError("StateDict: names must be unique; got '" + name + "' twice");
  entries_.emplace_back(std::move(name), std::move(t));
}

std::size_t StateDict::erase(const std::string& name) {
  const auto it = index_.find(name);
  if (it == index_.end()) return 0;
  const std::size_t pos = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(pos));
  for (std::size_t i = pos; i < entries_.size(); ++i) index_[entries_[i].first] = i;
  return 1;
}

}  // namespace focus
