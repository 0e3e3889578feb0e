// Reading the text, drawing windows and scoring (see corpus.h).
#include "corpus.h"

#include <focus/cli/args.h>
#include <focus/text/utf8.h>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace focus;

namespace char_lm {

std::string Corpus::alphabet() const {
  std::string s;
  for (const auto& ch : chars) s += ch;
  return s;
}

std::vector<std::int64_t> Corpus::encode(const std::string& text, const std::string& what) const {
  std::vector<std::int64_t> out;
  for (const std::string& ch : characters(text, what)) {
    const auto it = ids.find(ch);
    if (it == ids.end()) throw cli::UsageError(what + " has a character the text never uses: '" + ch + "'");
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> characters(const std::string& s, const std::string& what) {
  if (const auto at = text::find_invalid_utf8(s); at != std::string::npos)
    throw FormatError(what + " is not valid UTF-8; got byte " + text::hex_byte(s[at]) + " at offset " + std::to_string(at));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); i += out.back().size()) out.push_back(s.substr(i, text::utf8_sequence_length(s, i)));
  return out;
}

Corpus read_corpus(const std::string& path, double valid_fraction) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::vector<std::string> pieces = characters(buffer.str(), path);
  Corpus c;
  for (const auto& p : pieces) c.ids.emplace(p, 0);
  for (auto& [ch, id] : c.ids) id = static_cast<std::int64_t>(c.chars.size()), c.chars.push_back(ch);
  const auto every = std::max<std::size_t>(2, static_cast<std::size_t>(std::lround(1 / valid_fraction)));
  for (std::size_t i = 0; i < pieces.size(); ++i) (i / 1000 % every == every - 1 ? c.valid : c.train).push_back(c.ids[pieces[i]]);
  return c;
}

double unigram_bpc(const Corpus& c) {
  std::vector<double> counts(c.chars.size(), 1.0);
  for (auto id : c.train) counts[id] += 1;
  const double total = static_cast<double>(c.train.size() + c.chars.size());
  double bits = 0;
  for (auto id : c.valid) bits -= std::log2(counts[id] / total);
  return bits / static_cast<double>(c.valid.size());
}

double evaluate_bpc(nn::GPT& model, const std::vector<std::int64_t>& ids) {
  NoGradGuard no_grad;
  model.eval();
  const std::int64_t T = model.config().block_size, V = model.config().vocab_size;
  double nats = 0;
  std::int64_t count = 0;
  for (std::size_t start = 0; start + 1 < ids.size(); start += T) {
    const std::int64_t len = std::min<std::int64_t>(T, static_cast<std::int64_t>(ids.size() - start) - 1);
    const Tensor x = tensor(std::vector<std::int64_t>(ids.begin() + start, ids.begin() + start + len), {1, len});
    const Tensor y = tensor(std::vector<std::int64_t>(ids.begin() + start + 1, ids.begin() + start + 1 + len));
    nats += cross_entropy(model.forward(x).reshape({len, V}), y, {.reduction = Reduction::Sum}).item<double>();
    count += len;
  }
  model.train();
  return nats / static_cast<double>(count) / std::log(2.0);
}

Windows draw_windows(const std::vector<std::int64_t>& ids, std::int64_t B, std::int64_t T, Generator& gen) {
  if (static_cast<std::int64_t>(ids.size()) < T + 1) throw ValueError("the training text is shorter than --context + 1");
  Windows w{std::vector<std::int64_t>(B * T), std::vector<std::int64_t>(B * T)};
  for (std::int64_t b = 0; b < B; ++b) {  // window b: characters start .. start + T, shifted by one for y
    const auto start = static_cast<std::int64_t>(gen.below(ids.size() - T));
    std::copy(ids.begin() + start, ids.begin() + start + T, w.x.begin() + b * T);
    std::copy(ids.begin() + start + 1, ids.begin() + start + T + 1, w.y.begin() + b * T);
  }
  return w;
}

}  // namespace char_lm
