// translate's data: a built-in task (data/tasks.h) or files of pairs, as text and as token ids,
// and the tokenisation both sides share (words, or characters for the character-level tasks).
#pragma once

#include <focus/cli/args.h>
#include <focus/data/batching.h>
#include <focus/data/tasks.h>
#include <focus/text/vocab.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace translate {

using namespace focus;

// Text as tokens: words (and single CJK characters) via text::tokenize, or characters, where a
// space becomes the visible token "▁".
std::vector<std::string> tokens_of(const std::string& text, bool char_level);
std::string text_of(const std::vector<std::string>& tokens, bool char_level);

struct Corpus {
  std::string name;  // task name or the training (else test) file
  bool char_level = false;
  std::int64_t epochs = 6;  // default training length: the task's (or the recipe's) epochs
  std::string positions;    // the task's (or the recipe's) position scheme; "": translate's default
  std::int64_t layers = 0;  // the task's layers; 0: translate's default
  bool share_layers = false;
  std::vector<data::Example> train, valid, test;
};

// Declares --task, --train, --valid, --test, --data-seed, --length-cutoff (and --recipe when training) and loads
// the corpus; UsageError when neither a task nor files are given. Empty when args.help().
Corpus load_corpus(cli::Args& args, bool need_train);
// Source and target vocabularies of the training split.
std::pair<text::Vocab, text::Vocab> build_vocabs(const Corpus& corpus);
std::vector<data::TokenPair> encode_all(const std::vector<data::Example>& examples, const text::Vocab& src,
                                        const text::Vocab& tgt, bool char_level);

}  // namespace translate
