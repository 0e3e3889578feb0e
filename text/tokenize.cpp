// Word-level and character-level tokenisation (see tokenize.h for the rules).
#include <focus/text/tokenize.h>

#include <focus/tensor/error.h>
#include <focus/text/utf8.h>

namespace focus::text {

namespace {

void check_utf8(std::string_view s, const char* op) {
  const std::size_t bad = find_invalid_utf8(s);
  if (bad != std::string_view::npos) {
    throw FormatError(std::string(op) + ": text must be valid UTF-8; got byte " +
                      hex_byte(static_cast<unsigned char>(s[bad])) + " at offset " + std::to_string(bad));
  }
}

constexpr std::string_view kSplitPunctuation = ",.?!;:'\"()";
constexpr std::string_view kClosingPunctuation = ",.?!;:)";

bool is_split_punctuation(char32_t cp) {
  return cp < 0x80 && kSplitPunctuation.find(static_cast<char>(cp)) != std::string_view::npos;
}

// The code point of a token that is exactly one code point, or 0.
char32_t single_code_point(std::string_view token) {
  const std::size_t length = utf8_sequence_length(token, 0);
  if (length == 0 || length != token.size()) return 0;
  return decode_utf8(token, 0, length);
}

bool all_cjk(std::string_view token) {
  if (token.empty()) return false;
  for (std::size_t i = 0; i < token.size();) {
    const std::size_t length = utf8_sequence_length(token, i);
    if (length == 0 || !is_cjk(decode_utf8(token, i, length))) return false;
    i += length;
  }
  return true;
}

bool is_cjk_punctuation_token(std::string_view token) {
  const char32_t cp = single_code_point(token);
  return cp != 0 && is_cjk_punctuation(cp);
}

// A token that ends with an ASCII letter or digit, or any non-ASCII character: what the
// apostrophe of a contraction binds to.
bool is_wordlike(std::string_view token) {
  if (token.empty()) return false;
  const auto c = static_cast<unsigned char>(token.back());
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// What follows the apostrophe of a contraction or possessive: teacher's, isn't, we're, i'm.
bool is_clitic(std::string_view token) {
  return token == "s" || token == "t" || token == "re" || token == "ve" || token == "ll" || token == "d" ||
         token == "m";
}

}  // namespace

std::vector<std::string> tokenize(std::string_view s) {
  check_utf8(s, "tokenize");
  std::vector<std::string> tokens;
  std::string word;
  const auto flush = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t length = utf8_sequence_length(s, i);
    const char32_t cp = decode_utf8(s, i, length);
    if (is_space(cp)) {
      flush();
    } else if (is_cjk(cp) || is_split_punctuation(cp)) {
      flush();
      tokens.emplace_back(s.substr(i, length));
    } else if (cp >= 'A' && cp <= 'Z') {
      word += static_cast<char>(cp - 'A' + 'a');
    } else {
      word.append(s.substr(i, length));
    }
    i += length;
  }
  flush();
  return tokens;
}

std::string detokenize(const std::vector<std::string>& tokens) {
  std::string out;
  bool glue_next = false;   // the previous token forbids a space after it
  bool quote_open = false;  // inside a "..." or '...' pair
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    const bool cjk = all_cjk(token);
    const bool prev_cjk = i > 0 && all_cjk(tokens[i - 1]);
    const bool apostrophe = token == "'" && i > 0 && i + 1 < tokens.size() && is_wordlike(tokens[i - 1]) && !prev_cjk &&
                            is_clitic(tokens[i + 1]);
    const bool quote = !apostrophe && (token == "\"" || token == "'");
    bool space = !out.empty() && !glue_next;
    if (cjk && prev_cjk) space = false;
    if (is_cjk_punctuation_token(token) || (i > 0 && is_cjk_punctuation_token(tokens[i - 1]))) space = false;
    if (token.size() == 1 && kClosingPunctuation.find(token[0]) != std::string_view::npos) space = false;
    if (apostrophe || (quote && quote_open)) space = false;
    if (space) out += ' ';
    out += token;
    glue_next = apostrophe || token == "(" || (quote && !quote_open);
    if (quote) quote_open = !quote_open;
  }
  return out;
}

std::vector<std::string> tokenize_chars(std::string_view s) {
  check_utf8(s, "tokenize_chars");
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t length = utf8_sequence_length(s, i);
    if (is_space(decode_utf8(s, i, length))) {
      tokens.emplace_back(kSpaceToken);
    } else {
      tokens.emplace_back(s.substr(i, length));
    }
    i += length;
  }
  return tokens;
}

std::string detokenize_chars(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& token : tokens) {
    if (token == kSpaceToken) {
      out += ' ';
    } else {
      out += token;
    }
  }
  return out;
}

}  // namespace focus::text
