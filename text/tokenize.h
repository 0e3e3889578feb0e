// Turning sentences into tokens and back, for word-level tasks (Chinese, English, SCAN) and for
// character-level ones (dates, reverse, copy; see Dataset::char_level in data/tasks.h).
//
// Word level: each CJK character (see is_cjk in utf8.h) is one token, because Chinese is written
// without spaces; other text splits on whitespace, and the ASCII punctuation , . ? ! ; : ' " ( )
// becomes a token of its own. ASCII letters are lowercased; other characters are kept as they are.
//   tokenize("我爱学习编程")         -> 我 爱 学 习 编 程
//   tokenize("Do you like cats?")   -> do you like cats ?
//   tokenize("the teacher's book")  -> the teacher ' s book
// Character level: each code point is one token, case kept; whitespace becomes kSpaceToken so a
// space is a visible symbol the model can predict.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace focus::text {

// U+2581 LOWER ONE EIGHTH BLOCK, the space symbol SentencePiece made familiar.
inline constexpr std::string_view kSpaceToken = "\xE2\x96\x81";

// Word-level tokens of s. Throws FormatError "tokenize: text must be valid UTF-8; got byte 0xff
// at offset 3" for invalid UTF-8.
[[nodiscard]] std::vector<std::string> tokenize(std::string_view s);

// The sentence back from word-level tokens: tokens are joined by one space, except none between
// two CJK tokens, none on either side of CJK punctuation (，。？！), none before , . ? ! ; : ) and
// none after (. An apostrophe between a word and s, t, re, ve, ll, d or m joins them
// (teacher ' s -> teacher's, isn ' t -> isn't); other quotes alternate between opening (no space
// after) and closing (no space before).
// detokenize(tokenize(s)) == s for lowercase, single-spaced text written this way, e.g.
// "我爱学习编程" and "i love learning programming"; a space before ? is not restored.
[[nodiscard]] std::string detokenize(const std::vector<std::string>& tokens);

// Character-level tokens: one per code point, whitespace as kSpaceToken. Throws FormatError
// "tokenize_chars: ..." for invalid UTF-8.
[[nodiscard]] std::vector<std::string> tokenize_chars(std::string_view s);

// Concatenates the tokens, turning kSpaceToken back into a space.
[[nodiscard]] std::string detokenize_chars(const std::vector<std::string>& tokens);

}  // namespace focus::text
