// char_lm's data: a UTF-8 text as ids of its characters, split into training and validation
// parts, the random windows a batch is made of, and the scores (bits per character).
#pragma once

#include <focus/focus.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace char_lm {

struct Corpus {
  std::vector<std::string> chars;  // id -> character, in code-point order
  std::map<std::string, std::int64_t> ids;
  std::vector<std::int64_t> train, valid;
  std::string alphabet() const;  // the characters in id order: what a checkpoint's ids mean
  // The ids of text's characters; UsageError "<what> has a character the text never uses: 'x'".
  std::vector<std::int64_t> encode(const std::string& text, const std::string& what) const;
};

// The characters of s, one string each; what names s in the error for invalid UTF-8.
std::vector<std::string> characters(const std::string& s, const std::string& what);
// Validation: one chunk of 1,000 characters in every round(1 / valid_fraction), so it samples the
// whole text (a licence's last part, say, reads unlike the rest).
Corpus read_corpus(const std::string& path, double valid_fraction);
// Bits per character of valid under the training part's character frequencies (add-one smoothed).
double unigram_bpc(const Corpus& c);
// Mean cross-entropy in bits per character over ids cut into windows of the model's block size
// (each character predicted from those before it in its window); dropout off.
double evaluate_bpc(focus::nn::GPT& model, const std::vector<std::int64_t>& ids);

// B random windows of T + 1 characters of ids drawn from gen: x the first T of each, y the last T.
struct Windows {
  std::vector<std::int64_t> x, y;
};
Windows draw_windows(const std::vector<std::int64_t>& ids, std::int64_t B, std::int64_t T, focus::Generator& gen);

}  // namespace char_lm
