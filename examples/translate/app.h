// The translate program's parts: corpus loading (task or files, tokenised, vocabularies), the
// checkpoint format, training, evaluation and translation commands.
#pragma once

#include "model.h"

#include <focus/cli/args.h>
#include <focus/data/batching.h>
#include <focus/data/tasks.h>
#include <focus/text/vocab.h>

#include <string>
#include <vector>

namespace translate {

// Text as tokens: words (and single CJK characters) via text::tokenize, or characters for the
// character-level tasks (dates, reverse, copy), where a space becomes the token "▁".
std::vector<std::string> tokens_of(const std::string& text, bool char_level);
std::string text_of(const std::vector<std::string>& tokens, bool char_level);

struct Corpus {
  std::string name;  // task name or file names
  bool char_level = false;
  std::int64_t epochs = 6;  // default training length (data::Dataset::epochs)
  std::vector<data::Example> train, valid, test;
};

// From --task NAME or --train/--valid/--test files; throws UsageError when neither is given.
Corpus load_corpus(focus::cli::Args& args, bool need_train);
std::vector<data::TokenPair> encode_all(const std::vector<data::Example>& examples, const text::Vocab& src,
                                        const text::Vocab& tgt, bool char_level);

int train_command(focus::cli::Args& args);
int eval_command(focus::cli::Args& args);
int run_command(focus::cli::Args& args);

}  // namespace translate
