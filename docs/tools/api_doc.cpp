// api_doc's reading and writing: a lexer for headers that keeps every "//" comment by line, a
// parser that walks namespace and class scopes one statement at a time just far enough to name
// each declaration, and the Markdown writer. It is not a C++ parser: it needs balanced brackets and
// knows declarations by their shape, which is all focus's headers need (api_doc.h has the rules).
#include "api_doc.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <set>

namespace api_doc {
namespace {

// ---- lexing ---------------------------------------------------------------------------------------

struct Token {
  enum Kind { Ident, Number, Literal, Punct } kind;
  std::string text;
  int line;
};

// A "//" comment: alone on its line (whole_line) or after code.
struct LineComment {
  bool whole_line = false;
  int column = 0;
  std::string text;  // after "//" and one space
};

struct Lexed {
  std::vector<Token> tokens;
  std::map<int, LineComment> comments;  // by line, 1-based
};

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

Lexed lex(const std::string& file, std::string_view s) {
  Lexed out;
  int line = 1;
  std::size_t i = 0, line_begin = 0;
  bool code_on_line = false;
  auto fail = [&](const std::string& rule, int at) {
    throw ParseError(file + ":" + std::to_string(at) + ": " + rule);
  };
  auto newline = [&](std::size_t at) {
    ++line;
    line_begin = at + 1;
    code_on_line = false;
  };
  // A quoted literal from s[i] (the opening quote) through its closing quote.
  auto quoted = [&](char quote) {
    const int start = line;
    for (++i; i < s.size() && s[i] != quote; ++i) {
      if (s[i] == '\\') ++i;
      if (i < s.size() && s[i] == '\n') fail("a literal runs past the end of its line", start);
    }
    if (i >= s.size()) fail("a literal is never closed", start);
    ++i;
  };
  while (i < s.size()) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (c == '\n') {
      newline(i++);
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '#' && !code_on_line) {  // a directive, with its continuation lines
      for (; i < s.size() && s[i] != '\n'; ++i)
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\n') newline(++i);
      continue;
    }
    if (c == '/' && next == '/') {
      LineComment lc{!code_on_line, static_cast<int>(i - line_begin), ""};
      std::size_t end = s.find('\n', i);
      if (end == std::string_view::npos) end = s.size();
      std::string text(s.substr(i + 2, end - i - 2));
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (!text.empty() && text[0] == ' ') text.erase(0, 1);
      lc.text = text;
      out.comments[line] = lc;
      i = end;
      continue;
    }
    if (c == '/' && next == '*') {
      const int start = line;
      const std::size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) fail("a /* comment is never closed", start);
      for (std::size_t k = i; k < end; ++k)
        if (s[k] == '\n') newline(k);
      i = end + 2;
      continue;
    }
    const int tok_line = line;
    code_on_line = true;
    if (ident_char(c) && !std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t begin = i;
      while (i < s.size() && ident_char(s[i])) ++i;
      const std::string word(s.substr(begin, i - begin));
      if (i < s.size() && s[i] == '"' && (word == "R" || word == "LR" || word == "uR" || word == "UR" || word == "u8R")) {
        const std::size_t open = s.find('(', i);
        if (open == std::string_view::npos) fail("a raw string literal has no '('", tok_line);
        const std::string close = ")" + std::string(s.substr(i + 1, open - i - 1)) + "\"";
        const std::size_t end = s.find(close, open);
        if (end == std::string_view::npos) fail("a raw string literal is never closed", tok_line);
        for (std::size_t k = i; k < end; ++k)
          if (s[k] == '\n') newline(k);
        i = end + close.size();
        out.tokens.push_back({Token::Literal, "\"...\"", tok_line});
      } else if (i < s.size() && (s[i] == '"' || s[i] == '\'') &&
                 (word == "L" || word == "u" || word == "U" || word == "u8")) {
        quoted(s[i]);
        out.tokens.push_back({Token::Literal, "\"...\"", tok_line});
      } else {
        out.tokens.push_back({Token::Ident, word, tok_line});
      }
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(next)))) {
      const std::size_t begin = i;
      for (++i; i < s.size(); ++i) {
        const char d = s[i];
        const char before = s[i - 1];
        if (ident_char(d) || d == '.') continue;
        if (d == '\'' && i + 1 < s.size() && ident_char(s[i + 1])) continue;  // 1'000
        if ((d == '+' || d == '-') && (before == 'e' || before == 'E' || before == 'p' || before == 'P')) continue;
        break;
      }
      out.tokens.push_back({Token::Number, std::string(s.substr(begin, i - begin)), tok_line});
      continue;
    }
    if (c == '"' || c == '\'') {
      quoted(c);
      out.tokens.push_back({Token::Literal, "\"...\"", tok_line});
      continue;
    }
    std::string p(1, c);
    if ((c == ':' && next == ':') || (c == '-' && next == '>')) p += next;
    if (c == '.' && next == '.' && i + 2 < s.size() && s[i + 2] == '.') p = "...";
    i += p.size();
    out.tokens.push_back({Token::Punct, p, tok_line});
  }
  return out;
}

// ---- parsing --------------------------------------------------------------------------------------

// One declaration the page may list.
struct Decl {
  std::vector<std::string> names;  // qualified as the page shows them
  bool member = false;             // inside a class (its names carry the class's)
  bool in_also = true;             // may appear in `also` when uncommented
  int first_line = 0;              // its first token, template head and attributes included
  int end_line = 0;                // where its head ends: the ';' or the '{' of its body
  int last_line = 0;               // its last token
};

enum class Access { Public, Protected, Private };

struct Scope {
  bool is_class = false;
  bool documented = true;   // false inside anonymous and detail namespaces, private classes
  bool file_level = true;   // the file itself, or a namespace opened directly in it
  std::string ns_prefix;    // "rows::" inside a nested namespace
  std::string class_prefix; // "Generator::" inside class Generator
  std::string class_name;   // "Generator"
  Access access = Access::Public;
};

const std::set<std::string> kNotNames = {"decltype", "alignas", "noexcept", "__attribute__", "sizeof", "alignof",
                                         "requires", "throw", "static_assert", "__declspec", "explicit"};
const std::set<std::string> kSpecifiers = {"friend", "static", "inline", "constexpr", "consteval", "constinit",
                                           "virtual", "explicit", "extern", "mutable", "thread_local", "typename"};

class Parser {
 public:
  Parser(const std::string& file, const std::vector<Token>& tokens) : file_(file), t_(tokens) {}

  std::vector<std::string> namespaces;  // the namespaces opened at file level, in order

  std::vector<Decl> run() {
    Scope file_scope;
    parse_scope(file_scope);
    if (i_ < t_.size()) fail("a '}' closes nothing", t_[i_].line);
    return decls_;
  }

 private:
  [[noreturn]] void fail(const std::string& rule, int line) const {
    throw ParseError(file_ + ":" + std::to_string(line) + ": " + rule);
  }
  bool is(std::size_t k, std::string_view text) const { return k < t_.size() && t_[k].text == text && t_[k].kind != Token::Literal; }
  bool ident(std::size_t k) const { return k < t_.size() && t_[k].kind == Token::Ident; }

  // From an opening bracket at k to just past its partner.
  std::size_t skip_group(std::size_t k, std::string_view open, std::string_view close) const {
    const int line = t_[k].line;
    int depth = 0;
    for (; k < t_.size(); ++k) {
      if (is(k, open)) ++depth;
      if (is(k, close) && --depth == 0) return k + 1;
    }
    fail("a '" + std::string(open) + "' is never closed", line);
  }

  void parse_scope(const Scope& scope) {
    Scope s = scope;
    while (i_ < t_.size() && !is(i_, "}")) {
      if (is(i_, ";")) {
        ++i_;
      } else if (s.is_class && (is(i_, "public") || is(i_, "protected") || is(i_, "private")) && is(i_ + 1, ":")) {
        s.access = is(i_, "public") ? Access::Public : is(i_, "protected") ? Access::Protected : Access::Private;
        i_ += 2;
      } else {
        parse_statement(s);
      }
    }
  }

  // Past template heads, attributes and alignas at the front of a statement's head. Sets
  // specialisation when a head is "template <>".
  std::size_t skip_prefix(const std::vector<std::size_t>& head, std::size_t k, bool* specialisation) const {
    while (k < head.size()) {
      const std::size_t at = head[k];
      if (is(at, "template") && is(head.size() > k + 1 ? head[k + 1] : t_.size(), "<")) {
        if (is(head.size() > k + 2 ? head[k + 2] : t_.size(), ">") && specialisation) *specialisation = true;
        k = skip_angles(head, k + 1);
      } else if (is(at, "[") && k + 1 < head.size() && is(head[k + 1], "[")) {
        while (k < head.size() && !(is(head[k], "]") && k + 1 < head.size() && is(head[k + 1], "]"))) ++k;
        k += 2;
      } else if ((is(at, "alignas") || is(at, "__attribute__")) && k + 1 < head.size() && is(head[k + 1], "(")) {
        k = skip_parens(head, k + 1);
      } else {
        break;
      }
    }
    return k;
  }
  // Positions in head: from the '<' at k past its '>' (parentheses protect a '>' inside).
  std::size_t skip_angles(const std::vector<std::size_t>& head, std::size_t k) const {
    int angle = 0, paren = 0;
    for (; k < head.size(); ++k) {
      const std::size_t at = head[k];
      if (is(at, "(")) ++paren;
      if (is(at, ")")) --paren;
      if (paren == 0 && is(at, "<")) ++angle;
      if (paren == 0 && is(at, ">") && --angle == 0) return k + 1;
    }
    return k;
  }
  std::size_t skip_parens(const std::vector<std::size_t>& head, std::size_t k) const {
    int depth = 0;
    for (; k < head.size(); ++k) {
      if (is(head[k], "(")) ++depth;
      if (is(head[k], ")") && --depth == 0) return k + 1;
    }
    return k;
  }

  // The function a head declares, if it declares one: its name, and whether it was written
  // qualified (Class::f, an out-of-class definition).
  struct Function {
    std::string name;
    bool qualified = false;
    std::size_t params_end = 0;  // position in head just past the parameter list
  };
  std::optional<Function> find_function(const std::vector<std::size_t>& head, std::size_t k) const {
    int angle = 0;
    for (; k < head.size(); ++k) {
      const std::size_t at = head[k];
      const bool after_scope = k > 0 && is(head[k - 1], "::");
      if (is(at, "operator")) {
        std::string name = "operator";
        std::size_t m = k + 1;
        if (m + 1 < head.size() && is(head[m], "(") && is(head[m + 1], ")")) {
          name += "()";
          m += 2;
        } else {  // "<<", "==", "[]", or a conversion's type ("operator bool")
          std::string rest;
          for (; m < head.size() && !is(head[m], "("); ++m) {
            if (!rest.empty() && ident(head[m]) && ident_char(rest.back())) rest += ' ';
            rest += t_[head[m]].text;
          }
          name += (!rest.empty() && ident_char(rest[0]) ? " " : "") + rest;
        }
        if (m >= head.size()) return std::nullopt;
        return Function{name, after_scope, skip_parens(head, m)};
      }
      if (is(at, "=") && angle == 0) return std::nullopt;
      if (is(at, "<") && k > 0 && ident(head[k - 1])) ++angle;
      if (is(at, ">") && angle > 0) --angle;
      if (is(at, "(")) {
        if (angle == 0 && k > 0 && ident(head[k - 1]) && !kNotNames.count(t_[head[k - 1]].text)) {
          std::string name = t_[head[k - 1]].text;
          const bool tilde = k > 1 && is(head[k - 2], "~");
          if (tilde) name = "~" + name;
          const std::size_t before = tilde ? k - 2 : k - 1;
          return Function{name, before > 0 && is(head[before - 1], "::"), skip_parens(head, k)};
        }
        k = skip_parens(head, k) - 1;  // decltype(...), a function type inside <...>
      }
    }
    return std::nullopt;
  }

  void record(Decl d) { decls_.push_back(std::move(d)); }

  // One statement of a namespace or class body, through its ';' or the '}' of its body.
  void parse_statement(const Scope& scope) {
    std::vector<std::size_t> head;  // the statement's tokens outside any {} it holds
    int depth = 0;                  // ( and [
    int end_line = -1;
    bool braces = false;
    while (i_ < t_.size()) {
      if (depth == 0 && is(i_, ";")) {
        if (end_line < 0) end_line = t_[i_].line;
        ++i_;
        break;
      }
      if (depth == 0 && is(i_, "}")) break;  // the scope ends without a ';'
      if (is(i_, "(") || is(i_, "[")) ++depth;
      if ((is(i_, ")") || is(i_, "]")) && depth > 0) --depth;
      if (depth == 0 && is(i_, "{")) {
        if (end_line < 0) end_line = t_[i_].line;
        if (open_scope(scope, head)) return;
        if (function_body(head)) {
          i_ = skip_group(i_, "{", "}");
          if (is(i_, ";")) ++i_;
          analyse(scope, head, end_line, t_[i_ - 1].line, true);
          return;
        }
        i_ = skip_group(i_, "{", "}");  // an initializer, an enum's body, a member initializer
        braces = true;
        continue;
      }
      head.push_back(i_++);
    }
    if (!head.empty()) analyse(scope, head, end_line < 0 ? t_[head.back()].line : end_line, t_[i_ - 1].line, braces);
  }

  // At the '{' after head: a namespace or a class body? Parses it and returns true if so.
  bool open_scope(const Scope& scope, const std::vector<std::size_t>& head) {
    bool specialisation = false;
    std::size_t k = skip_prefix(head, 0, &specialisation);
    if (k < head.size() && is(head[k], "inline")) ++k;
    if (k < head.size() && is(head[k], "namespace")) {
      std::string name;
      for (++k; k < head.size(); ++k) name += t_[head[k]].text;
      Scope inner = scope;
      inner.file_level = false;
      if (name.empty() || name == "detail" || name.ends_with("::detail") || name == "internal") inner.documented = false;
      if (scope.file_level && inner.documented && std::find(namespaces.begin(), namespaces.end(), name) == namespaces.end())
        namespaces.push_back(name);
      if (!scope.file_level && scope.documented && inner.documented) {
        inner.ns_prefix += name + "::";
        record({{scope.ns_prefix + name}, false, false, t_[head.front()].line, t_[i_].line, t_[i_].line});
      }
      body(inner);
      return true;
    }
    if (k + 1 < head.size() && is(head[k], "extern") && t_[head[k + 1]].kind == Token::Literal) {
      body(scope);  // extern "C" { ... }
      return true;
    }
    if (k < head.size() && (is(head[k], "class") || is(head[k], "struct") || is(head[k], "union"))) {
      const bool is_class_key = is(head[k], "class");
      std::size_t n = skip_prefix(head, k + 1, nullptr);
      Scope inner = scope;
      inner.is_class = true;
      inner.access = is_class_key ? Access::Private : Access::Public;
      const bool visible = scope.documented && (!scope.is_class || scope.access != Access::Private);
      inner.documented = visible && !specialisation;
      if (n < head.size() && ident(head[n]) && !(n + 1 < head.size() && is(head[n + 1], "<"))) {
        const std::string name = t_[head[n]].text;
        inner.class_prefix += name + "::";
        inner.class_name = name;
        if (inner.documented)
          record({{scope.ns_prefix + scope.class_prefix + name}, scope.is_class, true,
                  t_[head.front()].line, t_[i_].line, t_[i_].line});
      } else {
        inner.documented = false;  // anonymous, or a partial specialisation
      }
      body(inner);
      while (i_ < t_.size() && !is(i_, ";") && !is(i_, "}")) ++i_;  // declarators after the body
      if (is(i_, ";")) ++i_;
      return true;
    }
    return false;
  }
  void body(const Scope& inner) {
    const int line = t_[i_].line;
    ++i_;  // the '{'
    parse_scope(inner);
    if (!is(i_, "}")) fail("a '{' is never closed", line);
    ++i_;
  }

  // At the '{' after head: is it a function's body (rather than an initializer)?
  bool function_body(const std::vector<std::size_t>& head) const {
    bool specialisation = false;
    const std::size_t k = skip_prefix(head, 0, &specialisation);
    if (k < head.size() && is(head[k], "enum")) return false;
    const auto f = find_function(head, k);
    if (!f) return false;
    for (std::size_t m = f->params_end; m < head.size(); ++m)
      if (is(head[m], ":")) {  // a constructor's initializer list: b_{x} is a member, not the body
        const std::size_t prev = i_ - 1;
        return !(ident(prev) || is(prev, ">"));
      }
    return true;
  }

  // Records what a finished statement declares, if the page lists it.
  void analyse(const Scope& scope, const std::vector<std::size_t>& head, int end_line, int last_line, bool braces) {
    if (!scope.documented) return;
    if (scope.is_class && scope.access == Access::Private) return;
    bool specialisation = false;
    std::size_t k = skip_prefix(head, 0, &specialisation);
    if (specialisation) return;
    bool is_friend = false, is_static = false;
    for (; k < head.size() && kSpecifiers.count(t_[head[k]].text) && t_[head[k]].kind == Token::Ident; ++k) {
      if (is(head[k], "friend")) is_friend = true;
      if (is(head[k], "static")) is_static = true;
    }
    if (k >= head.size()) return;
    Decl d;
    d.first_line = t_[head.front()].line;
    d.end_line = end_line;
    d.last_line = last_line;
    d.member = scope.is_class && !is_friend;
    const std::string prefix = scope.ns_prefix + (d.member ? scope.class_prefix : "");
    const std::string& first = t_[head[k]].text;
    if (first == "static_assert" || first == "namespace" || first == "template") return;  // template: an instantiation
    if (first == "class" || first == "struct" || first == "union") return;  // a forward declaration
    if (first == "using") {
      if (is(head[k + 1 < head.size() ? k + 1 : k], "namespace")) return;
      const auto eq = std::find_if(head.begin() + k, head.end(), [&](std::size_t at) { return is(at, "="); });
      if (eq != head.end()) {
        if (k + 1 < head.size() && ident(head[k + 1])) d.names = {prefix + t_[head[k + 1]].text};
      } else if (!scope.is_class) {  // using focus::StateDict;
        for (std::size_t m = k; m < head.size(); ++m)
          if (ident(head[m])) d.names = {prefix + t_[head[m]].text};
      }
    } else if (first == "typedef") {
      for (std::size_t m = k; m < head.size(); ++m)
        if (ident(head[m])) d.names = {prefix + t_[head[m]].text};
    } else if (first == "enum") {
      if (!braces) return;  // an opaque declaration
      std::size_t m = k + 1;
      if (m < head.size() && (is(head[m], "class") || is(head[m], "struct"))) ++m;
      m = skip_prefix(head, m, nullptr);
      if (m < head.size() && ident(head[m])) d.names = {prefix + t_[head[m]].text};
    } else if (const auto f = find_function(head, k)) {
      if (f->qualified) return;  // an out-of-class definition of something declared above
      d.names = {prefix + f->name};
      // Uncommented, these say nothing a reader would look up: the class itself is listed, an
      // override is documented where it is declared first, and a deleted function is not there.
      const bool special = f->name == scope.class_name || f->name.starts_with("~") || f->name == "operator=";
      bool overrides = false, deleted = false;
      for (std::size_t m = f->params_end; m < head.size(); ++m) {
        overrides = overrides || is(head[m], "override");
        deleted = deleted || (is(head[m], "=") && m + 1 < head.size() && is(head[m + 1], "delete"));
      }
      d.in_also = !deleted && !(d.member && (special || overrides));
    } else {
      if (scope.is_class && !is_static) return;  // data members are the header's business
      // One name per declarator: int a = 1, b = 2;
      int depth = 0;
      std::string last;
      bool named = false;
      for (std::size_t m = k; m <= head.size(); ++m) {
        const bool end = m == head.size();
        if (!end && (is(head[m], "(") || is(head[m], "<"))) ++depth;
        if (!end && (is(head[m], ")") || is(head[m], ">"))) --depth;
        if (!end && depth == 0 && !named && (is(head[m], "=") || is(head[m], "["))) {
          if (!last.empty()) d.names.push_back(prefix + last);
          named = true;
        }
        if (end || (depth == 0 && is(head[m], ","))) {
          if (!named && !last.empty()) d.names.push_back(prefix + last);
          named = false;
          last.clear();
          continue;
        }
        if (!named && depth == 0 && ident(head[m])) last = t_[head[m]].text;
      }
    }
    if (!d.names.empty()) record(std::move(d));
  }

  std::string file_;
  const std::vector<Token>& t_;
  std::size_t i_ = 0;
  std::vector<Decl> decls_;
};

// ---- comments -------------------------------------------------------------------------------------

bool is_divider(const std::string& text) {
  const auto b = text.find_first_not_of(' ');
  return b != std::string::npos && (text.compare(b, 3, "---") == 0 || text.ends_with("---"));
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

int indent_of(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  return b == std::string::npos ? 0 : static_cast<int>(b);
}

// The column where text resumes after the first run of two or more spaces inside a line, or -1:
// "token_acc    sum over ..." gives 13, the column its continuation lines are indented to.
int gap_column(const std::string& s) {
  const std::size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return -1;
  const std::size_t gap = s.find("  ", b);
  if (gap == std::string::npos) return -1;
  const std::size_t resume = s.find_first_not_of(' ', gap);
  return resume == std::string::npos ? -1 : static_cast<int>(resume);
}

// Markdown would read some characters of plain prose as markup; a backslash keeps them literal.
// Code spans (`...`) are copied as they are.
std::string escape_prose(const std::string& s, bool at_line_start) {
  std::string out;
  auto punct = [](char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; };
  // CommonMark's flanking rules: only a delimiter that can open emphasis needs escaping; one that
  // can only close has nothing to close once every opener is escaped.
  auto can_open = [&](char c, char prev, char next) {
    const bool left = next != ' ' && (!punct(next) || prev == ' ' || punct(prev));
    const bool right = prev != ' ' && (!punct(prev) || next == ' ' || punct(next));
    return c == '_' ? left && (!right || punct(prev)) : left;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char prev = i > 0 ? s[i - 1] : ' ';
    const char next = i + 1 < s.size() ? s[i + 1] : ' ';
    if (c == '`') {
      std::size_t run = s.find_first_not_of('`', i);
      if (run == std::string::npos) run = s.size();
      const std::string ticks = s.substr(i, run - i);
      const std::size_t close = s.find(ticks, run);
      if (close != std::string::npos) {
        out += s.substr(i, close + ticks.size() - i);
        i = close + ticks.size() - 1;
        continue;
      }
      out += '\\';
    } else if (c == '\\' && punct(next)) {
      out += '\\';
    } else if (c == '<' && (std::isalpha(static_cast<unsigned char>(next)) || next == '/' || next == '!' || next == '?')) {
      out += '\\';
    } else if (c == '&' && (std::isalpha(static_cast<unsigned char>(next)) || next == '#')) {
      out += '\\';
    } else if ((c == '*' || c == '~' || c == '_') && can_open(c, prev, next)) {
      out += '\\';
    } else if (c == ']' && next == '(') {
      out += '\\';
    } else if (i == 0 && at_line_start && (c == '>' || ((c == '#' || c == '+' || c == '-') && (next == ' ' || next == c)))) {
      out += '\\';  // a quote, heading or list marker at the start of a line
    }
    out += c;
  }
  // "1. ..." or "3) ..." at the start would begin a numbered list.
  const std::size_t digits = out.find_first_not_of("0123456789");
  if (at_line_start && digits > 0 && digits + 1 < out.size() && (out[digits] == '.' || out[digits] == ')') && out[digits + 1] == ' ')
    out.insert(digits, "\\");
  return out;
}

struct Block {
  enum Kind { Prose, Item, Verbatim } kind;
  std::vector<std::string> lines;
};

// A comment's lines cut into prose paragraphs, list items and verbatim blocks:
// - "- " at indent 0 or 2 starts a list item; lines indented two more continue it;
// - other indented lines are verbatim (code, formulas, aligned tables), and so is a table row's
//   first line ("bleu         corpus BLEU-4 ...", whose continuation is indented to its gap);
// - except a hanging indent: lines indented by exactly 2 under a prose line that stops
//   mid-sentence, with no aligned columns, ending a sentence, continue the paragraph.
std::vector<Block> blocks_of(const std::vector<std::string>& lines) {
  const std::size_t n = lines.size();
  enum Kind { Blank, Prose, ItemStart, ItemMore, Verbatim };
  std::vector<Kind> kind(n, Prose);
  int item_indent = -1;  // the indent of the list item being continued, or -1
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& l = lines[i];
    const int ind = indent_of(l);
    if (trim(l).empty()) {
      kind[i] = Blank;
      item_indent = -1;
    } else if ((ind == 0 || ind == 2) && l.compare(ind, 2, "- ") == 0) {
      kind[i] = ItemStart;
      item_indent = ind;
    } else if (item_indent >= 0 && ind == item_indent + 2) {
      kind[i] = ItemMore;
    } else {
      item_indent = -1;
      kind[i] = ind >= 2 ? Verbatim : Prose;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {  // hanging indents back to prose
    if (kind[i] != Verbatim || i == 0 || kind[i - 1] != Prose) continue;
    const char before = trim(lines[i - 1]).back();
    if (before == '.' || before == ':' || before == ';') continue;  // a new sentence, set apart
    std::size_t end = i;
    bool plain = true;
    for (; end < n && kind[end] == Verbatim; ++end)
      plain = plain && indent_of(lines[end]) == 2 && trim(lines[end]).find("  ") == std::string::npos;
    const std::string last = trim(lines[end - 1]);
    if (plain && (last.ends_with('.') || last.ends_with(".)")))
      for (std::size_t k = i; k < end; ++k) kind[k] = Prose;
    i = end - 1;
  }
  for (bool changed = true; changed;) {  // table rows: their gap lines up with verbatim lines
    changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (kind[i] != Prose || indent_of(lines[i]) != 0) continue;
      const int gap = gap_column(lines[i]);
      if (gap < 2) continue;
      auto row = [&](std::size_t k) {
        return k < n && kind[k] == Verbatim && indent_of(lines[k]) == 0 && gap_column(lines[k]) == gap;
      };
      const bool below = i + 1 < n && kind[i + 1] == Verbatim && indent_of(lines[i + 1]) == gap;
      if (below || row(i - 1) || row(i + 1)) {
        kind[i] = Verbatim;
        changed = true;
      }
    }
  }
  std::vector<Block> out;
  bool fresh = true;  // after a blank line: a new block whatever comes
  for (std::size_t i = 0; i < n; ++i) {
    if (kind[i] == Blank) {
      fresh = true;
      continue;
    }
    const Block::Kind k = kind[i] == Verbatim ? Block::Verbatim
                          : kind[i] == Prose  ? Block::Prose
                                              : Block::Item;
    if (fresh || out.back().kind != k || kind[i] == ItemStart) out.push_back({k, {}});
    fresh = false;
    out.back().lines.push_back(lines[i]);
  }
  return out;
}

// One block as Markdown, every line prefixed with pad; at_line_start says whether its first
// character begins a line (it does not after "- `name`: ").
std::string render_block(const Block& b, const std::string& pad, bool at_line_start) {
  if (b.kind == Block::Verbatim) {
    int common = 1 << 30;
    for (const auto& l : b.lines) common = std::min(common, indent_of(l));
    std::string out = pad + "```text\n";
    for (const auto& l : b.lines) {
      std::string body = l.substr(std::min<std::size_t>(l.size(), common));
      while (!body.empty() && body.back() == ' ') body.pop_back();
      out += pad + body + "\n";
    }
    return out + pad + "```";
  }
  std::string joined;
  for (const auto& l : b.lines) {
    std::string t = trim(l);
    if (b.kind == Block::Item && &l == &b.lines.front()) t = trim(t.substr(2));
    joined += (joined.empty() ? "" : " ") + t;
  }
  if (b.kind == Block::Item) return pad + "- " + escape_prose(joined, false);
  return (at_line_start ? pad : "") + escape_prose(joined, at_line_start);
}

// The lines the page shows as one comment: the block above, then the comment after the code.
std::vector<std::string> join_comment(std::vector<std::string> above, const std::vector<std::string>& after) {
  if (after.empty()) return above;
  if (above.empty()) return after;
  std::string& last = above.back();
  while (!last.empty() && (last.back() == '.' || last.back() == ' ')) last.pop_back();
  last += "; " + after.front();
  above.insert(above.end(), after.begin() + 1, after.end());
  return above;
}

}  // namespace

std::string comment_markdown(const std::vector<std::string>& comment, int indent, bool continues_line) {
  const std::vector<Block> blocks = blocks_of(comment);
  const std::string pad(indent, ' ');
  std::string out;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    if (b > 0) out += blocks[b].kind == Block::Item && blocks[b - 1].kind == Block::Item ? "\n" : "\n\n";
    out += render_block(blocks[b], pad, b > 0 || !continues_line);
  }
  return out;
}

HeaderDoc read_header(const std::string& include_path, std::string_view text) {
  HeaderDoc doc;
  doc.include_path = include_path;
  const Lexed lx = lex(include_path, text);
  Parser parser(include_path, lx.tokens);
  const std::vector<Decl> decls = parser.run();
  doc.namespaces = parser.namespaces;

  // The opening comment: whole-line comments from line 1 to the first line that is not one.
  for (int line = 1;; ++line) {
    const auto c = lx.comments.find(line);
    if (c == lx.comments.end() || !c->second.whole_line) break;
    doc.opening.push_back(c->second.text);
  }
  while (!doc.opening.empty() && trim(doc.opening.back()).empty()) doc.opening.pop_back();

  // Whole-line comments that continue the comment after the code on a line above, in its column.
  std::set<int> continuations;
  for (const auto& [line, c] : lx.comments) {
    if (c.whole_line) continue;
    for (int next = line + 1;; ++next) {
      const auto n = lx.comments.find(next);
      if (n == lx.comments.end() || !n->second.whole_line || n->second.column != c.column) break;
      continuations.insert(next);
    }
  }
  auto above = [&](int first_line) {
    std::vector<std::string> lines;
    for (int line = first_line - 1; line > 0; --line) {
      const auto c = lx.comments.find(line);
      if (c == lx.comments.end() || !c->second.whole_line || continuations.count(line) || is_divider(c->second.text))
        break;
      lines.insert(lines.begin(), c->second.text);
    }
    while (!lines.empty() && trim(lines.front()).empty()) lines.erase(lines.begin());
    return lines;
  };
  auto after = [&](int end_line) {
    std::vector<std::string> lines;
    const auto c = lx.comments.find(end_line);
    if (c == lx.comments.end() || c->second.whole_line) return lines;
    lines.push_back(c->second.text);
    for (int next = end_line + 1; continuations.count(next); ++next) lines.push_back(lx.comments.at(next).text);
    return lines;
  };

  std::set<std::string> documented;
  std::vector<std::string> undocumented;
  const Decl* previous = nullptr;
  bool previous_documented = false;
  for (const Decl& d : decls) {
    const std::vector<std::string> comment = join_comment(above(d.first_line), after(d.end_line));
    // An overload directly below a documented one, with no comment of its own, shares its entry.
    const bool shares = comment.empty() && previous && previous_documented && previous->names == d.names &&
                        d.first_line <= previous->last_line + 1;
    if (!comment.empty()) {
      doc.entries.push_back({d.names, comment});
      documented.insert(d.names.begin(), d.names.end());
    } else if (!shares && d.in_also) {
      undocumented.insert(undocumented.end(), d.names.begin(), d.names.end());
    }
    previous_documented = !comment.empty() || shares;
    previous = &d;
  }
  std::set<std::string> seen;
  for (const auto& name : undocumented)
    if (!documented.count(name) && seen.insert(name).second) doc.also.push_back(name);
  return doc;
}

std::string render_page(std::string_view intro, const std::vector<Folder>& folders) {
  std::string out(intro);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  out += "\n";
  for (const Folder& folder : folders) {
    if (folder.headers.empty()) continue;
    out += "\n## `" + folder.name + "/`\n";
    for (const HeaderDoc& h : folder.headers) {
      out += "\n### `<focus/" + h.include_path + ">`\n";
      if (!h.opening.empty()) out += "\n" + comment_markdown(h.opening, 0, false) + "\n";
      if (!h.entries.empty() || !h.also.empty()) {
        std::string names;
        for (const auto& n : h.namespaces) names += (names.empty() ? "`" : ", `") + n + "`";
        out += "\n" + (names.empty() ? std::string("At global scope:") : "In " + names + ":") + "\n\n";
      }
      for (const Entry& e : h.entries) {
        std::string names;
        for (const auto& n : e.names) names += (names.empty() ? "`" : ", `") + n + "`";
        // The comment continues the line "- `name`: " unless it opens with a block of its own.
        const bool inline_start = !blocks_of(e.comment).empty() && blocks_of(e.comment)[0].kind == Block::Prose;
        out += "- " + names + ":" + (inline_start ? " " : "\n\n") + comment_markdown(e.comment, 2, inline_start) + "\n";
      }
      if (!h.also.empty()) {
        std::string names;
        for (const auto& n : h.also) names += (names.empty() ? "`" : ", `") + n + "`";
        out += "- also: " + names + "\n";
      }
    }
  }
  return out;
}

std::optional<Difference> first_difference(std::string_view actual, std::string_view expected) {
  auto split = [](std::string_view s) {
    std::vector<std::string> lines;
    std::size_t b = 0;
    while (b < s.size()) {
      std::size_t e = s.find('\n', b);
      if (e == std::string_view::npos) e = s.size();
      lines.emplace_back(s.substr(b, e - b));
      b = e + 1;
    }
    return lines;
  };
  if (actual == expected) return std::nullopt;
  const auto a = split(actual), e = split(expected);
  Difference d;
  d.section = "the intro";
  std::size_t i = 0;
  for (; i < a.size() && i < e.size() && a[i] == e[i]; ++i)
    if (e[i].starts_with("## ") || e[i].starts_with("### ")) d.section = e[i];
  d.line = static_cast<int>(i) + 1;
  d.actual_line = i < a.size() ? a[i] : "(the end of the page)";
  d.expected_line = i < e.size() ? e[i] : "(the end of the page)";
  if (i == a.size() && i == e.size()) {  // the same lines: only the last newline differs
    d.actual_line = actual.ends_with('\n') ? "(a newline at the end)" : "(no newline at the end)";
    d.expected_line = expected.ends_with('\n') ? "(a newline at the end)" : "(no newline at the end)";
  }
  auto headings = [](const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines)
      if (l.starts_with("## ") || l.starts_with("### ")) out.push_back(l);
    return out;
  };
  const auto ha = headings(a), he = headings(e);
  const std::set<std::string> sa(ha.begin(), ha.end()), se(he.begin(), he.end());
  for (const auto& h : he)
    if (!sa.count(h)) d.missing_sections.push_back(h);
  for (const auto& h : ha)
    if (!se.count(h)) d.stale_sections.push_back(h);
  return d;
}

}  // namespace api_doc
