// Decoding, scoring and attention maps (see decode.h).
#include "decode.h"

#include "corpus.h"

#include <focus/io/atomic_file.h>
#include <focus/plot/heatmap.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

namespace translate {

std::vector<std::vector<std::int64_t>> translate_ids(const Translator& model, const std::vector<std::vector<std::int64_t>>& sources,
                                                     int beam, std::int64_t max_out) {
  NoGradGuard ng;
  std::vector<std::vector<std::int64_t>> out(sources.size());
  std::vector<std::size_t> order(sources.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return sources[a].size() < sources[b].size(); });
  const std::size_t per_batch = beam > 1 ? 32 : 128;
  for (std::size_t start = 0; start < order.size(); start += per_batch) {
    std::vector<data::TokenPair> pairs;
    std::vector<std::int64_t> idx;
    const std::size_t end = std::min(order.size(), start + per_batch);
    for (std::size_t i = start; i < end; ++i)
      for (int b = 0; b < beam; ++b) {  // each source beam times in a row, as beam_search expects
        idx.push_back(static_cast<std::int64_t>(pairs.size()));
        pairs.push_back({sources[order[i]], {}});
      }
    const data::Batch batch = data::collate(pairs, idx, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
    CachedDecoder decoder(model, model.encode(batch.src, batch.src_lengths), batch.src_lengths);
    // The model's own length limit, not a multiple of the source length: SCAN turns 9 words into
    // 48 actions, and a cap of 2 * source + 10 cut those outputs short.
    const nn::DecodeOptions opt{.bos = text::Vocab::kBos, .eos = text::Vocab::kEos, .max_len = max_out, .beam = beam};
    const auto rows = static_cast<std::int64_t>(end - start);
    const auto hyps = beam > 1 ? nn::beam_search(decoder, rows, opt) : nn::greedy_decode(decoder, rows, opt);
    for (std::int64_t r = 0; r < rows; ++r) out[order[start + r]] = hyps[r];
  }
  return out;
}

metrics::Scores evaluate(const Translator& model, const ModelFile& mf, const std::vector<data::Example>& test, int beam,
                         std::int64_t show_errors, std::vector<train::Sample>* samples, std::size_t n_samples) {
  std::vector<std::vector<std::int64_t>> sources;
  std::vector<std::vector<std::string>> refs, hyps;
  for (const auto& e : test) {
    sources.push_back(mf.src_vocab.encode(tokens_of(e.source, mf.char_level), false, false));
    refs.push_back(tokens_of(e.target, mf.char_level));
  }
  for (const auto& ids : translate_ids(model, sources, beam, model.config().max_len)) hyps.push_back(mf.tgt_vocab.decode(ids));
  std::int64_t shown = 0;
  for (std::size_t i = 0; i < hyps.size() && shown < show_errors; ++i) {
    if (hyps[i] == refs[i]) continue;
    std::cerr << "error " << ++shown << ": " << test[i].source << "\n  expected: " << text_of(refs[i], mf.char_level)
              << "\n  got:      " << text_of(hyps[i], mf.char_level) << "\n";
  }
  for (std::size_t i = 0; samples && i < std::min(n_samples, test.size()); ++i)
    samples->push_back({test[i].source, test[i].target, text_of(hyps[i], mf.char_level)});
  return metrics::score(hyps, refs);
}

std::vector<train::AttentionMap> cross_attention(const Translator& model, const ModelFile& mf, const std::string& source) {
  NoGradGuard ng;
  const auto src_tokens = tokens_of(source, mf.char_level);
  const auto src_ids = mf.src_vocab.encode(src_tokens, false, false);
  const auto out_ids = translate_ids(model, {src_ids}, 1, model.config().max_len)[0];
  const data::Batch b = data::collate({{src_ids, out_ids}}, {0}, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
  auto& layers = *model.transformer->decoder->layers;
  for (auto& layer : layers) layer->multihead_attn->store_attention_weights = true;
  (void)model.decode(b.tgt_in, b.tgt_lengths, model.encode(b.src, b.src_lengths), b.src_lengths);
  const std::string caption = source + "  ->  " + text_of(mf.tgt_vocab.decode(out_ids), mf.char_level);
  std::vector<std::string> rows;  // one per decoder position, special tokens included: an untrained model emits them
  for (const auto id : out_ids) rows.push_back(mf.tgt_vocab.token(id));
  rows.push_back("<eos>");
  std::vector<train::AttentionMap> maps;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    auto& attn = *layers[l]->multihead_attn;
    attn.store_attention_weights = false;
    const Tensor w = attn.last_attention_weights.select(0, 0).to(kFloat64).contiguous();  // [H, T, S]
    const auto flat = w.to_vector<double>();
    const std::int64_t T = w.size(1), S = w.size(2);
    for (std::int64_t h = 0; h < w.size(0); ++h) {
      train::AttentionMap m{"decoder layer " + std::to_string(l + 1) + ", head " + std::to_string(h + 1) + " (cross-attention)",
                            caption, src_tokens, rows, {}};
      for (std::int64_t r = 0; r < T; ++r)
        m.weights.emplace_back(flat.begin() + (h * T + r) * S, flat.begin() + (h * T + r + 1) * S);
      maps.push_back(std::move(m));
    }
  }
  return maps;
}

void plot_attention(const Translator& model, const ModelFile& mf, const std::string& source, const std::string& path_stem,
                    int layer, int head) {
  const auto maps = cross_attention(model, mf, source);
  const int layers = static_cast<int>(model.transformer->decoder->layers->size());
  const int heads = static_cast<int>(maps.size()) / layers;
  const int li = layer < 0 ? layers - 1 : layer;
  if (li >= layers) throw cli::UsageError("--plot-layer must be below " + std::to_string(layers));
  if (head >= heads) throw cli::UsageError("--plot-head must be below " + std::to_string(heads));
  std::vector<std::vector<double>> values = maps[li * heads + std::max(head, 0)].weights;
  if (head < 0) {  // the mean over heads
    for (int h = 1; h < heads; ++h)
      for (std::size_t r = 0; r < values.size(); ++r)
        for (std::size_t c = 0; c < values[r].size(); ++c) values[r][c] += maps[li * heads + h].weights[r][c];
    for (auto& row : values)
      for (auto& v : row) v /= heads;
  }
  const auto& m = maps[li * heads];
  io::write_file_atomic(path_stem + ".svg", plot::heatmap_svg(values, m.columns, m.rows, m.caption));
  io::write_file_atomic(path_stem + ".csv", plot::matrix_csv(values, m.columns, m.rows));
}

double valid_loss(Translator& model, const std::vector<data::TokenPair>& pairs, const CrossEntropyOptions& ce) {
  if (pairs.empty()) return std::nan("");
  NoGradGuard ng;
  model.eval();
  Generator g(0);
  double sum = 0;
  std::int64_t tokens = 0;
  CrossEntropyOptions sum_ce = ce;
  sum_ce.reduction = Reduction::Sum;
  sum_ce.label_smoothing = 0;
  for (const auto& idx : data::length_batches(pairs, 128, g)) {
    const data::Batch b = data::collate(pairs, idx, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
    sum += cross_entropy(model.forward(b).reshape({-1, model.config().tgt_vocab}), b.tgt_out.reshape({-1}), sum_ce).item<double>();
    tokens += b.target_tokens;
  }
  model.train();
  return sum / static_cast<double>(tokens);
}

std::vector<std::string> attention_sources(const std::vector<data::Example>& test) {
  std::vector<std::string> picks;
  for (const auto& e : test)
    if (e.source == "我爱学习编程") picks.push_back(e.source);
  for (std::size_t i = 0; i < test.size() && picks.size() < 4; i += std::max<std::size_t>(1, test.size() / 3))
    if (std::find(picks.begin(), picks.end(), test[i].source) == picks.end()) picks.push_back(test[i].source);
  return picks;
}

void write_attention_plots(const Translator& model, const ModelFile& mf, const std::vector<data::Example>& test,
                           const std::string& dir, int layer, int head) {
  const auto picks = attention_sources(test);
  for (std::size_t i = 0; i < picks.size(); ++i)
    plot_attention(model, mf, picks[i], dir + "/attention_" + std::to_string(i), layer, head);
  std::cerr << "wrote " << picks.size() << " attention maps and loss.svg to " << dir << "\n";
}

}  // namespace translate
