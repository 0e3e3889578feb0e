// A table of factories by name, for the parts a Transformer block lets users choose by name (norms,
// position schemes): built-in entries first, then registered ones, behind one lock so programs
// may register and look up from several threads. `what` names the table in errors.
#pragma once

#include <focus/tensor/error.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace focus::nn {

template <class Factory>
class NamedRegistry {
 public:
  NamedRegistry(std::string what, std::vector<std::pair<std::string, Factory>> built_in)
      : what_(std::move(what)), entries_(std::move(built_in)) {}

  // Throws ValueError "register_<what>: a <what> with that name already exists; got 'x'".
  void add(const std::string& name, Factory make) {
    if (name.empty() || !make)
      throw ValueError("register_" + what_ + ": an entry needs a name and a factory; got name '" + name + "'");
    std::lock_guard guard(lock_);
    for (const auto& entry : entries_)
      if (entry.first == name)
        throw ValueError("register_" + what_ + ": a " + what_ + " with that name already exists; got '" + name + "'");
    entries_.emplace_back(name, std::move(make));
  }

  // Throws ValueError "<what>: unknown name; got 'x' (known: a, b)".
  Factory find(const std::string& name) const {
    {
      std::lock_guard guard(lock_);
      for (const auto& entry : entries_)
        if (entry.first == name) return entry.second;
    }
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError(what_ + ": unknown name; got '" + name + "' (known: " + known + ")");
  }

  std::vector<std::string> names() const {
    std::lock_guard guard(lock_);
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.push_back(entry.first);
    return out;
  }

 private:
  std::string what_;
  mutable std::mutex lock_;
  std::vector<std::pair<std::string, Factory>> entries_;
};

}  // namespace focus::nn
