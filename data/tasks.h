// Toy translation tasks for sequence-to-sequence models, generated in memory from a seed, and the
// reader for translation pairs stored in files.
//
// Tasks (make_task):
//   zh-en        a Chinese-to-English corpus from a small bilingual grammar with real reordering
//                (time and place before the verb in Chinese, after the object in English), 的
//                possessives, measure words, 吗 questions, 不/没 negation (zh_en.h). Word level.
//   dates        dates written in many human formats -> ISO 8601 (dates.h). Character level.
//   scan-simple  SCAN (Lake & Baroni 2018), random 80/20 split (scan.h). Word level. "scan" is an
//                alias.
//   scan-length  SCAN, trained on action sequences of at most 22 actions, tested on longer ones.
//   reverse      10 random digits -> the same digits reversed. Character level.
//   copy         10 random digits -> the same digits. Character level.
// Every task dedupes by source and keeps the splits disjoint, so no test source is ever trained on.
// Sizes (train / valid / test): zh-en 16,000 / 500 / 1,000; dates 20,000 / 1,000 / 2,000;
// scan-simple 15,892 / 836 / 4,182; scan-length 16,141 / 849 / 3,920; reverse and copy
// 20,000 / 1,000 / 1,000.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace focus::data {

struct Example {
  std::string source, target;
  bool operator==(const Example&) const = default;
};

struct Dataset {
  std::vector<Example> train, valid, test;
  std::string name;
  // How to tokenise source and target: true -> one token per character, spaces as a visible
  // token (text::tokenize_chars); false -> words, CJK characters and punctuation
  // (text::tokenize). Dates, reverse and copy are character level; zh-en and SCAN word level.
  bool char_level = false;
  // Passes over `train` that a small Transformer needs to learn this task (the translate
  // trainer's default length): SCAN's long, repetitive outputs take far longer than the rest.
  std::int64_t epochs = 6;
};

// The names make_task accepts, the default ("zh-en") first.
[[nodiscard]] const std::vector<std::string>& task_names();

// The task's data, the same for the same seed on every platform (focus::Generator only).
// Throws ValueError "make_task: unknown task; got 'x' (known: zh-en, dates, ...)".
[[nodiscard]] Dataset make_task(const std::string& name, std::uint64_t seed);

// Translation pairs from a file: see parse_examples. Throws FormatError
// "read_examples: <path>: cannot open file: <reason>" if the file cannot be read.
[[nodiscard]] std::vector<Example> read_examples(const std::string& path);

// Translation pairs from text; source names the text in errors. The format is detected from the
// content: SCAN's "IN: <command> OUT: <actions>" if every non-blank line starts with "IN: " and
// holds " OUT: " (command and actions are trimmed of spaces), otherwise tab-separated
// "source<TAB>target" lines. Blank lines are skipped; CRLF line ends and a leading UTF-8 byte
// order mark are accepted. Throws FormatError "read_examples: <source>:<line>: <rule>; got ..."
// for invalid UTF-8, a line over kMaxLineBytes bytes, a TSV line without exactly one tab, an
// empty (or all-space) source or target, and "read_examples: <source>: no examples; ..." when
// nothing is left. Errors read the same as read_examples' so a file's problems look alike.
[[nodiscard]] std::vector<Example> parse_examples(std::string_view text, const std::string& source);

inline constexpr std::size_t kMaxLineBytes = 10'000;

}  // namespace focus::data
