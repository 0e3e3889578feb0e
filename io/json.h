// A small strict JSON reader (RFC 8259) for the files focus reads: checkpoint headers, configs.
// Reader is a pull parser that keeps only what its caller keeps, so a hostile input costs memory
// in proportion to that, not to its size; parse() builds a whole document (Value) on top of it.
// Both reject duplicate keys, lone surrogates, invalid UTF-8, leading zeros, trailing commas and
// nesting deeper than a limit. quote() writes a string literal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace focus::io::json {

inline constexpr int kDefaultMaxDepth = 64;

// Integer means a number written without fraction or exponent that fits int64; Float is any
// other number.
enum class Kind { Null, Bool, Integer, Float, String, Array, Object };

// "null", "a boolean", "an integer", "a float", "a string", "an array", "an object".
std::string_view kind_name(Kind kind);

// Every error throws focus::FormatError "<what>: <rule> at byte <n>", n counting from 0.
// Reader reads text in place: keep it alive while reading.
class Reader {
 public:
  explicit Reader(std::string_view text, std::string what = "json", int max_depth = kDefaultMaxDepth);

  // The kind of the next value, without consuming it.
  Kind peek();

  // {"a": 1, "b": 2} reads as: begin_object(); while (next_key(key)) { ...read the value... }
  void begin_object();
  // The next key of the innermost object, or false once its '}' is consumed. A key seen before
  // in the same object is an error.
  bool next_key(std::string& key);

  // [1, 2] reads as: begin_array(); while (next_element()) { ...read the element... }
  void begin_array();
  bool next_element();

  std::string read_string();
  std::int64_t read_integer();
  double read_number();  // an integer or a float, as a double
  bool read_bool();
  void read_null();
  // Consumes the next value whatever it is, with the same checks as reading it.
  void skip();
  // After the top-level value: only whitespace may remain.
  void finish();

  std::size_t position() const { return pos_; }
  [[noreturn]] void fail(std::string_view rule) const { fail_at(pos_, rule); }

 private:
  struct Frame {
    bool is_object = false;
    bool first = true;
    std::set<std::string> keys;  // objects only: for the duplicate check
  };

  [[noreturn]] void fail_at(std::size_t pos, std::string_view rule) const;
  void skip_whitespace();
  void expect(char c, std::string_view rule);
  void push(bool is_object, std::size_t bracket);  // bracket: where the '{' or '[' was
  std::size_t scan_number(bool* is_float) const;  // end of the number at pos_
  void read_literal(std::string_view word);
  std::uint32_t read_hex4();

  std::string_view text_;
  std::string what_;
  int max_depth_;
  std::size_t pos_ = 0;
  std::vector<Frame> frames_;
};

// A whole JSON document in memory. Objects keep their members in document order (keys unique).
class Value {
 public:
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // null
  explicit Value(bool b) : v_(b) {}
  explicit Value(std::int64_t i) : v_(i) {}
  explicit Value(double d) : v_(d) {}
  explicit Value(std::string s) : v_(std::move(s)) {}
  explicit Value(Array a) : v_(std::move(a)) {}
  explicit Value(Object o) : v_(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::Null; }

  // Each throws FormatError "json: expected <kind>; got <kind>" on a value of another kind.
  bool as_bool() const;
  std::int64_t as_integer() const;
  double as_number() const;  // an integer or a float
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;

  // The member named key of an object, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const;

 private:
  // The order matches Kind.
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v_;
};

// Parses one complete document; errors as Reader's.
Value parse(std::string_view text, std::string what = "json", int max_depth = kDefaultMaxDepth);

// A JSON string literal with quotes: escapes '"', '\' and the control characters U+0000..U+001F
// (\b \f \n \r \t, else \u00xx in lower-case hex, as Python's json and Rust's serde_json do);
// every other byte, UTF-8 included, is copied as is. The caller passes valid UTF-8.
std::string quote(std::string_view utf8);

// Is s well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF)? When not
// and bad_at is given, *bad_at is the offset of the first byte of the first bad sequence.
bool is_valid_utf8(std::string_view s, std::size_t* bad_at = nullptr);

}  // namespace focus::io::json
