// ExampleSet and split_examples (see example_set.h).
#include <focus/data/example_set.h>

#include <stdexcept>

namespace focus::data {

bool ExampleSet::add(Example e) {
  const auto [it, inserted] = index_.emplace(e.source, examples_.size());
  if (!inserted) {
    const Example& known = examples_[it->second];
    if (known.target != e.target) {
      throw std::logic_error("ExampleSet::add: a source must have one target; got '" + e.source + "' -> '" +
                             known.target + "' and '" + e.target + "'");
    }
    return false;
  }
  examples_.push_back(std::move(e));
  return true;
}

std::vector<Example> ExampleSet::take() {
  std::vector<Example> out = std::move(examples_);
  examples_.clear();
  index_.clear();
  return out;
}

Dataset split_examples(std::vector<Example> examples, std::size_t n_test, std::size_t n_valid, std::string name,
                       bool char_level) {
  if (n_test + n_valid > examples.size()) {
    throw std::logic_error("split_examples: test and valid must leave room for train; got " +
                           std::to_string(examples.size()) + " examples");
  }
  Dataset data;
  data.name = std::move(name);
  data.char_level = char_level;
  const auto test_end = examples.begin() + static_cast<std::ptrdiff_t>(n_test);
  const auto valid_end = test_end + static_cast<std::ptrdiff_t>(n_valid);
  data.test.assign(std::make_move_iterator(examples.begin()), std::make_move_iterator(test_end));
  data.valid.assign(std::make_move_iterator(test_end), std::make_move_iterator(valid_end));
  data.train.assign(std::make_move_iterator(valid_end), std::make_move_iterator(examples.end()));
  return data;
}

}  // namespace focus::data
