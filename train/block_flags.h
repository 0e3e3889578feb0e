// The Transformer block's choices (nn/transformer_block.h) as every training program offers them:
// --positions NAME, --attention full|local:W|linformer:K, --norm NAME, --norm-first 0|1. Declared
// with the program's defaults, checked (a UsageError naming flag and value: exit 2), and recorded
// in the checkpoint as run options, so --resume, eval and run rebuild the same block.
#pragma once

#include <focus/cli/args.h>
#include <focus/nn/attention.h>
#include <focus/train/state.h>

#include <cstdint>
#include <memory>
#include <string>

namespace focus::train {

struct BlockFlags {
  std::string positions = "none";
  std::string attention = "full";
  std::string norm = "layer";
  std::int64_t norm_first = 0;

  // Reads the four flags with these defaults (the program's).
  static BlockFlags declare(cli::Args& args, const BlockFlags& defaults);
  // UsageError "--attention local:0: expected full, local:W or linformer:K with W, K >= 1" and
  // "--positions spiral: unknown (known: none, sinusoidal, ...)".
  void validate() const;
  nn::AttentionSpec attention_spec() const { return nn::AttentionSpec::parse(attention); }
  // Adds the four to options; a checkpoint written before they existed reads as older_files.
  void record(RunOptions& options, const BlockFlags& older_files);
  // UsageError "--norm rms contradicts the checkpoint X, trained with --norm layer" for a flag
  // given again on --resume that differs from the checkpoint's.
  void check_resumed(const BlockFlags& saved, const cli::Args& args, const std::string& path) const;

  // Between the flags and any config with the four fields (nn::TransformerOptions, nn::GPTConfig,
  // a program's model config): positions, norm, attention (an AttentionSpec), norm_first.
  template <class Config>
  static BlockFlags of(const Config& c) {
    return {c.positions, c.attention.str(), c.norm, c.norm_first ? 1 : 0};
  }
  template <class Config>
  void apply(Config& c) const {  // validates first
    validate();
    c.positions = positions, c.norm = norm, c.attention = attention_spec(), c.norm_first = norm_first == 1;
  }
};

// The model made from flags, a ValueError from its constructor (rope with an odd head dim) turned
// into the UsageError a program reports with exit 2.
template <class Model, class... Args>
std::unique_ptr<Model> make_model(Args&&... args) {
  try {
    return std::make_unique<Model>(std::forward<Args>(args)...);
  } catch (const ValueError& e) {
    throw cli::UsageError(e.what());
  }
}

}  // namespace focus::train
