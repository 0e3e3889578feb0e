// Vocab: building from sentences, encoding and decoding, and the validated text form.
#include <focus/text/vocab.h>

#include <algorithm>
#include <array>
#include <map>

#include <focus/tensor/error.h>
#include <focus/text/utf8.h>

namespace focus::text {

namespace {

constexpr std::array<std::string_view, Vocab::kNumSpecial> kSpecials = {"<pad>", "<bos>", "<eos>", "<unk>"};
constexpr std::size_t kMaxTextBytes = 100'000'000;

// A token as error messages show it: quoted, control bytes and quotes escaped, at most 40 bytes.
std::string quoted(std::string_view token) {
  constexpr std::size_t kShown = 40;
  std::string out = "\"";
  std::size_t i = 0;
  while (i < token.size() && i < kShown) {
    const std::size_t length = std::max<std::size_t>(1, utf8_sequence_length(token, i));
    const auto c = static_cast<unsigned char>(token[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F || utf8_sequence_length(token, i) == 0) {
      out += "\\x" + hex_byte(c).substr(2);
    } else {
      out.append(token.substr(i, length));
    }
    i += length;
  }
  out += i < token.size() ? "\"..." : "\"";
  return out;
}

}  // namespace

Vocab::Vocab() {
  for (std::string_view special : kSpecials) add(std::string(special));
}

void Vocab::add(std::string token) {
  ids_.emplace(token, size());
  tokens_.push_back(std::move(token));
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& sentences, int min_freq) {
  if (min_freq < 1) throw ValueError("Vocab::build: min_freq must be at least 1; got " + std::to_string(min_freq));
  std::map<std::string, std::int64_t, std::less<>> counts;
  for (std::size_t s = 0; s < sentences.size(); ++s) {
    for (std::size_t t = 0; t < sentences[s].size(); ++t) {
      const std::string& token = sentences[s][t];
      const std::string where =
          "; got " + quoted(token) + " in sentence " + std::to_string(s) + ", position " + std::to_string(t);
      if (token.empty()) throw ValueError("Vocab::build: tokens must not be empty" + where);
      if (find_invalid_utf8(token) != std::string::npos) {
        throw ValueError("Vocab::build: tokens must be valid UTF-8" + where);
      }
      ++counts[token];
    }
  }
  std::vector<std::pair<std::string, std::int64_t>> kept;
  for (auto& [token, count] : counts) {
    const bool special = std::find(kSpecials.begin(), kSpecials.end(), token) != kSpecials.end();
    if (count >= min_freq && !special) kept.emplace_back(token, count);
  }
  // counts is already in byte order, so a stable sort by count keeps byte order among ties.
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Vocab vocab;
  for (auto& [token, count] : kept) vocab.add(std::move(token));
  return vocab;
}

bool Vocab::contains(std::string_view token) const { return ids_.find(token) != ids_.end(); }

std::int64_t Vocab::id(std::string_view token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocab::token(std::int64_t id) const {
  if (id < 0 || id >= size()) {
    throw IndexError("Vocab::token: id must be in [0, " + std::to_string(size()) + "); got " + std::to_string(id));
  }
  return tokens_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> Vocab::encode(const std::vector<std::string>& tokens, bool add_bos, bool add_eos) const {
  std::vector<std::int64_t> ids;
  ids.reserve(tokens.size() + 2);
  if (add_bos) ids.push_back(kBos);
  for (const std::string& t : tokens) ids.push_back(id(t));
  if (add_eos) ids.push_back(kEos);
  return ids;
}

std::vector<std::string> Vocab::decode(const std::vector<std::int64_t>& ids) const {
  std::vector<std::string> tokens;
  for (std::int64_t i : ids) {
    if (i == kEos) break;
    const std::string& t = token(i);  // bounds check first, so a bad id is reported even if it is skipped
    if (i == kPad || i == kBos) continue;
    tokens.push_back(t);
  }
  return tokens;
}

std::string Vocab::serialize() const {
  std::string out;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (i > 0) out += '\n';
    for (char c : tokens_[i]) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out += c;
      }
    }
  }
  return out;
}

Vocab Vocab::deserialize(std::string_view text, const std::string& source) {
  const std::string op = "Vocab::deserialize: " + source + ": ";
  const auto fail_at = [&](std::size_t line, const std::string& rule) -> void {
    throw FormatError(op + "line " + std::to_string(line) + ": " + rule);
  };
  if (text.size() > kMaxTextBytes) {
    throw FormatError(op + "a vocab must be at most " + std::to_string(kMaxTextBytes) + " bytes; got " +
                      std::to_string(text.size()));
  }
  if (const std::size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
    const auto line =
        1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    fail_at(line, "text must be valid UTF-8; got byte " + hex_byte(static_cast<unsigned char>(text[bad])) +
                      " at offset " + std::to_string(bad));
  }
  if (text.empty()) throw FormatError(op + "a vocab must hold at least the 4 special tokens; got an empty text");
  if (text.back() == '\n') text.remove_suffix(1);  // one final line feed, as an editor leaves it
  // One token a line: count them before building anything.
  const auto n_lines = 1 + static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n'));
  if (n_lines > kMaxSize) {
    throw FormatError(op + "a vocab holds at most " + std::to_string(kMaxSize) + " tokens; got " +
                      std::to_string(n_lines) + " lines");
  }

  Vocab vocab;
  vocab.tokens_.clear();
  vocab.ids_.clear();
  std::size_t line = 0, start = 0;
  while (start <= text.size()) {
    ++line;
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);

    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        token += raw[i];
        continue;
      }
      if (i + 1 == raw.size()) fail_at(line, "a backslash must start an escape; got one at the end of the line");
      const char next = raw[++i];
      if (next == '\\') {
        token += '\\';
      } else if (next == 'n') {
        token += '\n';
      } else if (next == 'r') {
        token += '\r';
      } else {
        const std::size_t length = std::max<std::size_t>(1, utf8_sequence_length(raw, i));
        fail_at(line, "escapes must be \\\\, \\n or \\r; got " +
                          quoted(std::string("\\") + std::string(raw.substr(i, length))));
      }
    }

    if (token.empty()) fail_at(line, "tokens must not be empty; got an empty line");
    const auto index = vocab.size();
    if (index < kNumSpecial && token != kSpecials[static_cast<std::size_t>(index)]) {
      fail_at(line, "the first four tokens must be <pad>, <bos>, <eos>, <unk> in that order; got " + quoted(token) +
                        " where " + std::string(kSpecials[static_cast<std::size_t>(index)]) + " belongs");
    }
    if (const auto it = vocab.ids_.find(token); it != vocab.ids_.end()) {
      fail_at(line, "tokens must be unique; got " + quoted(token) + " again (first on line " +
                        std::to_string(it->second + 1) + ")");
    }
    vocab.add(std::move(token));
  }
  if (vocab.size() < kNumSpecial) {
    throw FormatError(op + "a vocab must hold at least the 4 special tokens; got " + std::to_string(vocab.size()));
  }
  return vocab;
}

}  // namespace focus::text
