// char_lm: a decoder-only (GPT-style) Transformer that models text one character at a time, on
// focus's training kit (train/). The recipe: next-token cross-entropy under a causal mask, random
// windows of a text as batches, AdamW with warm-up and cosine decay, validation loss in bits per
// character against the unigram baseline (knowing only each character's frequency), then a
// sample from the cached decoder with temperature and top-k (nn/sampling.h). The kit gives the
// loop, the checkpoint (--save, --resume, --stop-at, Ctrl-C / SIGTERM), the metrics log, the
// report and data-parallel training under mpirun. Default text: the GPL-3 licence every Debian
// system ships in /usr/share/common-licenses.
#include "corpus.h"

#include <focus/cli/guarded_main.h>
#include <focus/cli/stop_signal.h>
#include <focus/distributed/data_parallel.h>
#include <focus/train/block_flags.h>
#include <focus/train/loop.h>
#include <focus/train/schedule.h>
#ifdef FOCUS_EXAMPLE_WITH_MPI
#include <focus/distributed/mpi/mpi_communicator.h>
#endif

#include <cstdio>
#include <iostream>
#include <optional>

using namespace focus;

namespace {

int run(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once, also in a log file
  cli::Args args(argc, argv);
  train::CommonFlags flags = train::CommonFlags::declare(
      args, {.steps = 1500, .lr = 3e-3, .warmup = 100, .min_warmup = 1, .final_lr_fraction = 0.1, .seed = 0,
             .steps_help = "training steps (with --resume it may differ from the checkpoint's)"});
  const std::string path = args.get_string("text", "/usr/share/common-licenses/GPL-3", "plain-text (UTF-8) file to model");
  double valid_fraction = args.get_double("valid", 0.1, "fraction of the text held out for validation (every n-th 1,000 characters)");
  nn::GPTConfig mc;
  mc.block_size = args.get_int("context", 64, "characters of context (block size)", 2, 4096);
  mc.d_model = args.get_int("d-model", 96, "model width", 8, 4096);
  mc.n_head = args.get_int("heads", 4, "attention heads", 1, 64);
  mc.n_layer = args.get_int("layers", 3, "Transformer blocks", 1, 48);
  mc.dropout = args.get_double("dropout", 0.1, "dropout");
  train::BlockFlags block = train::BlockFlags::declare(args, train::BlockFlags::of(mc));  // GPT-2's block by default
  std::int64_t batch = args.get_int("batch", 32, "windows per batch", 1, 65536);
  const auto n_sample = args.get_int("sample", 400, "characters to generate after training", 0, 1000000);
  const std::string prompt = args.get_string("prompt", "The ", "text the sample continues");
  nn::SamplingOptions so{.temperature = args.get_double("temperature", 0.8, "sampling temperature (0: greedy)"),
                         .top_k = args.get_int("top-k", 10, "sample among the k likeliest characters (0: all)", 0)};
  if (args.help()) {
    std::cout << args.usage("char_lm", "A GPT-style character language model: trains on a text, reports bits/char, samples.");
    return 0;
  }
  args.finish();
  // The options that define the model and the run, recorded in the checkpoint; a resumed run takes
  // them from it (one given again must agree), and its length too unless --steps is given.
  train::RunOptions options;
  options.add("context", mc.block_size), options.add("d-model", mc.d_model), options.add("heads", mc.n_head);
  options.add("layers", mc.n_layer), options.add("dropout", mc.dropout), options.add("batch", batch);
  options.add("lr", flags.lr), options.add("warmup", flags.warmup), options.add("valid", valid_fraction);
  block.record(options, train::BlockFlags::of(nn::GPTConfig{}));  // files from before these flags: GPT-2's block
  std::optional<train::SavedRun> saved = train::open_resume(flags, args, options, "char_lm");
  if (!(valid_fraction > 0 && valid_fraction < 1)) throw cli::UsageError("--valid must be in (0, 1)");
  if (!(mc.dropout >= 0 && mc.dropout < 1) || !(so.temperature >= 0))
    throw cli::UsageError("--dropout must be in [0, 1) and --temperature >= 0");
  if (mc.d_model % mc.n_head != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  block.apply(mc);  // the block's names (--positions, --attention, --norm), checked
  flags.validate();
  flags.apply();
  distributed::Communicator& comm = distributed::world();  // alone: rank 0 of 1

  const char_lm::Corpus corpus = char_lm::read_corpus(path, valid_fraction);
  if (corpus.valid.size() < 2) throw cli::UsageError(path + " is too short to hold out a validation part");
  if (saved && saved->text("text.characters") != corpus.alphabet())
    throw cli::UsageError("--text " + path + " has other characters than the text of " + flags.resume + " (" +
                          std::to_string(corpus.chars.size()) + " distinct, against " +
                          std::to_string(char_lm::characters(saved->text("text.characters"), flags.resume).size()) + ")");
  const std::vector<std::int64_t> prompt_ids = corpus.encode(prompt, "--prompt");
  if (prompt_ids.empty() && n_sample > 0) throw cli::UsageError("--prompt must not be empty");

  mc.vocab_size = static_cast<std::int64_t>(corpus.chars.size());
  const std::unique_ptr<nn::GPT> made = train::make_model<nn::GPT>(mc);  // a refused flag: usage, exit 2
  nn::GPT& model = *made;
  if (comm.rank() == 0)
    std::printf("%s: %zu train and %zu valid characters, %lld distinct; %lld parameters\n", path.c_str(), corpus.train.size(),
                corpus.valid.size(), static_cast<long long>(mc.vocab_size), static_cast<long long>(model.num_parameters()));
  optim::AdamW opt(model.named_parameters(), {.lr = flags.lr, .betas = {0.9, 0.99}, .weight_decay = 0.1});
  optim::LambdaLR schedule(opt, train::schedule_from(flags, flags.steps));
  Generator gen(static_cast<std::uint64_t>(flags.seed) + 1);  // the windows, then the sample
  train::TrainingState state("char_lm");
  state.track(model), state.track(opt), state.track(schedule);
  state.track("data", gen), state.track("dropout", default_generator());
  if (saved) state.restore(*saved), saved.reset();  // its tensors are copied into the model and the optimizer
  state.position.total_steps = flags.steps;
  options.record(state.metadata);
  state.metadata["text.characters"] = corpus.alphabet();
  // Every rank starts from rank 0's weights and draws its own dropout masks.
  distributed::broadcast_parameters(comm, model.parameters());
  distributed::split_generator(default_generator(), comm.rank());

  train::Loop loop(flags, state, opt, schedule, model.parameters(), comm);
  loop.title = "char_lm: " + path;
  loop.options = options.table();
  loop.evaluate = [&] { return train::Scores{{"valid_bpc", char_lm::evaluate_bpc(model, corpus.valid)}}; };
  loop.describe = [&](train::ReportData& report) {  // a sample from its own generator: training's stream stays as it was
    Generator sample_gen(static_cast<std::uint64_t>(flags.seed) + 2);
    std::string text;
    model.eval();  // no dropout: the default generator's stream stays the training's
    for (auto id : model.generate(prompt_ids.empty() ? std::vector<std::int64_t>{0} : prompt_ids, 200, so, sample_gen)) text += corpus.chars[id];
    model.train();
    report.samples.push_back({prompt, "", text});
  };
  loop.on_step = [&](std::int64_t step, double loss) {  // char_lm's own report, on stdout
    if (step == 1 || step % std::max<std::int64_t>(1, flags.steps / 10) == 0 || step == flags.steps)
      std::printf("step %5lld  loss %.4f  (%.3f bits/char)\n", static_cast<long long>(step), loss, loss / std::log(2.0));
  };
  const std::int64_t T = mc.block_size, V = mc.vocab_size;
  const train::LoopResult result = loop.run([&] {
    const char_lm::Windows w = char_lm::draw_windows(corpus.train, batch, T, gen);
    return train::data_parallel_loss(comm, batch, [&](std::int64_t begin, std::int64_t end, Reduction reduction) {
      const std::int64_t rows = end - begin;
      const std::vector<std::int64_t> xs(w.x.begin() + begin * T, w.x.begin() + end * T);
      const std::vector<std::int64_t> ys(w.y.begin() + begin * T, w.y.begin() + end * T);
      const Tensor logits = model.forward(tensor(xs, {rows, T})).reshape({rows * T, V});
      return std::pair{cross_entropy(logits, tensor(ys), {.reduction = reduction}), static_cast<double>(rows * T)};
    });
  });
  if (!result.finished) return result.exit_status;
  const double first = state.position.first_loss, last = state.position.last_loss;
  const int status = last < first ? 0 : 1;  // the smoke test asserts the loss falls; every rank agrees
  if (loop.root()) {
    const double valid_bpc = char_lm::evaluate_bpc(model, corpus.valid);
    loop.finish({{"valid_bpc", valid_bpc}});
    std::printf("%s from %.4f to %.4f\n", last < first ? "loss fell" : "loss did not fall", first, last);
    std::printf("valid_bpc=%.3f unigram_bpc=%.3f train_seconds=%.1f\n", valid_bpc, char_lm::unigram_bpc(corpus), result.seconds);
    if (n_sample > 0) {
      model.eval();
      std::string sample = prompt;
      for (auto id : model.generate(prompt_ids, n_sample, so, gen)) sample += corpus.chars[id];
      std::printf("--- sample (temperature %g, top-k %lld) ---\n%s\n---\n", so.temperature, static_cast<long long>(so.top_k),
                  sample.c_str());
    }
  }
  comm.barrier();  // a failing status ends the whole job at once (MpiSession::finish): rank 0 reports first
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const auto guarded_run = [&] { return cli::guarded_main("char_lm", [&] { return run(argc, argv); }); };
#ifdef FOCUS_EXAMPLE_WITH_MPI
  distributed::MpiSession mpi(argc, argv);  // under mpirun every rank runs this program
  const int status = guarded_run();
  // A stop on Ctrl-C or SIGTERM is one the ranks agreed on at the same step: end MPI normally.
  if (cli::is_stop_exit_status(status)) return mpi.finish(0), status;
  return mpi.finish(status);
#else
  return guarded_run();
#endif
}
