// translate's part of a checkpoint, beside the kit's training state (train/state.h): the model's
// settings ("model.*"), both vocabularies ("vocab.src", "vocab.tgt") and the tokenisation
// ("text.char_level"). Checkpoints written before the kit use the same keys and still load.
#pragma once

#include "model.h"

#include <focus/cli/args.h>
#include <focus/text/vocab.h>
#include <focus/train/state.h>

namespace translate {

struct ModelFile {
  ModelConfig config;
  text::Vocab src_vocab, tgt_vocab;
  bool char_level = false;
  std::string task;  // the task or training file it was trained on

  // Reads and checks settings and vocabularies; FormatError naming the file when anything is missing or bad.
  static ModelFile from(const train::SavedRun& saved);
  void record(io::Metadata& metadata) const;
};

// For eval and run: the checkpoint's model with its weights, in eval mode.
struct LoadedModel {
  ModelFile file;
  std::unique_ptr<Translator> model;
};
LoadedModel load_model(const std::string& path);

// For --resume: UsageError "--heads 4 contradicts the checkpoint X, trained with --heads 2" for a
// shape flag (--d-model, --heads, --layers, --ff, --share-layers) given again with another value.
void check_resumed_shape(const ModelConfig& given, const ModelConfig& saved, const cli::Args& args, const std::string& path);

}  // namespace translate
