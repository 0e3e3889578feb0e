// Helpers the task generators share: collecting distinct examples in the order they were drawn,
// and cutting them into test, valid and train.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include <focus/data/tasks.h>

namespace focus::data {

class ExampleSet {
 public:
  // Adds e unless its source is already there; returns whether it was added. A known source with
  // a different target means the generator's grammar is ambiguous: std::logic_error.
  bool add(Example e);
  [[nodiscard]] std::size_t size() const { return examples_.size(); }
  [[nodiscard]] bool contains(const std::string& source) const { return index_.count(source) > 0; }
  // The examples in the order they were added; the set is left empty.
  [[nodiscard]] std::vector<Example> take();

 private:
  std::vector<Example> examples_;
  std::unordered_map<std::string, std::size_t> index_;
};

// The first n_test examples become test, the next n_valid valid, the rest train.
[[nodiscard]] Dataset split_examples(std::vector<Example> examples, std::size_t n_test, std::size_t n_valid,
                                     std::string name, bool char_level);

}  // namespace focus::data
