// SCAN: enumerating the grammar and interpreting commands (rules in scan.h).
#include <focus/data/scan.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <focus/data/example_set.h>
#include <focus/tensor/error.h>
#include <focus/tensor/random.h>

namespace focus::data {

namespace {

constexpr std::array<std::string_view, 4> kPrimitives = {"walk", "look", "run", "jump"};
constexpr std::array<std::string_view, 2> kDirections = {"left", "right"};

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t end = std::min(s.find(' ', i), s.size());
    words.push_back(s.substr(i, end - i));
    i = end;
  }
  return words;
}

[[noreturn]] void not_scan(std::string_view command, const std::string& rule) {
  throw ValueError("scan_actions: " + rule + "; got '" + std::string(command) + "'");
}

std::string action_of(std::string_view primitive) {
  std::string upper;
  for (char c : primitive) upper += static_cast<char>(c - 'a' + 'A');
  return "I_" + upper;
}

// V: "u", "u dir", "u opposite dir", "u around dir" (u may be "turn" only with a direction).
void interpret_verb_phrase(const std::vector<std::string_view>& words, std::string_view command,
                           std::vector<std::string>& out) {
  if (words.empty() || words.size() > 3) not_scan(command, "a verb phrase is 1 to 3 words");
  const std::string_view u = words[0];
  const bool turn = u == "turn";
  const bool primitive = std::find(kPrimitives.begin(), kPrimitives.end(), u) != kPrimitives.end();
  if (!turn && !primitive) not_scan(command, "a verb phrase starts with walk, look, run, jump or turn");
  if (words.size() == 1) {
    if (turn) not_scan(command, "turn needs a direction");
    out.push_back(action_of(u));
    return;
  }
  const std::string_view direction = words.back();
  if (std::find(kDirections.begin(), kDirections.end(), direction) == kDirections.end()) {
    not_scan(command, "a direction is left or right");
  }
  const std::string turn_action = direction == "left" ? "I_TURN_LEFT" : "I_TURN_RIGHT";
  // One step: turn towards the direction, then do the action (turning alone has no action).
  const auto step = [&] {
    out.push_back(turn_action);
    if (!turn) out.push_back(action_of(u));
  };
  if (words.size() == 2) {
    step();
  } else if (words[1] == "opposite") {
    out.push_back(turn_action);
    step();
  } else if (words[1] == "around") {
    for (int i = 0; i < 4; ++i) step();
  } else {
    not_scan(command, "a three-word verb phrase has opposite or around in the middle");
  }
}

// S: "V", "V twice", "V thrice".
void interpret_sentence(std::vector<std::string_view> words, std::string_view command, std::vector<std::string>& out) {
  int repeats = 1;
  if (!words.empty() && (words.back() == "twice" || words.back() == "thrice")) {
    repeats = words.back() == "twice" ? 2 : 3;
    words.pop_back();
  }
  std::vector<std::string> once;
  interpret_verb_phrase(words, command, once);
  for (int r = 0; r < repeats; ++r) out.insert(out.end(), once.begin(), once.end());
}

std::vector<std::string> verb_phrases() {
  std::vector<std::string> phrases;
  for (std::string_view u : kPrimitives) phrases.emplace_back(u);
  for (std::string_view u : kPrimitives) {
    for (std::string_view d : kDirections) phrases.push_back(std::string(u) + " " + std::string(d));
  }
  for (std::string_view d : kDirections) phrases.push_back("turn " + std::string(d));
  for (std::string_view modifier : {"opposite", "around"}) {
    for (std::string_view u : {"walk", "look", "run", "jump", "turn"}) {
      for (std::string_view d : kDirections) {
        phrases.push_back(std::string(u) + " " + std::string(modifier) + " " + std::string(d));
      }
    }
  }
  return phrases;
}

}  // namespace

std::vector<std::string> scan_commands() {
  std::vector<std::string> sentences;
  for (const std::string& v : verb_phrases()) {
    sentences.push_back(v);
    sentences.push_back(v + " twice");
    sentences.push_back(v + " thrice");
  }
  std::vector<std::string> commands = sentences;
  for (std::string_view conjunction : {" and ", " after "}) {
    for (const std::string& a : sentences) {
      for (const std::string& b : sentences) commands.push_back(a + std::string(conjunction) + b);
    }
  }
  return commands;
}

std::string scan_actions(std::string_view command) {
  const std::vector<std::string_view> words = split_words(command);
  std::size_t conjunction = words.size();
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] != "and" && words[i] != "after") continue;
    if (conjunction != words.size()) not_scan(command, "a command has at most one 'and' or 'after'");
    conjunction = i;
  }
  std::vector<std::string> actions;
  if (conjunction == words.size()) {
    interpret_sentence(words, command, actions);
  } else {
    const std::vector<std::string_view> first(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(conjunction));
    const std::vector<std::string_view> second(words.begin() + static_cast<std::ptrdiff_t>(conjunction) + 1,
                                               words.end());
    if (words[conjunction] == "and") {
      interpret_sentence(first, command, actions);
      interpret_sentence(second, command, actions);
    } else {  // "x after y" does y first
      interpret_sentence(second, command, actions);
      interpret_sentence(first, command, actions);
    }
  }
  std::string out;
  for (const std::string& a : actions) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

namespace {

void shuffle(std::vector<Example>& examples, Generator& gen) {
  // Fisher-Yates from the back: each position takes a uniform pick of what is left.
  for (std::size_t i = examples.size(); i > 1; --i) std::swap(examples[i - 1], examples[gen.below(i)]);
}

std::size_t count_actions(const std::string& actions) {
  return actions.empty() ? 0 : 1 + static_cast<std::size_t>(std::count(actions.begin(), actions.end(), ' '));
}

}  // namespace

Dataset make_scan(ScanSplit split, std::uint64_t seed, std::int64_t length_cutoff) {
  if (split == ScanSplit::kRandom && length_cutoff != static_cast<std::int64_t>(kScanMaxTrainActions)) {
    throw ValueError("make_scan: the length cutoff applies to the length split only; got N=" +
                     std::to_string(length_cutoff) + " with the random split");
  }
  Generator gen(seed);
  std::vector<Example> examples;
  std::size_t shortest = SIZE_MAX, longest = 0;
  for (std::string& command : scan_commands()) {
    std::string actions = scan_actions(command);
    shortest = std::min(shortest, count_actions(actions));
    longest = std::max(longest, count_actions(actions));
    examples.push_back({std::move(command), std::move(actions)});
  }
  std::vector<Example> test, rest;
  if (split == ScanSplit::kRandom) {
    shuffle(examples, gen);
    const std::size_t n_test = examples.size() - examples.size() * 4 / 5;  // 4,182 of 20,910
    test.assign(examples.begin(), examples.begin() + static_cast<std::ptrdiff_t>(n_test));
    rest.assign(examples.begin() + static_cast<std::ptrdiff_t>(n_test), examples.end());
  } else {
    // The bounds come from the grammar (1 and 48 actions), so the rule stays true if it changes.
    const auto lo = static_cast<std::int64_t>(shortest), hi = static_cast<std::int64_t>(longest);
    if (length_cutoff < lo || length_cutoff >= hi) {
      throw ValueError("make_scan: length cutoff must leave both splits non-empty (" + std::to_string(lo) +
                       " <= N < " + std::to_string(hi) + "); got N=" + std::to_string(length_cutoff));
    }
    const auto cutoff = static_cast<std::size_t>(length_cutoff);
    for (Example& e : examples) (count_actions(e.target) <= cutoff ? rest : test).push_back(std::move(e));
    shuffle(rest, gen);
    shuffle(test, gen);
  }
  const std::size_t n_valid = rest.size() / 20;
  std::vector<Example> ordered = std::move(test);
  const std::size_t n_test = ordered.size();
  ordered.insert(ordered.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  return split_examples(std::move(ordered), n_test, n_valid,
                        split == ScanSplit::kRandom ? "scan-simple" : "scan-length", false);
}

}  // namespace focus::data
