// Using a trained translator: decoding token ids (greedy or beam search, with the cached
// decoder), scoring a test set, and the decoder's cross-attention for pictures and the report.
#pragma once

#include "checkpoint.h"

#include <focus/data/tasks.h>
#include <focus/metrics/metrics.h>
#include <focus/train/report.h>

#include <vector>

namespace translate {

// Translates token-id sources in batches of similar length; returns target token ids.
std::vector<std::vector<std::int64_t>> translate_ids(const Translator& model, const std::vector<std::vector<std::int64_t>>& sources,
                                                     int beam, std::int64_t max_out);

// Scores the model on test; the first show_errors wrong translations go to stderr (source,
// reference, output), so a user sees what kind of mistake the model makes. With samples, the
// first examples' translations are also returned as report samples.
metrics::Scores evaluate(const Translator& model, const ModelFile& mf, const std::vector<data::Example>& test, int beam,
                         std::int64_t show_errors = 0, std::vector<train::Sample>* samples = nullptr, std::size_t n_samples = 0);

// The cross-attention of each decoder layer and head while the model translates source (its
// own output as the target): rows are output tokens (and <eos>), columns source tokens.
std::vector<train::AttentionMap> cross_attention(const Translator& model, const ModelFile& mf, const std::string& source);

// Mean token cross-entropy (no label smoothing) over pairs, in batches of similar length; dropout off.
double valid_loss(Translator& model, const std::vector<data::TokenPair>& pairs, const CrossEntropyOptions& ce);

// Up to 4 test sources to draw: the seed article's sentence when the test split has it, then
// sources spread over the split.
std::vector<std::string> attention_sources(const std::vector<data::Example>& test);

// For each of attention_sources(test): dir/attention_<i>.svg and .csv (plot_attention).
void write_attention_plots(const Translator& model, const ModelFile& mf, const std::vector<data::Example>& test,
                           const std::string& dir, int layer, int head);

// Writes path_stem.svg and .csv: the map of one layer (-1: the last) and head (-1: the mean over heads).
void plot_attention(const Translator& model, const ModelFile& mf, const std::string& source, const std::string& path_stem,
                    int layer, int head);

}  // namespace translate
