// The strict JSON reader, the document builder on top of it, string quoting and UTF-8 checks.
// Grammar as RFC 8259; every rejection names the rule and the byte where it was broken.
#include <focus/io/json.h>

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include <focus/tensor/error.h>
#include <focus/text/utf8.h>

namespace focus::io::json {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What sits at text[pos], for "got ..." in messages.
std::string describe(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "the end of input";
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
  return buf;
}

// A key as messages show it: quoted, cut after 64 bytes (on a character boundary).
std::string shown(std::string_view key) {
  constexpr std::size_t kMax = 64;
  if (key.size() <= kMax) return quote(key);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
  return quote(key.substr(0, cut)) + "...";
}

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return "a boolean";
    case Kind::Integer: return "an integer";
    case Kind::Float: return "a float";
    case Kind::String: return "a string";
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
  }
  return "?";
}

// ---- Reader -----------------------------------------------------------------------------------

Reader::Reader(std::string_view text, std::string what, int max_depth)
    : text_(text), what_(std::move(what)), max_depth_(max_depth) {}

void Reader::fail_at(std::size_t pos, std::string_view rule) const {
  throw FormatError(what_ + ": " + std::string(rule) + " at byte " + std::to_string(pos));
}

void Reader::skip_whitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    ++pos_;
  }
}

void Reader::expect(char c, std::string_view rule) {
  if (pos_ < text_.size() && text_[pos_] == c) {
    ++pos_;
    return;
  }
  fail(std::string(rule) + "; got " + describe(text_, pos_));
}

void Reader::push(bool is_object, std::size_t bracket) {
  if (static_cast<int>(frames_.size()) >= max_depth_)
    fail_at(bracket, "nesting deeper than " + std::to_string(max_depth_) + " levels");
  frames_.push_back(Frame{is_object, true, {}});
}

Kind Reader::peek() {
  skip_whitespace();
  if (pos_ >= text_.size()) fail("expected a value; got the end of input");
  switch (text_[pos_]) {
    case '{': return Kind::Object;
    case '[': return Kind::Array;
    case '"': return Kind::String;
    case 't':
    case 'f': return Kind::Bool;
    case 'n': return Kind::Null;
    default: break;
  }
  if (text_[pos_] == '-' || is_digit(text_[pos_])) {
    bool is_float = false;
    scan_number(&is_float);
    return is_float ? Kind::Float : Kind::Integer;
  }
  fail("expected a value; got " + describe(text_, pos_));
}

// number = [ "-" ] ( "0" / [1-9] *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
std::size_t Reader::scan_number(bool* is_float) const {
  std::size_t i = pos_;
  const auto digit_at = [&](std::size_t k) { return k < text_.size() && is_digit(text_[k]); };
  if (i < text_.size() && text_[i] == '-') ++i;
  if (!digit_at(i)) fail_at(i, "expected a digit; got " + describe(text_, i));
  if (text_[i] == '0') {
    ++i;
    if (digit_at(i)) fail_at(i, "leading zeros are not allowed in numbers");
  } else {
    while (digit_at(i)) ++i;
  }
  *is_float = false;
  if (i < text_.size() && text_[i] == '.') {
    ++i;
    if (!digit_at(i)) fail_at(i, "expected a digit after '.'; got " + describe(text_, i));
    while (digit_at(i)) ++i;
    *is_float = true;
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (!digit_at(i)) fail_at(i, "expected a digit in the exponent; got " + describe(text_, i));
    while (digit_at(i)) ++i;
    *is_float = true;
  }
  return i;
}

void Reader::begin_object() {
  skip_whitespace();
  const std::size_t bracket = pos_;
  expect('{', "expected an object");
  push(true, bracket);
}

bool Reader::next_key(std::string& key) {
  if (frames_.empty() || !frames_.back().is_object)
    throw std::logic_error("json::Reader::next_key called outside an object");
  skip_whitespace();
  if (pos_ < text_.size() && text_[pos_] == '}') {
    ++pos_;
    frames_.pop_back();
    return false;
  }
  if (!frames_.back().first) {
    expect(',', "expected ',' or '}' after an object member");
    skip_whitespace();
  }
  frames_.back().first = false;
  if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string key; got " + describe(text_, pos_));
  const std::size_t key_pos = pos_;
  key = read_string();
  if (!frames_.back().keys.insert(key).second) fail_at(key_pos, "duplicate key " + shown(key));
  skip_whitespace();
  expect(':', "expected ':' after an object key");
  return true;
}

void Reader::begin_array() {
  skip_whitespace();
  const std::size_t bracket = pos_;
  expect('[', "expected an array");
  push(false, bracket);
}

bool Reader::next_element() {
  if (frames_.empty() || frames_.back().is_object)
    throw std::logic_error("json::Reader::next_element called outside an array");
  skip_whitespace();
  Frame& frame = frames_.back();
  if (frame.first) {
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      frames_.pop_back();
      return false;
    }
    frame.first = false;
    return true;
  }
  if (pos_ < text_.size() && text_[pos_] == ']') {
    ++pos_;
    frames_.pop_back();
    return false;
  }
  expect(',', "expected ',' or ']' after an array element");
  return true;
}

std::uint32_t Reader::read_hex4() {
  std::uint32_t value = 0;
  for (int k = 0; k < 4; ++k) {
    const char c = pos_ < text_.size() ? text_[pos_] : '\0';
    std::uint32_t digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else fail("expected 4 hex digits after \\u; got " + describe(text_, pos_));
    value = value * 16 + digit;
    ++pos_;
  }
  return value;
}

std::string Reader::read_string() {
  skip_whitespace();
  const std::size_t start = pos_;
  expect('"', "expected a string");
  std::string out;
  while (true) {
    if (pos_ >= text_.size()) fail_at(start, "unterminated string");
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return out;
    }
    if (c < 0x20) fail("control character in a string (it must be escaped); got " + describe(text_, pos_));
    if (c >= 0x80) {
      const std::size_t length = text::utf8_sequence_length(text_, pos_);
      if (length == 0) fail("invalid UTF-8 in a string; got " + describe(text_, pos_));
      out.append(text_.substr(pos_, length));
      pos_ += length;
      continue;
    }
    if (c != '\\') {
      out += static_cast<char>(c);
      ++pos_;
      continue;
    }
    const std::size_t escape = pos_;
    ++pos_;
    const char e = pos_ < text_.size() ? text_[pos_] : '\0';
    ++pos_;
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        // Code points above U+FFFF arrive as a surrogate pair \uD8xx\uDCxx; either half alone
        // encodes nothing.
        std::uint32_t cp = read_hex4();
        if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at(escape, "lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (text_.substr(pos_, 2) != "\\u") fail_at(escape, "high surrogate not followed by a low surrogate");
          pos_ += 2;
          const std::uint32_t low = read_hex4();
          if (low < 0xDC00 || low > 0xDFFF) fail_at(escape, "high surrogate not followed by a low surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        text::append_utf8(out, static_cast<char32_t>(cp));
        break;
      }
      default: fail_at(escape, "invalid escape; got " + describe(text_, escape + 1));
    }
  }
}

std::int64_t Reader::read_integer() {
  const Kind kind = peek();
  if (kind != Kind::Integer) fail("expected an integer; got " + std::string(kind_name(kind)));
  bool is_float = false;
  const std::size_t end = scan_number(&is_float);
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + end, value);
  if (ec != std::errc() || ptr != text_.data() + end) fail("integer does not fit in 64 bits");
  pos_ = end;
  return value;
}

double Reader::read_number() {
  const Kind kind = peek();
  if (kind != Kind::Integer && kind != Kind::Float)
    fail("expected a number; got " + std::string(kind_name(kind)));
  bool is_float = false;
  const std::size_t end = scan_number(&is_float);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + end, value);
  if (ec != std::errc() || ptr != text_.data() + end) fail("number out of the range of a double");
  pos_ = end;
  return value;
}

void Reader::read_literal(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) fail("invalid literal; expected " + std::string(word));
  pos_ += word.size();
}

bool Reader::read_bool() {
  const Kind kind = peek();
  if (kind != Kind::Bool) fail("expected a boolean; got " + std::string(kind_name(kind)));
  const bool value = text_[pos_] == 't';
  read_literal(value ? "true" : "false");
  return value;
}

void Reader::read_null() {
  const Kind kind = peek();
  if (kind != Kind::Null) fail("expected null; got " + std::string(kind_name(kind)));
  read_literal("null");
}

void Reader::skip() {
  switch (peek()) {
    case Kind::Null: read_null(); return;
    case Kind::Bool: read_bool(); return;
    case Kind::Integer: read_integer(); return;
    case Kind::Float: read_number(); return;
    case Kind::String: read_string(); return;
    case Kind::Array:
      begin_array();
      while (next_element()) skip();
      return;
    case Kind::Object: {
      begin_object();
      std::string key;
      while (next_key(key)) skip();
      return;
    }
  }
}

void Reader::finish() {
  if (!frames_.empty()) throw std::logic_error("json::Reader::finish called inside an array or object");
  skip_whitespace();
  if (pos_ != text_.size()) fail("unexpected data after the top-level value; got " + describe(text_, pos_));
}

// ---- Value ------------------------------------------------------------------------------------

namespace {

[[noreturn]] void wrong_kind(Kind want, Kind got) {
  throw FormatError("json: expected " + std::string(kind_name(want)) + "; got " + std::string(kind_name(got)));
}

Value read_value(Reader& reader) {
  switch (reader.peek()) {
    case Kind::Null: reader.read_null(); return Value();
    case Kind::Bool: return Value(reader.read_bool());
    case Kind::Integer: return Value(reader.read_integer());
    case Kind::Float: return Value(reader.read_number());
    case Kind::String: return Value(reader.read_string());
    case Kind::Array: {
      Value::Array elements;
      reader.begin_array();
      while (reader.next_element()) elements.push_back(read_value(reader));
      return Value(std::move(elements));
    }
    case Kind::Object: {
      Value::Object members;
      reader.begin_object();
      std::string key;
      while (reader.next_key(key)) {
        Value value = read_value(reader);
        members.emplace_back(std::move(key), std::move(value));
      }
      return Value(std::move(members));
    }
  }
  throw std::logic_error("json: unknown kind");
}

}  // namespace

bool Value::as_bool() const {
  if (kind() != Kind::Bool) wrong_kind(Kind::Bool, kind());
  return std::get<bool>(v_);
}

std::int64_t Value::as_integer() const {
  if (kind() != Kind::Integer) wrong_kind(Kind::Integer, kind());
  return std::get<std::int64_t>(v_);
}

double Value::as_number() const {
  if (kind() == Kind::Integer) return static_cast<double>(std::get<std::int64_t>(v_));
  if (kind() != Kind::Float) wrong_kind(Kind::Float, kind());
  return std::get<double>(v_);
}

const std::string& Value::as_string() const {
  if (kind() != Kind::String) wrong_kind(Kind::String, kind());
  return std::get<std::string>(v_);
}

const Value::Array& Value::as_array() const {
  if (kind() != Kind::Array) wrong_kind(Kind::Array, kind());
  return std::get<Array>(v_);
}

const Value::Object& Value::as_object() const {
  if (kind() != Kind::Object) wrong_kind(Kind::Object, kind());
  return std::get<Object>(v_);
}

const Value* Value::find(std::string_view key) const {
  if (kind() != Kind::Object) return nullptr;
  for (const auto& [name, value] : std::get<Object>(v_))
    if (name == key) return &value;
  return nullptr;
}

Value parse(std::string_view text, std::string what, int max_depth) {
  Reader reader(text, std::move(what), max_depth);
  Value value = read_value(reader);
  reader.finish();
  return value;
}

// ---- writing and UTF-8 ------------------------------------------------------------------------

std::string quote(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 2);
  out += '"';
  for (const char ch : utf8) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

bool is_valid_utf8(std::string_view s, std::size_t* bad_at) {
  const std::size_t bad = text::find_invalid_utf8(s);
  if (bad == std::string_view::npos) return true;
  if (bad_at) *bad_at = bad;
  return false;
}

}  // namespace focus::io::json
