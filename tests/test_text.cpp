// Text: word- and character-level tokenisation (Chinese, English, mixed, punctuation, invalid
// UTF-8), detokenisation, and the Vocab (build order, encode/decode, the validated text form and
// every way a stored vocab can be corrupt, including the seed corpus in tests/corpus/vocab).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <focus/tensor/error.h>
#include <focus/text/tokenize.h>
#include <focus/text/utf8.h>
#include <focus/text/vocab.h>

using namespace focus;
using namespace focus::text;

namespace {

using Tokens = std::vector<std::string>;

// The message of the FormatError f throws, or "" if it throws none.
template <class F>
std::string format_error(F&& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

std::filesystem::path corpus_dir() { return std::filesystem::path(__FILE__).parent_path() / "corpus" / "vocab"; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string deserialize_error(std::string_view text) {
  return format_error([&] { (void)Vocab::deserialize(text, "vocab.txt"); });
}

}  // namespace

// ---- tokenisation --------------------------------------------------------------------------------

TEST_CASE("text: Chinese splits into one token per character") {
  CHECK(tokenize("我爱学习编程") == Tokens{"我", "爱", "学", "习", "编", "程"});
  CHECK(tokenize("你喜欢猫吗") == Tokens{"你", "喜", "欢", "猫", "吗"});
  // CJK punctuation and full-width forms are characters of their own.
  CHECK(tokenize("你好，世界！") == Tokens{"你", "好", "，", "世", "界", "！"});
  CHECK(tokenize("他说：“好。”") == Tokens{"他", "说", "：", "“", "好", "。", "”"});
  // Spaces between Chinese characters carry nothing; the ideographic space is a space.
  CHECK(tokenize("我 爱\u3000你") == Tokens{"我", "爱", "你"});
}

TEST_CASE("text: English splits on whitespace, is lowercased and splits off punctuation") {
  CHECK(tokenize("i love learning programming") == Tokens{"i", "love", "learning", "programming"});
  CHECK(tokenize("  Do you LIKE cats?\n") == Tokens{"do", "you", "like", "cats", "?"});
  CHECK(tokenize("Hello, world! (yes); no: \"ok\".") ==
        Tokens{"hello", ",", "world", "!", "(", "yes", ")", ";", "no", ":", "\"", "ok", "\"", "."});
  CHECK(tokenize("the teacher's book") == Tokens{"the", "teacher", "'", "s", "book"});
  // Other ASCII symbols stay inside words; non-ASCII letters keep their case.
  CHECK(tokenize("3/3/98 I_WALK Émile") == Tokens{"3/3/98", "i_walk", "Émile"});
  CHECK(tokenize("").empty());
  CHECK(tokenize(" \t\r\n ").empty());
}

TEST_CASE("text: mixed Chinese and English") {
  CHECK(tokenize("我爱Python和C++!") == Tokens{"我", "爱", "python", "和", "c++", "!"});
  CHECK(tokenize("OK我们走") == Tokens{"ok", "我", "们", "走"});
  CHECK(detokenize({"我", "爱", "python", "和", "c++", "!"}) == "我爱 python 和 c++!");
}

TEST_CASE("text: detokenize joins CJK without spaces and attaches punctuation") {
  CHECK(detokenize(tokenize("我爱学习编程")) == "我爱学习编程");
  CHECK(detokenize(tokenize("i love learning programming")) == "i love learning programming");
  CHECK(detokenize(tokenize("你好，世界！")) == "你好，世界！");
  CHECK(detokenize(tokenize("hello, world! (yes); no: \"ok\".")) == "hello, world! (yes); no: \"ok\".");
  CHECK(detokenize(tokenize("the teacher's book isn't 'here'")) == "the teacher's book isn't 'here'");
  CHECK(detokenize({"do", "you", "like", "cats", "?"}) == "do you like cats?");
  CHECK(detokenize({}).empty());
}

TEST_CASE("text: invalid UTF-8 throws FormatError naming the byte offset") {
  CHECK(format_error([] { (void)tokenize("ab\xff"); }) ==
        "tokenize: text must be valid UTF-8; got byte 0xff at offset 2");
  // A stray continuation byte, an overlong "/", a surrogate, a truncated 3-byte sequence, a
  // code point above U+10FFFF.
  CHECK(format_error([] { (void)tokenize("我\x80"); }) ==
        "tokenize: text must be valid UTF-8; got byte 0x80 at offset 3");
  CHECK(format_error([] { (void)tokenize("a\xc0\xaf"); }) ==
        "tokenize: text must be valid UTF-8; got byte 0xc0 at offset 1");
  CHECK(format_error([] { (void)tokenize("\xed\xa0\x80"); }) ==
        "tokenize: text must be valid UTF-8; got byte 0xed at offset 0");
  CHECK(format_error([] { (void)tokenize("ok \xe4\xb8"); }) ==
        "tokenize: text must be valid UTF-8; got byte 0xe4 at offset 3");
  CHECK(format_error([] { (void)tokenize("\xf4\x90\x80\x80"); }) ==
        "tokenize: text must be valid UTF-8; got byte 0xf4 at offset 0");
  CHECK(format_error([] { (void)tokenize_chars("x\xfe"); }) ==
        "tokenize_chars: text must be valid UTF-8; got byte 0xfe at offset 1");
  // The largest valid code point and a 4-byte character are fine.
  CHECK(tokenize("\xf4\x8f\xbf\xbf").size() == 1);
  CHECK(tokenize("𠀀") == Tokens{"𠀀"});  // U+20000, CJK extension B
}

TEST_CASE("text: character-level tokens keep case and make spaces visible") {
  CHECK(tokenize_chars("Mar 3") == Tokens{"M", "a", "r", "\xE2\x96\x81", "3"});
  CHECK(tokenize_chars("我爱") == Tokens{"我", "爱"});
  CHECK(detokenize_chars(tokenize_chars("Tuesday, 3 March 1998")) == "Tuesday, 3 March 1998");
  CHECK(tokenize_chars("").empty());
}

// ---- vocab ---------------------------------------------------------------------------------------

TEST_CASE("text: a new vocab holds the four special tokens at fixed ids") {
  const Vocab v;
  CHECK(v.size() == 4);
  CHECK(v.token(Vocab::kPad) == "<pad>");
  CHECK(v.token(Vocab::kBos) == "<bos>");
  CHECK(v.token(Vocab::kEos) == "<eos>");
  CHECK(v.token(Vocab::kUnk) == "<unk>");
  CHECK(Vocab::kPad == 0);
  CHECK(Vocab::kBos == 1);
  CHECK(Vocab::kEos == 2);
  CHECK(Vocab::kUnk == 3);
}

TEST_CASE("text: vocab build orders tokens by frequency, then by bytes") {
  // b x3, a x2, c x2, 我 x2, d x1; ties broken by byte order (ASCII before UTF-8 Chinese).
  const Vocab v = Vocab::build({{"b", "a", "c"}, {"b", "我", "a"}, {"c", "b", "我", "d"}});
  CHECK(v.tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "b", "a", "c", "我", "d"});
  // min_freq drops the rare ones; specials in the sentences are not added again.
  const Vocab w = Vocab::build({{"b", "a", "<unk>"}, {"b", "a", "c", "<pad>"}}, 2);
  CHECK(w.tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b"});
  CHECK(Vocab::build({}).size() == 4);
}

TEST_CASE("text: vocab build rejects bad arguments") {
  const auto value_error = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const ValueError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(value_error([] { (void)Vocab::build({{"a"}}, 0); }) == "Vocab::build: min_freq must be at least 1; got 0");
  CHECK(value_error([] {
          (void)Vocab::build({{"a"}, {"b", ""}});
        }) == "Vocab::build: tokens must not be empty; got \"\" in sentence 1, position 1");
  CHECK(value_error([] { (void)Vocab::build({{"a\xff"}}); }) ==
        "Vocab::build: tokens must be valid UTF-8; got \"a\\xff\" in sentence 0, position 0");
}

TEST_CASE("text: vocab encodes and decodes, unknown tokens as <unk>") {
  const Vocab v = Vocab::build({tokenize("我爱学习编程"), tokenize("i love learning programming")});
  const std::vector<std::int64_t> ids = v.encode(tokenize("我爱学习"), true, true);
  REQUIRE(ids.size() == 6);
  CHECK(ids.front() == Vocab::kBos);
  CHECK(ids.back() == Vocab::kEos);
  CHECK(v.decode(ids) == Tokens{"我", "爱", "学", "习"});
  CHECK(v.encode({"我"}) == std::vector<std::int64_t>{v.id("我")});

  CHECK(v.id("猫") == Vocab::kUnk);
  CHECK_FALSE(v.contains("猫"));
  CHECK(v.contains("love"));
  CHECK(v.encode({"i", "love", "cats"}) == std::vector<std::int64_t>{v.id("i"), v.id("love"), Vocab::kUnk});
  CHECK(v.decode(v.encode({"i", "love", "cats"})) == Tokens{"i", "love", "<unk>"});

  // decode skips <pad> and <bos> and stops at the first <eos>.
  const std::int64_t i = v.id("i"), love = v.id("love");
  CHECK(v.decode({Vocab::kBos, i, Vocab::kPad, love, Vocab::kEos, i, i}) == Tokens{"i", "love"});
  CHECK(v.decode({Vocab::kEos, i}).empty());
}

TEST_CASE("text: vocab token ids are bounds-checked") {
  const Vocab v;
  const auto index_error = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const IndexError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(index_error([&] { (void)v.token(4); }) == "Vocab::token: id must be in [0, 4); got 4");
  CHECK(index_error([&] { (void)v.token(-1); }) == "Vocab::token: id must be in [0, 4); got -1");
  CHECK(index_error([&] { (void)v.decode({Vocab::kBos, 99}); }) == "Vocab::token: id must be in [0, 4); got 99");
}

TEST_CASE("text: vocab serialize and deserialize round trip") {
  const Vocab v = Vocab::build({{"我", "cat", "a\nb", "back\\slash", "cr\r", "▁", "\\n"}, {"cat"}});
  const std::string text = v.serialize();
  CHECK(text.find("a\\nb") != std::string::npos);
  CHECK(text.find("back\\\\slash") != std::string::npos);
  CHECK(text.find("cr\\r") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == v.size() - 1);  // one token per line
  const Vocab back = Vocab::deserialize(text, "round trip");
  CHECK(back.tokens() == v.tokens());
  CHECK(back.id("cat") == v.id("cat"));
  CHECK(back.id("a\nb") == v.id("a\nb"));
  CHECK(Vocab::deserialize(Vocab().serialize(), "specials").size() == 4);
  CHECK(Vocab().serialize() == "<pad>\n<bos>\n<eos>\n<unk>");
}

TEST_CASE("text: vocab deserialize accepts CRLF and one final line feed") {
  CHECK(Vocab::deserialize("<pad>\r\n<bos>\r\n<eos>\r\n<unk>\r\ncat\r\n", "crlf").tokens() ==
        Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "cat"});
  CHECK(Vocab::deserialize("<pad>\n<bos>\n<eos>\n<unk>\ncat\n", "lf").size() == 5);
}

TEST_CASE("text: each corrupt vocab is rejected with its message") {
  const std::string specials = "<pad>\n<bos>\n<eos>\n<unk>\n";
  CHECK(deserialize_error("") ==
        "Vocab::deserialize: vocab.txt: a vocab must hold at least the 4 special tokens; got an empty text");
  CHECK(deserialize_error("<pad>\n<bos>") ==
        "Vocab::deserialize: vocab.txt: a vocab must hold at least the 4 special tokens; got 2");
  CHECK(deserialize_error("cat\n<pad>\n<bos>\n<eos>\n<unk>") ==
        "Vocab::deserialize: vocab.txt: line 1: the first four tokens must be <pad>, <bos>, <eos>, <unk> in that "
        "order; got \"cat\" where <pad> belongs");
  CHECK(deserialize_error("<pad>\n<eos>\n<bos>\n<unk>") ==
        "Vocab::deserialize: vocab.txt: line 2: the first four tokens must be <pad>, <bos>, <eos>, <unk> in that "
        "order; got \"<eos>\" where <bos> belongs");
  CHECK(deserialize_error(specials + "cat\ndog\ncat") ==
        "Vocab::deserialize: vocab.txt: line 7: tokens must be unique; got \"cat\" again (first on line 5)");
  CHECK(deserialize_error(specials + "<eos>") ==
        "Vocab::deserialize: vocab.txt: line 5: tokens must be unique; got \"<eos>\" again (first on line 3)");
  CHECK(deserialize_error(specials + "cat\n\ndog") ==
        "Vocab::deserialize: vocab.txt: line 6: tokens must not be empty; got an empty line");
  CHECK(deserialize_error("\n") ==
        "Vocab::deserialize: vocab.txt: line 1: tokens must not be empty; got an empty line");
  CHECK(deserialize_error(specials + "cat\n\n") ==
        "Vocab::deserialize: vocab.txt: line 6: tokens must not be empty; got an empty line");
  CHECK(deserialize_error(specials + "tab\\there") ==
        "Vocab::deserialize: vocab.txt: line 5: escapes must be \\\\, \\n or \\r; got \"\\\\t\"");
  CHECK(deserialize_error(specials + "end\\") ==
        "Vocab::deserialize: vocab.txt: line 5: a backslash must start an escape; got one at the end of the line");
  CHECK(deserialize_error(specials + "ca\xfft") ==
        "Vocab::deserialize: vocab.txt: line 5: text must be valid UTF-8; got byte 0xff at offset 26");
  CHECK(deserialize_error(specials + "ok\n\xc0\xaf") ==
        "Vocab::deserialize: vocab.txt: line 6: text must be valid UTF-8; got byte 0xc0 at offset 27");
  // An escaped newline is a token's character, never a line break: "\\n" alone is a valid token.
  CHECK(Vocab::deserialize(specials + "\\n", "vocab.txt").token(4) == "\n");
  // Long tokens are cut in the message.
  const std::string x50(50, 'x'), x40(40, 'x');
  CHECK(deserialize_error(specials + x50 + "\n" + x50) ==
        "Vocab::deserialize: vocab.txt: line 6: tokens must be unique; got \"" + x40 + "\"... again (first on line 5)");
}

TEST_CASE("text: a vocab holds at most a million tokens") {
  // The lines are counted before any is read, so their content does not matter.
  std::string text = "<pad>\n<bos>\n<eos>\n<unk>";
  for (std::int64_t i = 4; i <= Vocab::kMaxSize; ++i) text += "\nx";
  CHECK(deserialize_error(text) ==
        "Vocab::deserialize: vocab.txt: a vocab holds at most 1000000 tokens; got 1000001 lines");
  text.resize(text.size() - 2);  // exactly a million lines, all but the specials the same
  CHECK(deserialize_error(text) ==
        "Vocab::deserialize: vocab.txt: line 6: tokens must be unique; got \"x\" again (first on line 5)");
}

TEST_CASE("text: the vocab seed corpus loads or fails as its file name says") {
  int valid = 0, bad = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir())) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    const std::string text = read_file(entry.path());
    if (name.starts_with("valid_")) {
      const Vocab v = Vocab::deserialize(text, name);
      CHECK(v.size() >= 4);
      CHECK(Vocab::deserialize(v.serialize(), name).tokens() == v.tokens());
      ++valid;
    } else {
      const std::string message = format_error([&] { (void)Vocab::deserialize(text, name); });
      CHECK(message.starts_with("Vocab::deserialize: " + name + ": "));
      ++bad;
    }
  }
  CHECK(valid >= 4);
  CHECK(bad >= 12);
  CHECK(Vocab::deserialize(read_file(corpus_dir() / "valid_escapes.txt"), "x").tokens() ==
        Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "line\nbreak", "back\\slash", "carriage\rreturn", "▁"});
}
