// The strict JSON reader (io/json.h): values of every kind, escapes and surrogate pairs, the
// rules it enforces (duplicate keys, depth, number grammar, UTF-8) with their messages, quote()
// and the pull-parser walk that the safetensors loader uses.
#include <doctest/doctest.h>
#include <focus/io/json.h>
#include <focus/tensor/error.h>

#include <string>

using namespace focus;
using namespace focus::io;

namespace {

void check_rejected(const std::string& text, const std::string& message) {
  INFO("text: " << text.substr(0, 80));
  CHECK_THROWS_WITH_AS((void)json::parse(text), ("json: " + message).c_str(), FormatError);
}

}  // namespace

TEST_CASE("json: parses every kind of value") {
  const json::Value doc = json::parse(R"( {"n": null, "t": true, "f": false, "i": -42, "x": 2.5e-1,
                                           "s": "hi", "a": [1, [2], {}], "o": {"k": "v"}} )");
  REQUIRE(doc.kind() == json::Kind::Object);
  CHECK(doc.as_object().size() == 8);
  CHECK(doc.as_object()[0].first == "n");  // members keep document order
  CHECK(doc.find("n")->is_null());
  CHECK(doc.find("t")->as_bool() == true);
  CHECK(doc.find("f")->as_bool() == false);
  CHECK(doc.find("i")->as_integer() == -42);
  CHECK(doc.find("i")->as_number() == -42.0);
  CHECK(doc.find("x")->kind() == json::Kind::Float);
  CHECK(doc.find("x")->as_number() == 0.25);
  CHECK(doc.find("s")->as_string() == "hi");
  const auto& a = doc.find("a")->as_array();
  REQUIRE(a.size() == 3);
  CHECK(a[1].as_array()[0].as_integer() == 2);
  CHECK(a[2].as_object().empty());
  CHECK(doc.find("o")->find("k")->as_string() == "v");
  CHECK(doc.find("missing") == nullptr);
  CHECK(json::parse("[]").as_array().empty());
  CHECK(json::parse("\"\"").as_string().empty());
}

TEST_CASE("json: as_* on a value of another kind throws naming both kinds") {
  CHECK_THROWS_WITH_AS((void)json::parse("\"3\"").as_integer(), "json: expected an integer; got a string", FormatError);
  CHECK_THROWS_WITH_AS((void)json::parse("1.5").as_integer(), "json: expected an integer; got a float", FormatError);
  CHECK_THROWS_WITH_AS((void)json::parse("{}").as_array(), "json: expected an array; got an object", FormatError);
}

TEST_CASE("json: escapes decode, surrogate pairs included") {
  CHECK(json::parse(R"("q\"b\\s\/\b\f\n\r\t")").as_string() == "q\"b\\s/\b\f\n\r\t");
  CHECK(json::parse(R"("\u0041\u00e9\u65E5")").as_string() == "A\xc3\xa9\xe6\x97\xa5");
  CHECK(json::parse(R"("\ud83d\ude00")").as_string() == "\xf0\x9f\x98\x80");  // U+1F600
  CHECK(json::parse(R"("\udbff\udfff")").as_string() == "\xf4\x8f\xbf\xbf");  // U+10FFFF
  CHECK(json::parse(R"("a\u0000b")").as_string() == std::string("a\0b", 3));
  CHECK(json::parse("\"caf\xc3\xa9\"").as_string() == "caf\xc3\xa9");  // raw UTF-8 passes through
}

TEST_CASE("json: rejects lone surrogates and bad escapes") {
  check_rejected(R"("\ud83d")", "high surrogate not followed by a low surrogate at byte 1");
  check_rejected(R"("\ud83dx")", "high surrogate not followed by a low surrogate at byte 1");
  check_rejected(R"("\ud83d\u0041")", "high surrogate not followed by a low surrogate at byte 1");
  check_rejected(R"("ab\ude00")", "lone low surrogate in \\u escape at byte 3");
  check_rejected(R"("\u12g4")", "expected 4 hex digits after \\u; got 'g' at byte 5");
  check_rejected(R"("\x41")", "invalid escape; got 'x' at byte 1");
  check_rejected("\"\\", "invalid escape; got the end of input at byte 1");
}

TEST_CASE("json: rejects raw control characters and invalid UTF-8 in strings") {
  check_rejected("\"a\nb\"", "control character in a string (it must be escaped); got byte 0x0a at byte 2");
  check_rejected("\"a\xff\"", "invalid UTF-8 in a string; got byte 0xff at byte 2");
  check_rejected("\"\xc0\xaf\"", "invalid UTF-8 in a string; got byte 0xc0 at byte 1");      // overlong '/'
  check_rejected("\"\xed\xa0\x80\"", "invalid UTF-8 in a string; got byte 0xed at byte 1");  // U+D800
  check_rejected("\"abc", "unterminated string at byte 0");
}

TEST_CASE("json: rejects duplicate keys at any depth") {
  check_rejected(R"({"a":1,"b":2,"a":3})", "duplicate key \"a\" at byte 13");
  check_rejected(R"({"o":{"k":1,"k":1}})", "duplicate key \"k\" at byte 12");
  // Escapes are decoded before comparing: "\u0061" is "a".
  check_rejected(R"({"a":1,"\u0061":2})", "duplicate key \"a\" at byte 7");
  // The same key in different objects is fine.
  CHECK(json::parse(R"([{"a":1},{"a":2}])").as_array().size() == 2);
}

TEST_CASE("json: nesting depth is limited") {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK_NOTHROW((void)json::parse(nested(json::kDefaultMaxDepth)));
  check_rejected(nested(json::kDefaultMaxDepth + 1), "nesting deeper than 64 levels at byte 64");
  // A deep hostile input fails at the limit instead of exhausting the stack.
  check_rejected(std::string(100000, '['), "nesting deeper than 64 levels at byte 64");
  CHECK_THROWS_WITH_AS((void)json::parse("[[[1]]]", "cfg", 2), "cfg: nesting deeper than 2 levels at byte 2",
                       FormatError);
}

TEST_CASE("json: numbers follow the JSON grammar and fit their types") {
  CHECK(json::parse("0").as_integer() == 0);
  CHECK(json::parse("-0").as_integer() == 0);
  CHECK(json::parse("9223372036854775807").as_integer() == 9223372036854775807LL);
  CHECK(json::parse("-9223372036854775808").as_integer() == -9223372036854775807LL - 1);
  CHECK(json::parse("1E2").as_number() == 100.0);
  CHECK(json::parse("-1.5e+3").as_number() == -1500.0);
  CHECK(json::parse("1e-2").kind() == json::Kind::Float);
  check_rejected("9223372036854775808", "integer does not fit in 64 bits at byte 0");
  check_rejected("1e400", "number out of the range of a double at byte 0");
  check_rejected("01", "leading zeros are not allowed in numbers at byte 1");
  check_rejected("-", "expected a digit; got the end of input at byte 1");
  check_rejected("1.", "expected a digit after '.'; got the end of input at byte 2");
  check_rejected(".5", "expected a value; got '.' at byte 0");
  check_rejected("+1", "expected a value; got '+' at byte 0");
  check_rejected("1e", "expected a digit in the exponent; got the end of input at byte 2");
  check_rejected("NaN", "expected a value; got 'N' at byte 0");
}

TEST_CASE("json: rejects broken structure") {
  check_rejected("", "expected a value; got the end of input at byte 0");
  check_rejected("  ", "expected a value; got the end of input at byte 2");
  check_rejected("[1,]", "expected a value; got ']' at byte 3");
  check_rejected("[1 2]", "expected ',' or ']' after an array element; got '2' at byte 3");
  check_rejected(R"({"a":1,})", "expected a string key; got '}' at byte 7");
  check_rejected(R"({"a" 1})", "expected ':' after an object key; got '1' at byte 5");
  check_rejected(R"({a:1})", "expected a string key; got 'a' at byte 1");
  check_rejected(R"({"a":1)", "expected ',' or '}' after an object member; got the end of input at byte 6");
  check_rejected("[1", "expected ',' or ']' after an array element; got the end of input at byte 2");
  check_rejected("tru", "invalid literal; expected true at byte 0");
  check_rejected("nul", "invalid literal; expected null at byte 0");
  check_rejected("{} {}", "unexpected data after the top-level value; got '{' at byte 3");
  check_rejected("[]\xef\xbb\xbf", "unexpected data after the top-level value; got byte 0xef at byte 2");
}

TEST_CASE("json: quote escapes what JSON requires and parses back to the same bytes") {
  CHECK(json::quote("plain") == "\"plain\"");
  CHECK(json::quote("q\"b\\") == R"("q\"b\\")");
  CHECK(json::quote("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(json::quote(std::string("\0\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(json::quote("/\x7f caf\xc3\xa9") == "\"/\x7f caf\xc3\xa9\"");  // no other escapes
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  const std::string text = every_ascii + "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
  CHECK(json::parse(json::quote(text)).as_string() == text);
}

TEST_CASE("json: is_valid_utf8 accepts well-formed UTF-8 only") {
  CHECK(json::is_valid_utf8(""));
  CHECK(json::is_valid_utf8("ascii \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
  std::size_t bad_at = 99;
  CHECK_FALSE(json::is_valid_utf8("ab\x80", &bad_at));  // lone continuation byte
  CHECK(bad_at == 2);
  CHECK_FALSE(json::is_valid_utf8("\xc3", &bad_at));  // truncated
  CHECK(bad_at == 0);
  CHECK_FALSE(json::is_valid_utf8("\xc1\xbf"));          // overlong 2-byte
  CHECK_FALSE(json::is_valid_utf8("\xe0\x9f\xbf"));      // overlong 3-byte
  CHECK_FALSE(json::is_valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong 4-byte
  CHECK_FALSE(json::is_valid_utf8("\xed\xbf\xbf"));      // U+DFFF, a surrogate
  CHECK_FALSE(json::is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(json::is_valid_utf8("\xf5\x80\x80\x80"));
  CHECK_FALSE(json::is_valid_utf8("\xe6\x97"));  // truncated 3-byte
}

TEST_CASE("json: Reader walks a document value by value") {
  json::Reader reader(R"({"name": "w", "shape": [2, 3], "extra": {"deep": [null, true, 1.5, "s"]}})");
  CHECK(reader.peek() == json::Kind::Object);
  reader.begin_object();
  std::string key, name;
  std::vector<std::int64_t> shape;
  while (reader.next_key(key)) {
    if (key == "name") {
      name = reader.read_string();
    } else if (key == "shape") {
      reader.begin_array();
      while (reader.next_element()) shape.push_back(reader.read_integer());
    } else {
      reader.skip();
    }
  }
  reader.finish();
  CHECK(name == "w");
  CHECK(shape == std::vector<std::int64_t>{2, 3});

  // Reading the wrong kind is an error naming both.
  json::Reader wrong(R"(["x"])", "cfg");
  wrong.begin_array();
  REQUIRE(wrong.next_element());
  CHECK_THROWS_WITH_AS(wrong.read_integer(), "cfg: expected an integer; got a string at byte 1", FormatError);
  // skip() checks what it skips.
  json::Reader skipping(R"([{"a":1,"a":2}])");
  CHECK_THROWS_WITH_AS(skipping.skip(), "json: duplicate key \"a\" at byte 8", FormatError);
}
