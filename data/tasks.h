// The task registry: every translation task a program can ask for by name (--task), each one
// table entry {name, aliases, generator, tokenisation, recipe, description}; and the reader for
// translation pairs stored in files, which detects their format so a file set can borrow a
// task's recipe (SCAN's own files train as --task scan does).
//
// The built-in tasks are the table in tasks.cpp, in this order (task_help() prints it):
//   zh-en        a Chinese-to-English corpus from a small bilingual grammar (zh_en.h). Words.
//   dates        dates written in many human formats -> ISO 8601 (dates.h). Characters.
//   scan-simple  SCAN (Lake & Baroni 2018), random 80/20 split (scan.h), alias "scan". Words.
//   scan-length  SCAN, trained on action sequences of at most 22 actions, tested on longer ones;
//                the only task that takes an option, the cutoff (TaskOptions::length_cutoff).
//   reverse      10 random digits -> the same digits reversed (digits.cpp). Characters.
//   copy         10 random digits -> the same digits. Characters.
// Adding a task: a file with its generator, and one line in that table (or, from a program or a
// test, one register_task call). Every generator dedupes by source and keeps the splits
// disjoint, so no test source is ever trained on. Sizes (train / valid / test): zh-en 16,000 / 500
// / 1,000; dates 40,000 / 1,000 / 2,000; scan-simple 15,892 / 836 / 4,182; scan-length 16,141 /
// 849 / 3,920 at the default cutoff (22; scan.h lists the sizes at 24 to 40); reverse and copy
// 20,000 / 1,000 / 1,000.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace focus::data {

struct Example {
  std::string source, target;
  bool operator==(const Example&) const = default;
};

// Passes over the training data when nothing else says how long to train.
inline constexpr std::int64_t kDefaultEpochs = 6;

struct Dataset {
  std::vector<Example> train, valid, test;
  std::string name;
  // How to tokenise source and target: true -> one token per character, spaces as a visible
  // token (text::tokenize_chars); false -> words, CJK characters and punctuation
  // (text::tokenize). Dates, reverse and copy are character level; zh-en and SCAN word level.
  bool char_level = false;
  // Passes over `train` that a small Transformer needs to learn this task (the translate
  // trainer's default length): SCAN's long, repetitive outputs take far longer than the rest.
  std::int64_t epochs = kDefaultEpochs;
  // The Transformer's position scheme this task trains best with (nn/positions.h names), or ""
  // for the program's own default: scan-length's longer test outputs want relative positions.
  std::string positions;
  // Encoder (and decoder) layers, or 0 for the program's default; with share_layers each stack
  // applies one layer that many times (a Universal Transformer, nn/transformer.h).
  std::int64_t layers = 0;
  bool share_layers = false;
};

// How a file of pairs is written (see parse_examples).
enum class ExampleFormat { kTsv, kScan };

// What a program may ask of a task besides its seed (translate's --length-cutoff). An option
// left empty means the task's default; a task accepts only the options its TaskInfo says it takes.
struct TaskOptions {
  // scan-length: train+valid on outputs of at most this many actions, test on longer (default 22).
  std::optional<std::int64_t> length_cutoff = std::nullopt;
};

// One task. char_level, epochs, positions, layers and share_layers are its recipe, the training defaults that come with the
// task; make_task copies them (and the name) into the Dataset the generator returns.
// A task that takes options gives generator_with_options (and says which options it takes);
// register_task then fills in generator as that with default options, so generator is always set.
struct TaskInfo {
  std::string name;                                           // what --task takes
  std::vector<std::string> aliases = {};                      // other names --task takes ("scan")
  std::function<Dataset(std::uint64_t seed)> generator = {};  // the same data for the same seed
  std::function<Dataset(std::uint64_t seed, const TaskOptions& options)> generator_with_options = {};
  bool takes_length_cutoff = false;                           // TaskOptions::length_cutoff (scan-length)
  bool char_level = false;                                    // see Dataset::char_level
  std::int64_t epochs = kDefaultEpochs;                       // see Dataset::epochs
  std::string positions = {};                                 // see Dataset::positions
  std::int64_t layers = 0;                                    // see Dataset::layers
  bool share_layers = false;                                  // see Dataset::share_layers
  std::string description = {};                               // one line, for --help and the docs
  // Files in this format take this task's recipe (recipe_for_format); at most one task per format.
  std::optional<ExampleFormat> recipe_for_files = std::nullopt;
};

// Adds a task after the built-in ones. Throws ValueError "register_task: a task with that name
// already exists; got 'x'" when the name or an alias is already a name or an alias (its own
// included), "register_task: <rule>; got ..." for an empty name, no generator (of either kind),
// both kinds, an option taken without generator_with_options, epochs < 1, or a second task
// claiming the same recipe_for_files. Safe to call from several threads.
void register_task(TaskInfo task);

// The task called name (or with that alias). Throws ValueError "make_task: unknown task; got 'x'
// (known: zh-en, dates, ..., scan)", the names in registration order, then the aliases. The
// pointer stays valid for the life of the program.
[[nodiscard]] const TaskInfo* find_task(const std::string& name);

// Every task, in registration order: the built-in ones (zh-en first), then registered ones.
[[nodiscard]] std::vector<const TaskInfo*> tasks();

// The task list for a program's --help, one line per task: name, aliases, description, recipe.
//   "  scan-simple (scan)  SCAN (Lake & Baroni 2018), random 80/20 split; words, 40 epochs"
[[nodiscard]] std::string task_help();

// The names make_task accepts, without aliases, in registration order (the default, "zh-en", first).
[[nodiscard]] std::vector<std::string> task_names();

// find_task(name)'s data: its generator's Dataset with the task's name, char_level and epochs
// (the name stays the task's whatever the options; a caller that varies them records them).
// The same for the same seed and options on every platform (focus::Generator only). Throws
// ValueError "make_task: --length-cutoff applies to scan-length only; got task 'dates'" for an
// option the task does not take (the list names every task that takes it), and passes on the
// generator's error for a value it refuses (make_scan's for a cutoff outside 1 <= N < 48).
[[nodiscard]] Dataset make_task(const std::string& name, std::uint64_t seed, const TaskOptions& options = {});

// The task whose recipe files of this format take: SCAN's "IN: ... OUT: ..." files take
// scan-simple's (40 epochs, words). nullptr for TSV: no task's recipe, the generic defaults
// (kDefaultEpochs, word level).
[[nodiscard]] const TaskInfo* recipe_for_format(ExampleFormat format);

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

// The pairs and the format they were written in, for a caller that picks a recipe by format:
//   const ExampleFile f = read_examples_with_format(path);
//   const TaskInfo* recipe = recipe_for_format(f.format);  // nullptr: the generic defaults
struct ExampleFile {
  std::vector<Example> examples;
  ExampleFormat format = ExampleFormat::kTsv;
};
[[nodiscard]] ExampleFile read_examples_with_format(const std::string& path);
[[nodiscard]] ExampleFile parse_examples_with_format(std::string_view text, const std::string& source);

// The format parse_examples would read text in (the same rule, without checking the lines):
// kScan if every non-blank line starts with "IN: " and holds " OUT: ", else kTsv (also for text
// with no lines at all).
[[nodiscard]] ExampleFormat detect_format(std::string_view text);

inline constexpr std::size_t kMaxLineBytes = 10'000;

}  // namespace focus::data
