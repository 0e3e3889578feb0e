// UTF-8 decoding and the character classes the tokeniser needs. Well-formed means RFC 3629: no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no stray continuation
// bytes. These helpers never throw; callers turn a bad offset into their own error message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace focus::text {

// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 if none starts there.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Offset of the first byte that does not start a well-formed sequence, or npos if s is valid.
[[nodiscard]] std::size_t find_invalid_utf8(std::string_view s);

// The code point of the well-formed sequence s[i, i + length) (length from utf8_sequence_length).
[[nodiscard]] char32_t decode_utf8(std::string_view s, std::size_t i, std::size_t length);

// Appends the UTF-8 bytes of cp (a valid scalar value) to out.
void append_utf8(std::string& out, char32_t cp);

// Characters written without spaces between them and tokenised one per token: Han ideographs
// (CJK Unified Ideographs and extensions, compatibility ideographs), kana, CJK symbols and
// punctuation (。、「」), full-width forms (，！？：；（）). U+3000 IDEOGRAPHIC SPACE is whitespace.
[[nodiscard]] bool is_cjk(char32_t cp);

// CJK punctuation and full-width symbols: never separated from a neighbour by a space.
[[nodiscard]] bool is_cjk_punctuation(char32_t cp);

// ASCII whitespace, NO-BREAK SPACE and IDEOGRAPHIC SPACE.
[[nodiscard]] bool is_space(char32_t cp);

// "0xff": how error messages name a byte.
[[nodiscard]] std::string hex_byte(unsigned char byte);

}  // namespace focus::text
