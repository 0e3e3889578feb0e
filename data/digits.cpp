// The "reverse" and "copy" tasks: 10 random digits -> the same digits reversed, or as they are.
// The smallest tasks, and the pattern for a new one: a generator here, a line in tasks.cpp.
#include <algorithm>
#include <cstdint>

#include <focus/data/example_set.h>
#include <focus/data/tasks.h>
#include <focus/tensor/random.h>

namespace focus::data {

namespace {

constexpr std::size_t kDigits = 10, kDigitsTrain = 20'000, kDigitsValid = 1'000, kDigitsTest = 1'000;

Dataset make_digit_task(std::uint64_t seed, bool reverse) {
  Generator gen(seed);
  ExampleSet set;
  const std::size_t total = kDigitsTrain + kDigitsValid + kDigitsTest;
  while (set.size() < total) {  // 10^10 strings: repeats are rare
    std::string source;
    for (std::size_t i = 0; i < kDigits; ++i) source += static_cast<char>('0' + gen.below(10));
    std::string target = source;
    if (reverse) std::reverse(target.begin(), target.end());
    set.add({std::move(source), std::move(target)});
  }
  return split_examples(set.take(), kDigitsTest, kDigitsValid, reverse ? "reverse" : "copy", true);
}

}  // namespace

// Declared in tasks.cpp, beside the table that registers them.
Dataset make_reverse(std::uint64_t seed) { return make_digit_task(seed, true); }
Dataset make_copy(std::uint64_t seed) { return make_digit_task(seed, false); }

}  // namespace focus::data
