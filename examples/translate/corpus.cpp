// Loading and tokenising translate's data (see corpus.h).
#include "corpus.h"

#include <focus/tensor/error.h>
#include <focus/text/tokenize.h>

#include <iostream>

namespace translate {

namespace {
const std::string kSpace = "\xe2\x96\x81";  // "▁": a visible space for character-level tasks
}  // namespace

std::vector<std::string> tokens_of(const std::string& text, bool char_level) {
  if (!char_level) return text::tokenize(text);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = 1;  // bytes in this UTF-8 character
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    if (i + n > text.size()) throw FormatError("invalid UTF-8 in '" + text + "'");
    const std::string ch = text.substr(i, n);
    out.push_back(ch == " " ? kSpace : ch);
    i += n;
  }
  return out;
}

std::string text_of(const std::vector<std::string>& tokens, bool char_level) {
  if (!char_level) return text::detokenize(tokens);
  std::string s;
  for (const auto& t : tokens) s += t == kSpace ? " " : t;
  return s;
}

Corpus load_corpus(cli::Args& args, bool need_train) {
  const std::string task = args.get_string("task", "", "built-in task (below)");
  const std::string train_file = need_train ? args.get_string("train", "", "training file (source<TAB>target, or SCAN lines)") : "";
  const std::string valid_file = need_train ? args.get_string("valid", "", "validation file (optional)") : "";
  const std::string test_file = args.get_string("test", "", "test file");
  const std::string recipe = need_train ? args.get_string("recipe", "", "for files: train with this task's recipe (default: "
                                                                        "detected from the format, SCAN's files take scan's)") : "";
  const auto data_seed = args.get_int("data-seed", 1, "seed of the generated task data", 0);
  const auto cutoff = args.get_int("length-cutoff", 22, "scan-length: train on outputs of at most N actions, test on longer", 1);
  if (args.help()) return {};
  Corpus c;
  if (!task.empty()) {
    if (!train_file.empty() || !test_file.empty()) throw cli::UsageError("give --task or data files, not both");
    if (!recipe.empty()) throw cli::UsageError("--recipe is for data files; --task " + task + " has its own");
    data::TaskOptions options;
    if (args.has("length-cutoff")) options.length_cutoff = cutoff;
    data::Dataset d;
    try {
      d = data::make_task(task, static_cast<std::uint64_t>(data_seed), options);
    } catch (const ValueError& e) {  // a cutoff out of range or for another task: usage (an unknown task stays 1)
      if (!args.has("length-cutoff")) throw;
      throw cli::UsageError(e.what());
    }
    // The task's own name, also when an alias was given; another split of it is another task.
    c.name = cutoff == 22 ? d.name : d.name + ":" + std::to_string(cutoff);
    c.char_level = d.char_level;
    c.epochs = d.epochs;
    c.positions = d.positions;
    c.layers = d.layers;
    c.share_layers = d.share_layers;
    c.train = std::move(d.train);
    c.valid = std::move(d.valid);
    c.test = std::move(d.test);
    return c;
  }
  if (need_train && train_file.empty()) throw cli::UsageError("train needs --task NAME or --train FILE --test FILE");
  if (test_file.empty()) throw cli::UsageError("needs --task NAME or --test FILE");
  data::ExampleFormat format = data::ExampleFormat::kTsv;
  if (need_train) {
    data::ExampleFile f = data::read_examples_with_format(train_file);
    c.train = std::move(f.examples);
    format = f.format;
  }
  if (!valid_file.empty()) c.valid = data::read_examples(valid_file);
  c.test = data::read_examples(test_file);
  c.name = need_train ? train_file : test_file;
  if (need_train) {
    // The recipe: named, or the one the file's format implies (SCAN's files: scan's 40 epochs).
    const data::TaskInfo* info = recipe.empty() ? data::recipe_for_format(format) : data::find_task(recipe);
    if (info) {
      c.epochs = info->epochs;
      c.positions = info->positions;
      c.layers = info->layers;
      c.share_layers = info->share_layers;
      c.char_level = info->char_level;
      std::cerr << "recipe: " << info->name << " (" << info->epochs << " epochs" << (recipe.empty() ? ", detected from the file format" : "")
                << ")\n";
    }
  }
  return c;
}

std::pair<text::Vocab, text::Vocab> build_vocabs(const Corpus& corpus) {
  std::vector<std::vector<std::string>> src_sents, tgt_sents;
  for (const auto& e : corpus.train) {
    src_sents.push_back(tokens_of(e.source, corpus.char_level));
    tgt_sents.push_back(tokens_of(e.target, corpus.char_level));
  }
  return {text::Vocab::build(src_sents), text::Vocab::build(tgt_sents)};
}

std::vector<data::TokenPair> encode_all(const std::vector<data::Example>& examples, const text::Vocab& src,
                                        const text::Vocab& tgt, bool char_level) {
  std::vector<data::TokenPair> out;
  out.reserve(examples.size());
  for (const auto& e : examples)
    out.push_back({src.encode(tokens_of(e.source, char_level), false, false), tgt.encode(tokens_of(e.target, char_level), false, false)});
  return out;
}

}  // namespace translate
