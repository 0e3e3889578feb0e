// translate train, the recipe: length-bucketed batches, label-smoothed cross-entropy, Adam with
// warm-up and cosine decay; the training kit (train/) runs the loop, saves and resumes the whole
// state (weights, Adam, schedule, data order, dropout generator), logs metrics and writes the
// report. Then the test split is decoded and scored: one key=value record on stdout.
#include "commands.h"

#include "checkpoint.h"
#include "corpus.h"
#include "decode.h"

#include <focus/distributed/data_parallel.h>
#include <focus/train/block_flags.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>

#include <chrono>
#include <iostream>
#include <optional>

namespace translate {

int train_command(cli::Args& args) {
  Corpus corpus = load_corpus(args, true);
  ModelConfig mc;
  if (!corpus.positions.empty()) mc.positions = corpus.positions;  // the task's recipe, as its epochs
  mc.d_model = args.get_int("d-model", 128, "model width", 8, 4096);
  mc.heads = args.get_int("heads", 4, "attention heads", 1, 64);
  mc.layers = args.get_int("layers", corpus.layers > 0 ? corpus.layers : 2, "encoder layers (and as many decoder layers)", 1, 24);
  mc.ff = args.get_int("ff", 512, "feed-forward width", 8, 65536);
  mc.share_layers = args.get_int("share-layers", corpus.share_layers ? 1 : 0,
                                 "1: each stack applies one layer --layers times (a Universal Transformer)", 0, 1) == 1;
  mc.dropout = args.get_double("dropout", 0.1, "dropout");
  const train::BlockFlags block = train::BlockFlags::declare(args, train::BlockFlags::of(mc));
  const auto batch_size = args.get_int("batch", 64, "sentences per batch", 1, 65536);
  auto flags = train::CommonFlags::declare(
      args, {.steps = 0, .min_steps = 0, .epochs = 0, .lr = 1e-3, .warmup = 200, .final_lr_fraction = 0.05, .seed = 1,
             .steps_help = "training steps (0: from --epochs, else the task's recipe (tasks below), at least 500)"});
  const double smoothing = args.get_double("label-smoothing", 0.1, "label smoothing");
  const auto plot_layer = args.get_int("plot-layer", -1, "decoder layer whose cross-attention is drawn (-1: last)", -1);
  const auto plot_head = args.get_int("plot-head", -1, "head drawn (-1: average over heads)", -1);
  const auto beam = args.get_int("beam", 1, "beam width for the final evaluation (1: greedy)", 1, 64);
  if (args.help()) {
    std::cout << args.usage("translate train", "Train a Transformer translator, then score it on the test split.") << "tasks:\n" << data::task_help();
    return 0;
  }
  args.finish();
  if (!(mc.dropout >= 0 && mc.dropout < 1)) throw cli::UsageError("--dropout must be in [0, 1)");
  if (mc.d_model % mc.heads != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  block.apply(mc);
  if (!(smoothing >= 0 && smoothing < 1)) throw cli::UsageError("--label-smoothing must be in [0, 1)");
  flags.validate();
  if (corpus.train.empty()) throw FormatError("the training set is empty");
  if (corpus.test.empty()) throw FormatError("the test set is empty");
  flags.apply();
  distributed::Communicator& comm = distributed::world();  // alone: rank 0 of 1

  // Vocabularies from the training data, or from the checkpoint being resumed (which defines the
  // model: a model flag given again must agree with it).
  ModelFile mf;
  std::optional<train::SavedRun> saved;
  if (!flags.resume.empty()) {
    saved = train::SavedRun::open(flags.resume, "translate");
    saved->check_task(corpus.name);
    mf = ModelFile::from(*saved);
    check_resumed_shape(mc, mf.config, args, flags.resume);
    block.check_resumed(train::BlockFlags::of(mf.config), args, flags.resume);
    mf.config.dropout = mc.dropout;
    mc = mf.config;
  } else {
    std::tie(mf.src_vocab, mf.tgt_vocab) = build_vocabs(corpus);
    mf.char_level = corpus.char_level;
  }
  mf.task = corpus.name;
  const auto train = encode_all(corpus.train, mf.src_vocab, mf.tgt_vocab, mf.char_level);
  const auto valid = encode_all(std::vector<data::Example>(corpus.valid.begin(), corpus.valid.begin() + std::min<std::size_t>(512, corpus.valid.size())),
                                mf.src_vocab, mf.tgt_vocab, mf.char_level);
  if (!saved) {
    std::int64_t longest = 0;
    for (const auto& p : train) longest = std::max<std::int64_t>({longest, std::int64_t(p.src.size()), std::int64_t(p.tgt.size())});
    for (const auto& e : corpus.test) longest = std::max<std::int64_t>(longest, tokens_of(e.source, mf.char_level).size());
    mc.src_vocab = mf.src_vocab.size();
    mc.tgt_vocab = mf.tgt_vocab.size();
    mc.max_len = std::max<std::int64_t>(64, 2 * longest + 16);
    mf.config = mc;
  }
  const std::int64_t batches_per_epoch = (static_cast<std::int64_t>(train.size()) + batch_size - 1) / batch_size;
  std::int64_t total = flags.steps > 0 ? flags.steps : std::max<std::int64_t>(500, (flags.epochs > 0 ? flags.epochs : corpus.epochs) * batches_per_epoch);
  if (saved) total = std::max(total, saved->integer("train.total_steps"));

  const std::unique_ptr<Translator> made = train::make_model<Translator>(mc);
  Translator& model = *made;
  optim::Adam opt(model.named_parameters(), {.lr = flags.lr, .betas = {0.9, 0.98}, .eps = 1e-9});
  optim::LambdaLR schedule(opt, train::schedule_from(flags, total));
  Generator data_gen(static_cast<std::uint64_t>(flags.seed) * 7919 + 1);  // the batch order
  Generator epoch_start(0);  // data_gen at the start of the epoch: a resumed run makes its batches again
  epoch_start.set_state(data_gen.get_state());
  train::TrainingState state("translate", corpus.name);
  state.track(model), state.track(opt), state.track(schedule);
  state.track("data", epoch_start), state.track("dropout", default_generator());
  if (saved) state.restore(*saved), saved.reset();
  state.position.total_steps = total;
  mf.record(state.metadata);
  train::Position& pos = state.position;
  data_gen.set_state(epoch_start.get_state());  // a resumed run's: its epoch's batches again
  std::vector<std::vector<std::int64_t>> epoch_batches = data::length_batches(train, batch_size, data_gen);
  // Every rank starts from rank 0's weights and draws its own dropout masks.
  distributed::broadcast_parameters(comm, model.parameters());
  distributed::split_generator(default_generator(), comm.rank());

  train::Loop loop(flags, state, opt, schedule, model.parameters(), comm);
  loop.log() << "task " << corpus.name << ": " << train.size() << " train, " << corpus.valid.size() << " valid, " << corpus.test.size()
             << " test; vocab " << mc.src_vocab << " -> " << mc.tgt_vocab << "; " << model.num_parameters() << " parameters; " << total
             << " steps\n";
  loop.title = "translate: " + corpus.name;
  loop.options = {{"task", corpus.name}, {"d-model", std::to_string(mc.d_model)}, {"heads", std::to_string(mc.heads)},
                  {"layers", std::to_string(mc.layers)}, {"share-layers", mc.share_layers ? "1" : "0"}, {"ff", std::to_string(mc.ff)}, {"dropout", train::number_text(mc.dropout)},
                  {"batch", std::to_string(batch_size)}, {"label-smoothing", train::number_text(smoothing)},
                  {"positions", mc.positions}, {"attention", mc.attention.str()}, {"norm", mc.norm}};
  const CrossEntropyOptions ce{.ignore_index = text::Vocab::kPad, .label_smoothing = smoothing};
  loop.evaluate = [&] { return train::Scores{{"valid_loss", valid_loss(model, valid, ce)}}; };
  loop.describe = [&](train::ReportData& report) {  // in eval mode: no dropout, so training's generators are untouched
    const std::vector<data::Example> shown(corpus.test.begin(), corpus.test.begin() + std::min<std::size_t>(8, corpus.test.size()));
    model.eval();
    (void)evaluate(model, mf, shown, 1, 0, &report.samples, shown.size());
    report.attention = cross_attention(model, mf, attention_sources(corpus.test).front());
    model.train();
  };
  const train::LoopResult result = loop.run([&] {
    if (pos.batch_in_epoch >= static_cast<std::int64_t>(epoch_batches.size())) {
      ++pos.epoch, pos.batch_in_epoch = 0;
      epoch_start.set_state(data_gen.get_state());
      epoch_batches = data::length_batches(train, batch_size, data_gen);
    }
    const std::vector<std::int64_t>& batch = epoch_batches[pos.batch_in_epoch++];
    return train::data_parallel_loss(comm, static_cast<std::int64_t>(batch.size()), [&](std::int64_t begin, std::int64_t end, Reduction r) {
      const data::Batch b = data::collate(train, {batch.begin() + begin, batch.begin() + end}, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
      CrossEntropyOptions c = ce;
      c.reduction = r;
      const Tensor logits = model.forward(b);  // [B, T, V]
      return std::pair{cross_entropy(logits.reshape({-1, mc.tgt_vocab}), b.tgt_out.reshape({-1}), c), static_cast<double>(b.target_tokens)};
    });
  });
  if (!result.finished) return result.exit_status;
  if (!loop.root()) return 0;  // the weights are rank 0's: it evaluates them
  model.eval();
  const auto t1 = std::chrono::steady_clock::now();
  const metrics::Scores scores = evaluate(model, mf, corpus.test, static_cast<int>(beam));
  std::cerr << "evaluated " << scores.examples << " test examples in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count() << " s\n";
  loop.finish({{"exact_match", scores.exact_match}, {"token_acc", scores.token_acc}, {"bleu", scores.bleu}});
  if (!flags.plots.empty()) write_attention_plots(model, mf, corpus.test, flags.plots, static_cast<int>(plot_layer), static_cast<int>(plot_head));
  std::cout << metrics::format_record(scores, result.seconds) << std::endl;
  return 0;
}

}  // namespace translate
