// translate eval (score a checkpoint on a task's test split or a test file) and translate run
// (translate sentences from the arguments or standard input).
#include "commands.h"

#include "corpus.h"
#include "decode.h"

#include <focus/tensor/threads.h>

#include <chrono>
#include <iostream>

namespace translate {

int eval_command(cli::Args& args) {
  const std::string load = args.get_string("load", "", "checkpoint written by train --save");
  const auto beam = args.get_int("beam", 1, "beam width (1: greedy)", 1, 64);
  const auto threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  const auto show_errors = args.get_int("show-errors", 0, "print this many wrong translations to stderr", 0);
  Corpus corpus = load_corpus(args, false);
  if (args.help()) {
    std::cout << args.usage("translate eval", "Score a saved model on a task's test split or a test file.") << "tasks:\n" << data::task_help();
    return 0;
  }
  args.finish();
  if (load.empty()) throw cli::UsageError("eval needs --load PATH");
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  if (corpus.test.empty()) throw FormatError("the test set is empty");
  const LoadedModel m = load_model(load);
  const auto t0 = std::chrono::steady_clock::now();
  const metrics::Scores scores = evaluate(*m.model, m.file, corpus.test, static_cast<int>(beam), show_errors);
  std::cout << metrics::format_record(scores, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) << std::endl;
  return 0;
}

int run_command(cli::Args& args) {
  const std::string load = args.get_string("load", "", "checkpoint written by train --save");
  const auto beam = args.get_int("beam", 1, "beam width (1: greedy)", 1, 64);
  const auto threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  if (args.help()) {
    std::cout << args.usage("translate run [SENTENCE ...]",
                            "Translate the sentences given, or one per line from standard input; prints one line each.");
    return 0;
  }
  args.finish();
  if (load.empty()) throw cli::UsageError("run needs --load PATH");
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  const LoadedModel m = load_model(load);
  const ModelFile& mf = m.file;
  std::vector<std::string> sentences = args.positional();
  if (sentences.empty())
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      sentences.push_back(line);
    }
  std::vector<std::vector<std::int64_t>> sources;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const auto tokens = tokens_of(sentences[i], mf.char_level);
    if (tokens.empty()) throw FormatError("sentence " + std::to_string(i + 1) + " is empty");
    for (const auto& t : tokens)
      if (!mf.src_vocab.contains(t)) throw FormatError("sentence " + std::to_string(i + 1) + ": unknown token '" + t + "'");
    if (static_cast<std::int64_t>(tokens.size()) > mf.config.max_len)
      throw FormatError("sentence " + std::to_string(i + 1) + " has " + std::to_string(tokens.size()) + " tokens; the model allows " +
                        std::to_string(mf.config.max_len));
    sources.push_back(mf.src_vocab.encode(tokens, false, false));
  }
  for (const auto& ids : translate_ids(*m.model, sources, static_cast<int>(beam), mf.config.max_len))
    std::cout << text_of(mf.tgt_vocab.decode(ids), mf.char_level) << "\n";
  return 0;
}

}  // namespace translate
