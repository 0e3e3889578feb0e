// The rules api_doc follows, each on a small header written here: which declarations count,
// which comment belongs to each, how comments become Markdown, and how a stale page is reported.
// docs_api_headers then checks the real page against the real headers.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "api_doc.h"

#include <string>
#include <vector>

namespace {

using api_doc::Entry;
using api_doc::HeaderDoc;

// "name1, name2: first comment line / second line" for each entry, to compare in one CHECK.
std::vector<std::string> summary(const HeaderDoc& h) {
  std::vector<std::string> out;
  for (const Entry& e : h.entries) {
    std::string s;
    for (const auto& n : e.names) s += (s.empty() ? "" : ", ") + n;
    s += ":";
    for (std::size_t i = 0; i < e.comment.size(); ++i) s += (i == 0 ? " " : " / ") + e.comment[i];
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("api_doc: a comment covers the declaration below it and its overloads, not the next name") {
  const HeaderDoc h = api_doc::read_header("x/a.h", R"(// What a.h holds.
// Second line.
#pragma once
namespace focus::x {

// [start, end) in steps.
Tensor arange(Scalar end);
Tensor arange(Scalar start, Scalar end);
Tensor clamp_min(const Tensor& x);
Tensor tail(int n);  // the last n

// Not next to the one above.
Tensor arange(int n, int m, int k);
void lonely();
void lonely(int);

}  // namespace focus::x
)");
  CHECK(h.opening == std::vector<std::string>{"What a.h holds.", "Second line."});
  CHECK(h.namespaces == std::vector<std::string>{"focus::x"});
  CHECK(summary(h) == std::vector<std::string>{"arange: [start, end) in steps.", "tail: the last n",
                                               "arange: Not next to the one above."});
  CHECK(h.also == std::vector<std::string>{"clamp_min", "lonely"});
}

TEST_CASE("api_doc: public and protected members are listed, as Class::name; private, data and forward declarations never") {
  const HeaderDoc h = api_doc::read_header("x/b.h", R"(// b.
#pragma once
namespace focus {
struct Forward;
// A generator.
class Gen {
  // The state, private by the class default.
  struct Stream { void seed(); };

 public:
  // Seeds it.
  explicit Gen(int seed = 0) : s_{seed}, t_(1) { s_.seed(); }
  Gen(const Gen&) = delete;
  // Not by position: use entries()[i].
  double operator[](std::size_t) = delete;
  Gen& operator=(const Gen& other);
  ~Gen();
  // One draw.
  double uniform();
  double normal();  // mean 0, std 1
  int size() const { return 1; }
  std::string extra_repr() const override;
  int rank = 0;     // a field: the header's business
  // The most draws.
  static constexpr int kMax = 10, kMin = 1;
  // Options.
  struct State { int a = 0; };

 protected:
  // For subclasses.
  virtual double lr_at(int epoch) const = 0;

 private:
  // Hidden.
  void helper();
  Stream s_;
};
template <class T> struct dtype_of;
// Never listed: a specialisation.
template <> struct dtype_of<float> { static constexpr int value = 1; };
// A bare function outside the class.
inline int twice(int x) { return 2 * x; }
}  // namespace focus
)");
  CHECK(summary(h) == std::vector<std::string>{"Gen: A generator.", "Gen::Gen: Seeds it.",
                                               "Gen::operator[]: Not by position: use entries()[i].", "Gen::uniform: One draw.",
                                               "Gen::normal: mean 0, std 1", "Gen::kMax, Gen::kMin: The most draws.",
                                               "Gen::State: Options.", "Gen::lr_at: For subclasses.",
                                               "twice: A bare function outside the class."});
  CHECK(h.also == std::vector<std::string>{"Gen::size"});
}

TEST_CASE("api_doc: dividers, trailing comments, operators, nested namespaces and using-declarations") {
  const HeaderDoc h = api_doc::read_header("x/c.h", R"(// c.
#pragma once
namespace focus::kernel {

using focus::StateDict;  // the one type
// A plain C++ number.
using Scalar = double;

// ---- layout --------------------------------------------------------------------------------
Tensor contiguous(const Tensor& t);  // t itself if already contiguous
// Shapes, as the kernels see it.
Tensor broadcast_to(const Tensor& t, const Shape& shape);  // a stride-0 view
std::ostream& operator<<(std::ostream& os, const Tensor& t);
// Row loops.
namespace rows {
float max(const float* row, std::int64_t n);  // NaN if any is NaN
}  // namespace rows
namespace detail {
// Never listed.
void hidden();
}  // namespace detail
// Dispatch as
//   dispatch(dt, [&]<class T>() { ... });
template <class F>
decltype(auto) dispatch(DType dt, F&& f) {
  switch (dt) { case DType::Float32: return f.template operator()<float>(); }
}
// Kinds.
enum class Kind : int { A, B };
inline constexpr std::size_t kCount = 20'910, kOther = 22;
}  // namespace focus::kernel
)");
  CHECK(summary(h) == std::vector<std::string>{"StateDict: the one type", "Scalar: A plain C++ number.",
                                               "contiguous: t itself if already contiguous",
                                               "broadcast_to: Shapes, as the kernels see it; a stride-0 view",
                                               "rows: Row loops.", "rows::max: NaN if any is NaN",
                                               "dispatch: Dispatch as /   dispatch(dt, [&]<class T>() { ... });",
                                               "Kind: Kinds."});
  CHECK(h.also == std::vector<std::string>{"operator<<", "kCount", "kOther"});
}

TEST_CASE("api_doc: comments become Markdown that renders as written") {
  // Prose joined, with what Markdown would swallow escaped; code spans kept as they are.
  CHECK(api_doc::comment_markdown({"Ids: <pad> fills, *bad_at is set, \"_into\" and a_b", "stay; `x_*` too."}, 2, true) ==
        "Ids: \\<pad> fills, \\*bad_at is set, \"\\_into\" and a_b stay; `x_*` too.");
  CHECK(api_doc::comment_markdown({"a * b and a backslash \"\\\\\"."}, 0, false) == "a * b and a backslash \"\\\\\\\\\".");
  // Indented lines are code; a following paragraph and a list continue the item, indented.
  CHECK(api_doc::comment_markdown({"Reads as:", "  begin();", "  next();", "Then:", "- one", "  more", "- two"}, 2, true) ==
        "Reads as:\n\n  ```text\n  begin();\n  next();\n  ```\n\n  Then:\n\n  - one more\n  - two");
  // A table whose rows are not indented but whose continuations line up with their text.
  CHECK(api_doc::comment_markdown({"exact  one line.", "token  two", "       lines."}, 0, false) ==
        "```text\nexact  one line.\ntoken  two\n       lines.\n```");
  // A hanging indent under a sentence that goes on is the same paragraph.
  CHECK(api_doc::comment_markdown({"Sin: the table of \"Attention\"", "  (PE[pos] = sin(pos)); a buffer."}, 0, false) ==
        "Sin: the table of \"Attention\" (PE[pos] = sin(pos)); a buffer.");
  // At the start of a line, a leading "- " or "1. " would make a list.
  CHECK(api_doc::comment_markdown({"First.", "", "1. is not a list here"}, 2, true) == "First.\n\n  1\\. is not a list here");
}

TEST_CASE("api_doc: the page has one section per header and first_difference names the section and line") {
  const HeaderDoc a = api_doc::read_header("x/a.h", "// What a holds.\n#pragma once\nnamespace focus {\n// Adds.\nint add(int, int);\nvoid sub();\n}\n");
  const HeaderDoc b = api_doc::read_header("x/b.h", "// What b holds.\n#pragma once\n");
  const std::string page = api_doc::render_page("# API\n\nIntro.\n", {{"x", {a, b}}, {"empty", {}}});
  CHECK(page ==
        "# API\n\nIntro.\n\n## `x/`\n\n### `<focus/x/a.h>`\n\nWhat a holds.\n\nIn `focus`:\n\n- `add`: Adds.\n- also: `sub`\n"
        "\n### `<focus/x/b.h>`\n\nWhat b holds.\n");
  CHECK_FALSE(api_doc::first_difference(page, page).has_value());

  std::string edited = page;
  edited.replace(edited.find("Adds."), 5, "Adds two.");
  const auto d = api_doc::first_difference(edited, page);
  REQUIRE(d.has_value());
  CHECK(d->section == "### `<focus/x/a.h>`");
  CHECK(d->line == 13);
  CHECK(d->actual_line == "- `add`: Adds two.");
  CHECK(d->expected_line == "- `add`: Adds.");

  const std::string without_b = page.substr(0, page.find("\n### `<focus/x/b.h>`")) + "\n";
  const auto missing = api_doc::first_difference(without_b, page);
  REQUIRE(missing.has_value());
  CHECK(missing->missing_sections == std::vector<std::string>{"### `<focus/x/b.h>`"});
  CHECK(missing->stale_sections.empty());
}

TEST_CASE("api_doc: a header it cannot follow throws ParseError naming the file and line") {
  CHECK_THROWS_WITH_AS(api_doc::read_header("x/bad.h", "// bad\nnamespace focus {\nclass A {\n  void f();\n"),
                       "x/bad.h:3: a '{' is never closed", api_doc::ParseError);
  CHECK_THROWS_WITH_AS(api_doc::read_header("x/bad.h", "// bad\nint x;\n}\n"), "x/bad.h:3: a '}' closes nothing",
                       api_doc::ParseError);
  CHECK_THROWS_WITH_AS(api_doc::read_header("x/bad.h", "// bad\n/* open\nint x;\n"),
                       "x/bad.h:2: a /* comment is never closed", api_doc::ParseError);
}
