// The task registry (data/tasks.h): the built-in table, a toy task registered from this file the
// way a program would add one, the errors for names used twice, task options (scan-length's
// cutoff), the --help text, recipes for file sets (SCAN's files take scan's 40 epochs), and
// README.md's task table against the registry.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <focus/data/example_set.h>
#include <focus/data/scan.h>
#include <focus/data/tasks.h>
#include <focus/tensor/error.h>
#include <focus/tensor/random.h>

using namespace focus;
using namespace focus::data;

namespace {

template <class F>
std::string value_error(F&& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

// The toy task: five random lower-case letters -> the same in upper case. Its whole definition
// is this function and the register_task call below.
constexpr const char* kToy = "toy-upper";

Dataset make_toy(std::uint64_t seed) {
  Generator gen(seed);
  ExampleSet set;
  while (set.size() < 300) {
    std::string source, target;
    for (int i = 0; i < 5; ++i) {
      const auto letter = static_cast<char>('a' + gen.below(26));
      source += letter;
      target += static_cast<char>(letter - 'a' + 'A');
    }
    set.add({source, target});
  }
  return split_examples(set.take(), 50, 25, "", true);
}

// Every test case here starts from the same registry: the built-in tasks and the toy, whatever
// order doctest runs them in.
void register_toy_once() {
  static const bool registered = [] {
    register_task({.name = kToy, .aliases = {"shout"}, .generator = make_toy, .char_level = true, .epochs = 3,
                   .description = "five letters -> the same in upper case"});
    return true;
  }();
  (void)registered;
}

std::vector<std::string> names_of(const std::vector<const TaskInfo*>& list) {
  std::vector<std::string> out;
  for (const TaskInfo* t : list) out.push_back(t->name);
  return out;
}

}  // namespace

TEST_CASE("tasks: the built-in table lists zh-en first, then the others with their recipes") {
  register_toy_once();
  CHECK(names_of(tasks()) ==
        std::vector<std::string>{"zh-en", "dates", "scan-simple", "scan-length", "reverse", "copy", kToy});
  CHECK(task_names() == names_of(tasks()));
  CHECK(find_task("scan") == find_task("scan-simple"));
  CHECK(find_task("scan")->epochs == 40);
  CHECK(find_task("scan-length")->epochs == 60);
  CHECK(find_task("scan-length")->positions == "xl");  // its recipe names a position scheme; the others leave it to the program
  CHECK(make_task("scan-length", 1).positions == "xl");
  CHECK(find_task("scan-length")->layers == 5);  // and a Universal Transformer: one shared layer, applied 5 times
  CHECK(find_task("scan-length")->share_layers);
  CHECK(make_task("scan-length", 1).share_layers);
  CHECK(make_task("zh-en", 1).layers == 0);
  CHECK_FALSE(make_task("zh-en", 1).share_layers);
  CHECK(make_task("zh-en", 1).positions.empty());
  CHECK(find_task("dates")->epochs == 8);  // the held-out forms need more than the default
  for (const std::string name : {"zh-en", "reverse", "copy"}) {
    CAPTURE(name);
    CHECK(find_task(name)->epochs == kDefaultEpochs);
  }
  for (const TaskInfo* t : tasks()) CHECK_FALSE(t->description.empty());
  CHECK_FALSE(find_task("zh-en")->char_level);
  CHECK(find_task("dates")->char_level);
  CHECK_FALSE(find_task("scan")->char_level);
  CHECK(find_task("copy")->char_level);
  // make_task takes the name, tokenisation and length from the table, aliases included.
  const Dataset d = make_task("scan", 3);
  CHECK(d.name == "scan-simple");
  CHECK(d.epochs == 40);
  CHECK_FALSE(d.char_level);
  CHECK(d.test.size() == 4'182);
}

TEST_CASE("tasks: a task registered from a test is made, listed, in --help and in the unknown-task error") {
  register_toy_once();
  const Dataset d = make_task(kToy, 7);
  CHECK(d.name == kToy);
  CHECK(d.char_level);
  CHECK(d.epochs == 3);
  CHECK(d.train.size() == 225);
  CHECK(d.valid.size() == 25);
  CHECK(d.test.size() == 50);
  CHECK(d.test.front().target.size() == 5);
  for (const Example& e : d.train) {
    std::string upper = e.source;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return static_cast<char>(c - 'a' + 'A'); });
    if (e.target != upper) FAIL(e.source << " -> " << e.target);
  }
  CHECK(make_task("shout", 7).train == d.train);  // the alias
  CHECK(make_task(kToy, 8).train != d.train);     // the seed reaches the generator
  CHECK(value_error([] { (void)make_task("fr-en", 0); }) ==
        "make_task: unknown task; got 'fr-en' (known: zh-en, dates, scan-simple, scan-length, reverse, copy, toy-upper, "
        "scan, shout)");
  CHECK(value_error([] { (void)find_task(""); }).starts_with("make_task: unknown task; got '' (known: zh-en, "));
}

TEST_CASE("tasks: scan-length takes a length cutoff through TaskOptions, other tasks refuse one") {
  register_toy_once();
  for (const TaskInfo* t : tasks()) {
    CAPTURE(t->name);
    CHECK(t->takes_length_cutoff == (t->name == "scan-length"));
    CHECK(static_cast<bool>(t->generator));  // filled in from generator_with_options for scan-length
  }
  const Dataset d = make_task("scan-length", 5, {.length_cutoff = 26});
  CHECK(d.name == "scan-length");  // the name stays the task's; the caller records the cutoff
  CHECK(d.epochs == 60);
  CHECK_FALSE(d.char_level);
  CHECK(d.train.size() + d.valid.size() == 18'286);
  CHECK(d.test.size() == 2'624);
  CHECK(d.test == make_scan(ScanSplit::kLength, 5, 26).test);
  // No option, an empty one, 22, and the plain generator all give the paper's split.
  const Dataset paper = make_scan(ScanSplit::kLength, 5);
  CHECK(make_task("scan-length", 5).train == paper.train);
  CHECK(make_task("scan-length", 5, {.length_cutoff = std::nullopt}).test == paper.test);
  CHECK(make_task("scan-length", 5, {.length_cutoff = 22}).valid == paper.valid);
  CHECK(find_task("scan-length")->generator(5).test == paper.test);
  // A cutoff the generator refuses, and a task that takes none (by name or alias).
  CHECK(value_error([] { (void)make_task("scan-length", 5, {.length_cutoff = 60}); }) ==
        "make_scan: length cutoff must leave both splits non-empty (1 <= N < 48); got N=60");
  CHECK(value_error([] { (void)make_task("dates", 5, {.length_cutoff = 26}); }) ==
        "make_task: --length-cutoff applies to scan-length only; got task 'dates'");
  CHECK(value_error([] { (void)make_task("scan", 5, {.length_cutoff = 22}); }) ==
        "make_task: --length-cutoff applies to scan-length only; got task 'scan'");
  CHECK(value_error([] { (void)make_task(kToy, 5, {.length_cutoff = 26}); }) ==
        "make_task: --length-cutoff applies to scan-length only; got task 'toy-upper'");
}

TEST_CASE("tasks: register_task refuses a name or alias used twice, and incomplete entries") {
  register_toy_once();
  const auto error = [](TaskInfo t) { return value_error([&] { register_task(std::move(t)); }); };
  const auto gen = [](std::uint64_t) { return Dataset{}; };
  CHECK(error({.name = "dates", .generator = gen}) == "register_task: a task with that name already exists; got 'dates'");
  CHECK(error({.name = kToy, .generator = gen}) == "register_task: a task with that name already exists; got 'toy-upper'");
  // An alias against a name, a name against an alias, an alias against an alias, and within one entry.
  CHECK(error({.name = "new", .aliases = {"zh-en"}, .generator = gen}) ==
        "register_task: a task with that name already exists; got 'zh-en'");
  CHECK(error({.name = "scan", .generator = gen}) == "register_task: a task with that name already exists; got 'scan'");
  CHECK(error({.name = "new", .aliases = {"shout"}, .generator = gen}) ==
        "register_task: a task with that name already exists; got 'shout'");
  CHECK(error({.name = "new", .aliases = {"new"}, .generator = gen}) ==
        "register_task: a task with that name already exists; got 'new'");
  CHECK(error({.name = "new", .aliases = {"x", "x"}, .generator = gen}) ==
        "register_task: a task with that name already exists; got 'x'");
  CHECK(error({.name = "", .generator = gen}) == "register_task: a task needs a name; got ''");
  CHECK(error({.name = "new", .aliases = {""}, .generator = gen}) == "register_task: an alias must not be empty; got 'new'");
  CHECK(error({.name = "new"}) == "register_task: a task needs a generator; got 'new'");
  const auto gen_with_options = [](std::uint64_t, const TaskOptions&) { return Dataset{}; };
  CHECK(error({.name = "new", .generator = gen, .generator_with_options = gen_with_options}) ==
        "register_task: a task has generator or generator_with_options, not both; got 'new'");
  CHECK(error({.name = "new", .generator = gen, .takes_length_cutoff = true}) ==
        "register_task: a task that takes options needs generator_with_options; got 'new'");
  CHECK(error({.name = "new", .generator = gen, .epochs = 0}) ==
        "register_task: epochs must be at least 1; got 0 for 'new'");
  CHECK(error({.name = "new", .generator = gen, .recipe_for_files = ExampleFormat::kScan}) ==
        "register_task: one task per file format gives files its recipe; got 'new' and 'scan-simple'");
  // Nothing refused was added.
  CHECK(tasks().size() == 7);
  CHECK(value_error([] { (void)find_task("new"); }).starts_with("make_task: unknown task; got 'new'"));
}

TEST_CASE("tasks: task_help gives one line per task: name, aliases, description, recipe") {
  register_toy_once();
  const std::string help = task_help();
  CAPTURE(help);
  std::istringstream in(help);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == tasks().size());
  CHECK(lines[0].starts_with("  zh-en  "));
  CHECK(lines[0].ends_with("; words, 6 epochs"));
  CHECK(lines[2] ==
        "  scan-simple (scan)  SCAN (Lake & Baroni 2018) commands -> actions, random 80/20 split; words, 40 epochs");
  CHECK(lines[6] == "  toy-upper (shout)   five letters -> the same in upper case; characters, 3 epochs");
  // The descriptions start in one column, two spaces after the longest head.
  for (const std::string& line : lines) CHECK(line.find_first_not_of(' ', line.find("  ", 2)) == 22);
}

TEST_CASE("tasks: SCAN files take scan's recipe, TSV files the generic defaults") {
  CHECK(detect_format("IN: jump OUT: I_JUMP\nIN: walk twice OUT: I_WALK I_WALK\n") == ExampleFormat::kScan);
  CHECK(detect_format("\xEF\xBB\xBF"
                      "IN: jump OUT: I_JUMP\r\n\r\n  \r\n") == ExampleFormat::kScan);
  CHECK(detect_format("jump\tI_JUMP\n") == ExampleFormat::kTsv);
  CHECK(detect_format("IN: jump OUT: I_JUMP\nwalk\tI_WALK\n") == ExampleFormat::kTsv);  // one line decides
  CHECK(detect_format("") == ExampleFormat::kTsv);
  CHECK(detect_format("\n \n") == ExampleFormat::kTsv);

  const ExampleFile scan = parse_examples_with_format("IN: jump OUT: I_JUMP\n", "tasks_train_simple.txt");
  CHECK(scan.format == ExampleFormat::kScan);
  CHECK(scan.examples == std::vector<Example>{{"jump", "I_JUMP"}});
  const TaskInfo* recipe = recipe_for_format(scan.format);
  REQUIRE(recipe != nullptr);
  CHECK(recipe->name == "scan-simple");
  CHECK(recipe->epochs == 40);
  CHECK_FALSE(recipe->char_level);
  CHECK(recipe_for_format(ExampleFormat::kTsv) == nullptr);

  // From a file: the seed corpus's SCAN file and a TSV one.
  const std::filesystem::path corpus = std::filesystem::path(__FILE__).parent_path() / "corpus" / "data";
  const ExampleFile from_file = read_examples_with_format((corpus / "valid_scan.txt").string());
  CHECK(from_file.format == ExampleFormat::kScan);
  CHECK(from_file.examples == read_examples((corpus / "valid_scan.txt").string()));
  CHECK(read_examples_with_format((corpus / "valid_tsv.tsv").string()).format == ExampleFormat::kTsv);
}

TEST_CASE("tasks: README.md's task table has a row for every task, with its default epochs") {
  register_toy_once();
  std::ifstream in(std::filesystem::path(FOCUS_SOURCE_DIR) / "README.md");
  REQUIRE(in);
  // The table whose header starts "| Task |": rows "| `name` ... | N epochs ... | ...".
  std::vector<std::pair<std::string, std::string>> rows;  // first cell, second cell
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("| Task |")) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (!line.starts_with("|")) break;
    if (line.starts_with("| ---")) continue;
    const std::size_t second = line.find('|', 1), third = line.find('|', second + 1);
    REQUIRE(third != std::string::npos);
    rows.emplace_back(line.substr(1, second - 1), line.substr(second + 1, third - second - 1));
  }
  REQUIRE_FALSE(rows.empty());
  // The task a row names: its first `word` in backquotes, a name or an alias.
  const auto task_of = [](const std::string& cell) -> const TaskInfo* {
    const std::size_t open = cell.find('`'), close = cell.find('`', open + 1);
    if (close == std::string::npos) return nullptr;
    try {
      return find_task(cell.substr(open + 1, close - open - 1));
    } catch (const ValueError&) {
      return nullptr;
    }
  };
  for (const auto& row : rows) {  // not a structured binding: CAPTURE's lambda captures it (clang 14)
    const auto& first = row.first;
    const auto& second = row.second;
    CAPTURE(first);
    const TaskInfo* t = task_of(first);
    CHECK_MESSAGE(t != nullptr, "README.md's task table has a row for a task the registry does not know");
    if (t != nullptr) CHECK(second.starts_with(" " + std::to_string(t->epochs) + " epochs"));
  }
  for (const TaskInfo* t : tasks()) {
    if (t->name == kToy) continue;  // this file's own task is not the README's business
    CAPTURE(t->name);
    const bool listed = std::any_of(rows.begin(), rows.end(), [&](const auto& row) { return task_of(row.first) == t; });
    CHECK_MESSAGE(listed, "README.md's task table has no row for this task");
  }
}
