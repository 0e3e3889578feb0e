// api_doc: docs/api.md made from the headers' own comments. read_header() finds a header's
// opening comment and its documented declarations; render_page() writes the page; first_difference()
// says where a page on disk departs from what the headers give. Plain C++20, no focus code, so the
// generator builds in seconds and reads headers that do not compile yet.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace api_doc {

// A header the generator cannot follow (unbalanced braces, an unterminated comment or literal):
// "<file>:<line>: <rule>".
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One line of the page's list: the names one comment covers (a declaration and the overloads
// directly below it) and the comment's lines, "//" and one space removed.
struct Entry {
  std::vector<std::string> names;
  std::vector<std::string> comment;
};

// What the page says about one header. Which declarations count (docs/tools/api_intro.md tells
// readers the same):
// - at namespace scope: functions, classes, structs, unions, enums, type aliases, using-declarations
//   and variables; a nested namespace qualifies its names ("rows::max");
// - inside a class: public and protected member functions, nested types and static data, as
//   "Class::name"; never data members or private members;
// - never: forward declarations, specialisations, out-of-class definitions, anything inside an
//   anonymous namespace or one named detail, and deleted functions without a comment.
// A declaration's comment is the block of whole-line "//" comments directly above it (after any
// "// ---- section ----" divider) and the "//" comment at the end of the line where it ends; the
// overloads directly below it, with no comment of their own, share it. Commented declarations
// become entries; the others are named once each in `also`, except constructors, destructors,
// assignments, overrides and deleted functions, which add nothing a reader would look up.
struct HeaderDoc {
  std::string include_path;           // "tensor/tensor.h"
  std::vector<std::string> opening;   // the comment lines before the first line of code
  std::vector<std::string> namespaces;  // opened at file level: "focus::kernel"
  std::vector<Entry> entries;
  std::vector<std::string> also;
};

// include_path ("tensor/tensor.h") names the header in ParseError messages and in the page.
HeaderDoc read_header(const std::string& include_path, std::string_view text);

// Comment lines as Markdown: prose joined into one line per paragraph and escaped so that it
// renders as written ("<pad>", "*bad_at", "_into"); "- " lines as list items; indented lines
// (code, formulas, aligned tables) as ```text blocks. Every line but the first is prefixed with
// `indent` spaces, so the result can continue a list item; continues_line says that the first
// line follows other text ("- `name`: "), so it needs no pad and no escape of a leading "#", ">".
std::string comment_markdown(const std::vector<std::string>& comment, int indent, bool continues_line);

struct Folder {
  std::string name;                // "tensor"
  std::vector<HeaderDoc> headers;  // in file-name order
};

// The whole page: intro (as written), then per folder "## `dir/`" and per header
// "### `<focus/dir/file.h>`", its opening comment, "In `namespace`:", its entries and `also`.
std::string render_page(std::string_view intro, const std::vector<Folder>& folders);

// Where `actual` (the page on disk) first departs from `expected` (the page the headers give).
struct Difference {
  std::string section;        // the "## " or "### " heading above the differing line, or "the intro"
  int line = 0;               // 1-based line in actual
  std::string actual_line;    // "" past the end
  std::string expected_line;  // "" past the end
  std::vector<std::string> missing_sections;  // headings the headers give that the page lacks
  std::vector<std::string> stale_sections;    // headings on the page that no header gives
};
std::optional<Difference> first_difference(std::string_view actual, std::string_view expected);

}  // namespace api_doc
