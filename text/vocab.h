// Vocab: the two-way map between tokens and the integer ids a model embeds. Ids 0-3 are the
// special tokens every sequence model here needs: <pad> fills batches to one length, <bos> starts
// a decoder input, <eos> ends a sentence, <unk> stands for any token the vocab lacks.
// A vocab is saved as text (serialize) inside a checkpoint's safetensors metadata, and read back
// with full validation (deserialize), since the text comes from a file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace focus::text {

class Vocab {
 public:
  static constexpr std::int64_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3;
  static constexpr std::int64_t kNumSpecial = 4;
  // The most tokens deserialize accepts.
  static constexpr std::int64_t kMaxSize = 1'000'000;

  // The four special tokens and nothing else.
  Vocab();

  // The specials, then every token seen at least min_freq times, most frequent first, ties in
  // ascending byte order, so the same sentences always give the same ids. Specials appearing in
  // the sentences are not added twice. Throws ValueError for min_freq < 1, an empty token or a
  // token that is not valid UTF-8 (naming the sentence and position).
  [[nodiscard]] static Vocab build(const std::vector<std::vector<std::string>>& sentences, int min_freq = 1);

  [[nodiscard]] std::int64_t size() const { return static_cast<std::int64_t>(tokens_.size()); }
  [[nodiscard]] bool contains(std::string_view token) const;
  // The id of token, or kUnk if the vocab lacks it.
  [[nodiscard]] std::int64_t id(std::string_view token) const;
  // The token of id; throws IndexError "Vocab::token: id must be in [0, 57); got 60".
  [[nodiscard]] const std::string& token(std::int64_t id) const;
  [[nodiscard]] const std::vector<std::string>& tokens() const { return tokens_; }

  // Ids of tokens (unknown ones as kUnk), optionally framed by <bos> ... <eos>.
  [[nodiscard]] std::vector<std::int64_t> encode(const std::vector<std::string>& tokens, bool add_bos = false,
                                                 bool add_eos = false) const;
  // Tokens of ids up to the first <eos> (excluded), leaving out <pad> and <bos>; <unk> stays as
  // "<unk>". Throws IndexError for an id outside the vocab.
  [[nodiscard]] std::vector<std::string> decode(const std::vector<std::int64_t>& ids) const;

  // The tokens in id order, one per line ('\n' between them, none after the last). Inside a
  // token a backslash is written "\\", a line feed "\n" and a carriage return "\r", so every
  // line holds exactly one token.
  [[nodiscard]] std::string serialize() const;

  // The vocab serialize wrote. Throws FormatError "Vocab::deserialize: <source>: line 7: <rule>;
  // got ..." unless: the text is valid UTF-8; every escape is \\, \n or \r; no token is empty;
  // the first four are <pad>, <bos>, <eos>, <unk> in that order; no token appears twice; there
  // are at most kMaxSize tokens. A CR before a line feed (CRLF) and one final line feed are
  // accepted. Never reads out of bounds, whatever the bytes.
  [[nodiscard]] static Vocab deserialize(std::string_view text, const std::string& source);

 private:
  // Appends a token the caller has checked is new.
  void add(std::string token);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> ids_;
};

}  // namespace focus::text
