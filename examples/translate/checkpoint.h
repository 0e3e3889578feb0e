// translate's checkpoint: one self-contained safetensors file. Tensors: the model's state
// ("model.<name>"), the optimizer's ("optim.*") and the schedule's ("lr_scheduler.*").
// Metadata: the model settings ("model.*"), both vocabularies, the tokenisation, the task, and
// the training position (step, epoch, batch, the data-order and dropout generators) that
// --resume needs to continue exactly where the run stopped.
#pragma once

#include "model.h"

#include <focus/io/safetensors.h>
#include <focus/optim/adam.h>
#include <focus/optim/schedule.h>
#include <focus/text/vocab.h>

namespace translate {

using io::TensorFile;

struct TrainState {
  std::int64_t step = 0, epoch = 0, batch_in_epoch = 0, total_steps = 0;
  Generator::State epoch_rng;  // the data generator at the start of the current epoch
};

struct Checkpoint {
  ModelConfig config;
  text::Vocab src_vocab, tgt_vocab;
  bool char_level = false;
  std::string task;
  std::int64_t total_steps = 0;

  // Reads settings and vocabularies; FormatError naming the file when anything is missing or bad.
  static Checkpoint from_file(const TensorFile& file, const std::string& path);
  void load_weights(const TensorFile& file, Translator& model) const;
  // Weights plus optimizer, schedule, generators and position.
  void restore(const TensorFile& file, Translator& model, optim::Optimizer& opt, optim::LRScheduler& schedule,
               Generator& data_gen, TrainState& st) const;
  void save(const std::string& path, const Translator& model, const optim::Optimizer& opt,
            const optim::LRScheduler& schedule, const Generator& data_gen, const TrainState& st) const;
};

}  // namespace translate
