// Reading translation pairs from text: SCAN's "IN: ... OUT: ..." lines or TSV, and which of the
// two a text is (see tasks.h). The text may come from anywhere, so every line is checked before
// it is trusted.
#include <focus/data/tasks.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <focus/tensor/error.h>
#include <focus/text/utf8.h>

namespace focus::data {

namespace {

constexpr std::string_view kScanIn = "IN: ", kScanOut = " OUT: ";

struct Line {
  std::size_t number;
  std::string_view text;
};

// A line as error messages show it: quoted, tabs as \t, other control bytes as \xNN, at most
// 60 bytes.
std::string shown(std::string_view line) {
  constexpr std::size_t kShown = 60;
  std::string out = "'";
  for (std::size_t i = 0; i < line.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x" + text::hex_byte(c).substr(2);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (line.size() > kShown ? "'..." : "'");
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_scan_line(std::string_view line) {
  return line.starts_with(kScanIn) && line.find(kScanOut, kScanIn.size() - 1) != std::string_view::npos;
}

// The text's lines, numbered from 1, without their LF or CRLF ends; blank ones included. A byte
// order mark, as some editors write, is not part of the first line.
std::vector<Line> cut_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<Line> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({lines.size() + 1, line});
  }
  return lines;
}

bool is_blank(const Line& l) { return trim_spaces(l.text).empty(); }

// SCAN if every line that is not blank looks like SCAN (and there is one), else TSV.
ExampleFormat format_of(const std::vector<Line>& lines) {
  bool any = false;
  for (const Line& l : lines) {
    if (is_blank(l)) continue;
    if (!is_scan_line(l.text)) return ExampleFormat::kTsv;
    any = true;
  }
  return any ? ExampleFormat::kScan : ExampleFormat::kTsv;
}

}  // namespace

ExampleFormat detect_format(std::string_view text) { return format_of(cut_lines(text)); }

std::vector<Example> parse_examples(std::string_view text, const std::string& source) {
  return parse_examples_with_format(text, source).examples;
}

ExampleFile parse_examples_with_format(std::string_view text, const std::string& source) {
  const auto fail = [&](std::size_t line, const std::string& rule) -> void {
    throw FormatError("read_examples: " + source + ":" + std::to_string(line) + ": " + rule);
  };
  // Pass 1: check each line's size and encoding, drop blank lines.
  const std::vector<Line> all = cut_lines(text);
  std::vector<Line> lines;
  for (const Line& l : all) {
    if (l.text.size() > kMaxLineBytes) {
      fail(l.number,
           "lines must be at most " + std::to_string(kMaxLineBytes) + " bytes; got " + std::to_string(l.text.size()));
    }
    if (const std::size_t bad = text::find_invalid_utf8(l.text); bad != std::string_view::npos) {
      fail(l.number, "text must be valid UTF-8; got byte " + text::hex_byte(static_cast<unsigned char>(l.text[bad])) +
                         " at column " + std::to_string(bad + 1));
    }
    if (!is_blank(l)) lines.push_back(l);
  }
  if (lines.empty()) {
    throw FormatError("read_examples: " + source + ": no examples; got " +
                      (all.empty() ? std::string("an empty file") : "only blank lines"));
  }

  // Pass 2: read each line in the text's format.
  ExampleFile file{.examples = {}, .format = format_of(lines)};
  const bool scan = file.format == ExampleFormat::kScan;
  std::vector<Example>& examples = file.examples;
  examples.reserve(lines.size());
  for (const Line& l : lines) {
    std::string_view first, second;
    if (scan) {
      // " OUT: " may start on the space of "IN: " ("IN: OUT: I_WALK"): then there is no command.
      const std::size_t out = l.text.find(kScanOut, kScanIn.size() - 1);
      if (out >= kScanIn.size()) first = trim_spaces(l.text.substr(kScanIn.size(), out - kScanIn.size()));
      second = trim_spaces(l.text.substr(out + kScanOut.size()));
      if (first.empty()) fail(l.number, "the command after 'IN: ' must not be empty; got " + shown(l.text));
      if (second.empty()) fail(l.number, "the actions after ' OUT: ' must not be empty; got " + shown(l.text));
    } else {
      const auto fields = 1 + std::count(l.text.begin(), l.text.end(), '\t');
      if (fields != 2) fail(l.number, "expected 'source<TAB>target'; got " + std::to_string(fields) + " fields");
      const std::size_t tab = l.text.find('\t');
      first = l.text.substr(0, tab);
      second = l.text.substr(tab + 1);
      if (trim_spaces(first).empty()) fail(l.number, "the source must not be empty; got " + shown(l.text));
      if (trim_spaces(second).empty()) fail(l.number, "the target must not be empty; got " + shown(l.text));
    }
    examples.push_back({std::string(first), std::string(second)});
  }
  return file;
}

std::vector<Example> read_examples(const std::string& path) { return read_examples_with_format(path).examples; }

ExampleFile read_examples_with_format(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FormatError("read_examples: " + path + ": cannot open file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError("read_examples: " + path + ": cannot open file: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw FormatError("read_examples: " + path + ": cannot read file: " + std::strerror(errno));
  return parse_examples_with_format(buffer.str(), path);
}

}  // namespace focus::data
