// char_lm: a decoder-only (GPT-style) Transformer that models text one character at a time.
// It teaches the language-model recipe: next-token cross-entropy under a causal mask, random
// windows of a text as batches, validation loss in bits per character against the unigram
// baseline (what knowing only each character's frequency gives), and generation with the cached
// decoder (nn::GPT::generate), temperature and top-k sampling (nn/sampling.h). Under mpirun it
// trains data-parallel: each rank takes its share of every batch (distributed/data_parallel.h).
// Ctrl-C or SIGTERM stops training at the next step (exit 130 / 143); char_lm keeps no checkpoint.
// Default text: the GPL-3 licence every Debian system ships in /usr/share/common-licenses.
#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>
#include <focus/cli/stop_signal.h>
#include <focus/distributed/data_parallel.h>
#include <focus/focus.h>
#include <focus/text/utf8.h>
#ifdef FOCUS_EXAMPLE_WITH_MPI
#include <focus/distributed/mpi/mpi_communicator.h>
#endif

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <sstream>

using namespace focus;

namespace {

// A text as ids of its characters (UTF-8 code points, newlines kept), split into train and valid.
struct Corpus {
  std::vector<std::string> chars;  // id -> character
  std::map<std::string, std::int64_t> ids;
  std::vector<std::int64_t> train, valid;
};

// The characters of s, one string each; what names s in the error for invalid UTF-8.
std::vector<std::string> characters(const std::string& s, const std::string& what) {
  if (const auto at = text::find_invalid_utf8(s); at != std::string::npos)
    throw FormatError(what + " is not valid UTF-8; got byte " + text::hex_byte(s[at]) + " at offset " + std::to_string(at));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); i += out.back().size()) out.push_back(s.substr(i, text::utf8_sequence_length(s, i)));
  return out;
}

Corpus read_corpus(const std::string& path, double valid_fraction) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::vector<std::string> pieces = characters(buffer.str(), path);
  Corpus c;
  for (const auto& p : pieces) c.ids.emplace(p, 0);
  for (auto& [ch, id] : c.ids) id = static_cast<std::int64_t>(c.chars.size()), c.chars.push_back(ch);
  // Validation: one chunk of 1,000 characters in every round(1 / valid_fraction), so it samples
  // the whole text (a licence's last part, say, reads unlike the rest).
  const auto every = std::max<std::size_t>(2, static_cast<std::size_t>(std::lround(1 / valid_fraction)));
  for (std::size_t i = 0; i < pieces.size(); ++i) (i / 1000 % every == every - 1 ? c.valid : c.train).push_back(c.ids[pieces[i]]);
  return c;
}

// Bits per character of `valid` under the training text's character frequencies (add-one
// smoothed, so a character unseen in training costs a finite amount).
double unigram_bpc(const Corpus& c) {
  std::vector<double> counts(c.chars.size(), 1.0);
  for (auto id : c.train) counts[id] += 1;
  const double total = static_cast<double>(c.train.size() + c.chars.size());
  double bits = 0;
  for (auto id : c.valid) bits -= std::log2(counts[id] / total);
  return bits / static_cast<double>(c.valid.size());
}

struct TrainOptions {
  std::int64_t steps = 1500, batch = 32, warmup = 100;
  double lr = 3e-3, clip = 1.0;
};

// Mean cross-entropy in bits per character over `ids`, cut into windows of block_size (each
// character predicted from those before it in its window); dropout off.
double evaluate_bpc(nn::GPT& model, const std::vector<std::int64_t>& ids) {
  NoGradGuard no_grad;
  model.eval();
  const std::int64_t T = model.config().block_size, V = model.config().vocab_size;
  double nats = 0;
  std::int64_t count = 0;
  for (std::size_t start = 0; start + 1 < ids.size(); start += T) {
    const std::int64_t len = std::min<std::int64_t>(T, static_cast<std::int64_t>(ids.size() - start) - 1);
    const Tensor x = tensor(std::vector<std::int64_t>(ids.begin() + start, ids.begin() + start + len), {1, len});
    const Tensor y = tensor(std::vector<std::int64_t>(ids.begin() + start + 1, ids.begin() + start + 1 + len));
    nats += cross_entropy(model.forward(x).reshape({len, V}), y, {.reduction = Reduction::Sum}).item<double>();
    count += len;
  }
  model.train();
  return nats / static_cast<double>(count) / std::log(2.0);
}

// One step's forward and backward on the batch x -> y ([B, T] each, flattened); returns the mean
// loss per character over the whole batch. Alone: the plain mean over all B*T characters. One of
// N ranks: this rank's windows (its shard of the B) only, their losses summed and divided by the
// character count summed over the ranks, so that after allreduce_gradients every rank holds the
// gradient of the same whole-batch mean. A rank whose shard is empty (B < N) only adds zeros.
double forward_backward(nn::GPT& model, const std::vector<std::int64_t>& x, const std::vector<std::int64_t>& y,
                        distributed::Communicator& comm) {
  const std::int64_t T = model.config().block_size, V = model.config().vocab_size;
  const auto B = static_cast<std::int64_t>(x.size()) / T;
  if (comm.size() == 1) {  // kept apart so a one-process run computes exactly what it always did
    const Tensor loss = cross_entropy(model.forward(tensor(x, {B, T})).reshape({B * T, V}), tensor(y));
    loss.backward();
    return loss.item<double>();
  }
  const auto shard = distributed::shard_range(B, comm.rank(), comm.size());
  std::vector<double> stats{0, 0};  // this rank's loss sum and character count; after the allreduce, the batch's
  Tensor sum;
  if (shard.size() > 0) {
    const std::vector<std::int64_t> xs(x.begin() + shard.begin * T, x.begin() + shard.end * T);
    const std::vector<std::int64_t> ys(y.begin() + shard.begin * T, y.begin() + shard.end * T);
    const Tensor logits = model.forward(tensor(xs, {shard.size(), T})).reshape({shard.size() * T, V});
    sum = cross_entropy(logits, tensor(ys), {.reduction = Reduction::Sum});
    stats = {sum.item<double>(), static_cast<double>(shard.size() * T)};
  }
  comm.allreduce_sum(std::span<double>(stats));
  if (sum.defined()) (sum / stats[1]).backward();
  distributed::allreduce_gradients(comm, model.parameters());
  return stats[0] / stats[1];
}

// How training ended: the first and last step's loss (of the whole batch, so the same on every
// rank), the steps taken, and the signal that stopped it early (0: it ran all its steps).
struct TrainResult {
  double first = 0, last = 0;
  std::int64_t steps = 0;
  int stop_signal = 0;
};

// The training loop: random windows of the training text, next-character cross-entropy, AdamW
// with linear warm-up and cosine decay, gradient clipping. Every rank draws the same windows from
// gen (seeded alike) and trains on its share of them; rank 0 alone prints progress. Ctrl-C or
// SIGTERM ends it at the next step boundary, the same one on every rank (signals.agreed).
TrainResult train(nn::GPT& model, const std::vector<std::int64_t>& ids, const TrainOptions& o, Generator& gen,
                  distributed::Communicator& comm, const cli::StopSignals& signals) {
  const std::int64_t T = model.config().block_size, B = o.batch;
  if (static_cast<std::int64_t>(ids.size()) < T + 1) throw ValueError("the training text is shorter than --context + 1");
  optim::AdamW opt(model.named_parameters(), {.lr = o.lr, .betas = {0.9, 0.99}, .weight_decay = 0.1});
  optim::LambdaLR schedule(opt, [&o](std::int64_t step) {
    if (step < o.warmup) return static_cast<double>(step + 1) / static_cast<double>(o.warmup);
    const double progress = static_cast<double>(step - o.warmup) / std::max<double>(1, static_cast<double>(o.steps - o.warmup));
    return 0.1 + 0.9 * 0.5 * (1 + std::cos(3.14159265358979323846 * std::min(1.0, progress)));
  });
  TrainResult r;
  std::vector<std::int64_t> x(B * T), y(B * T);
  for (std::int64_t step = 1; step <= o.steps; ++step) {
    r.stop_signal = signals.agreed(comm);
    if (r.stop_signal != 0) return r;
    for (std::int64_t b = 0; b < B; ++b) {  // window b: characters start .. start + T, shifted by one for y
      const auto start = static_cast<std::int64_t>(gen.below(ids.size() - T));
      std::copy(ids.begin() + start, ids.begin() + start + T, x.begin() + b * T);
      std::copy(ids.begin() + start + 1, ids.begin() + start + T + 1, y.begin() + b * T);
    }
    opt.zero_grad();
    r.last = forward_backward(model, x, y, comm);
    if (o.clip > 0) optim::clip_grad_norm(model.parameters(), o.clip);
    opt.step();
    schedule.step();
    if (step == 1) r.first = r.last;
    r.steps = step;
    if (comm.rank() == 0 && (step == 1 || step % std::max<std::int64_t>(1, o.steps / 10) == 0 || step == o.steps))
      std::printf("step %5lld  loss %.4f  (%.3f bits/char)\n", static_cast<long long>(step), r.last, r.last / std::log(2.0));
  }
  r.stop_signal = signals.agreed(comm);  // one that came during the last step stops the evaluation
  return r;
}

int run(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once, also in a log file
  cli::Args args(argc, argv);
  const std::string path = args.get_string("text", "/usr/share/common-licenses/GPL-3", "plain-text (UTF-8) file to model");
  const double valid_fraction = args.get_double("valid", 0.1, "fraction of the text held out for validation (every n-th 1,000 characters)");
  nn::GPTConfig mc;
  mc.block_size = args.get_int("context", 64, "characters of context (block size)", 2, 4096);
  mc.d_model = args.get_int("d-model", 96, "model width", 8, 4096);
  mc.n_head = args.get_int("heads", 4, "attention heads", 1, 64);
  mc.n_layer = args.get_int("layers", 3, "Transformer blocks", 1, 48);
  mc.dropout = args.get_double("dropout", 0.1, "dropout");
  TrainOptions to;
  to.steps = args.get_int("steps", 1500, "training steps", 1, 100000000);
  to.batch = args.get_int("batch", 32, "windows per batch", 1, 65536);
  to.lr = args.get_double("lr", 3e-3, "peak learning rate (AdamW)");
  to.warmup = args.get_int("warmup", 100, "linear warm-up steps", 1);
  const auto seed = args.get_int("seed", 0, "random seed", 0);
  const auto threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  const auto n_sample = args.get_int("sample", 400, "characters to generate after training", 0, 1000000);
  const std::string prompt = args.get_string("prompt", "The ", "text the sample continues");
  nn::SamplingOptions so{.temperature = args.get_double("temperature", 0.8, "sampling temperature (0: greedy)"),
                         .top_k = args.get_int("top-k", 10, "sample among the k likeliest characters (0: all)", 0)};
  if (args.help()) {
    std::cout << args.usage("char_lm", "A GPT-style character language model: trains on a text, reports bits/char, samples.");
    return 0;
  }
  args.finish();
  if (!(valid_fraction > 0 && valid_fraction < 1)) throw cli::UsageError("--valid must be in (0, 1)");
  if (!(mc.dropout >= 0 && mc.dropout < 1) || !(to.lr > 0) || !(so.temperature >= 0))
    throw cli::UsageError("--dropout must be in [0, 1), --lr positive and --temperature >= 0");
  if (mc.d_model % mc.n_head != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  // Under mpirun: one rank of a data-parallel job; rank 0 alone prints, evaluates and samples.
  // Alone: rank 0 of 1. A build without MPI refuses to run under mpirun (world() throws).
  distributed::Communicator& comm = distributed::world();
  const bool root = comm.rank() == 0;
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  manual_seed(static_cast<std::uint64_t>(seed));

  const Corpus corpus = read_corpus(path, valid_fraction);
  if (corpus.valid.size() < 2) throw cli::UsageError(path + " is too short to hold out a validation part");
  std::vector<std::int64_t> prompt_ids;
  for (const std::string& ch : characters(prompt, "--prompt")) {
    const auto it = corpus.ids.find(ch);
    if (it == corpus.ids.end()) throw cli::UsageError("--prompt has a character the text never uses: '" + ch + "'");
    prompt_ids.push_back(it->second);
  }
  if (prompt_ids.empty() && n_sample > 0) throw cli::UsageError("--prompt must not be empty");
  mc.vocab_size = static_cast<std::int64_t>(corpus.chars.size());
  nn::GPT model(mc);
  if (root)
    std::printf("%s: %zu train and %zu valid characters, %lld distinct; %lld parameters\n", path.c_str(), corpus.train.size(),
                corpus.valid.size(), static_cast<long long>(mc.vocab_size), static_cast<long long>(model.num_parameters()));
  // Every rank starts from rank 0's weights and draws its own dropout masks.
  distributed::broadcast_parameters(comm, model.parameters());
  distributed::split_generator(default_generator(), comm.rank());
  if (root && comm.size() > 1) std::fprintf(stderr, "data-parallel: %d processes over %s\n", comm.size(), comm.name().c_str());

  Generator gen(static_cast<std::uint64_t>(seed) + 1);
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<cli::StopSignals> signals;
  signals.emplace();
  const TrainResult result = train(model, corpus.train, to, gen, comm, *signals);
  signals.reset();  // from here Ctrl-C and SIGTERM end the program at once, as usual
  if (result.stop_signal != 0) {
    // char_lm keeps no checkpoint (it has no --save): it stops, says where, and skips the report.
    if (root) {
      std::fprintf(stderr, "%s at step %lld of %lld", cli::stop_word(result.stop_signal),
                   static_cast<long long>(result.steps), static_cast<long long>(to.steps));
      if (result.steps > 0) std::fprintf(stderr, " (loss %.4f)", result.last);
      std::fprintf(stderr, "; char_lm saves no checkpoint\n");
    }
    comm.barrier();
    return cli::stop_exit_status(result.stop_signal);
  }
  const double first = result.first, last = result.last;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int status = last < first ? 0 : 1;  // the smoke test asserts the loss falls; every rank agrees
  if (root) {
    std::printf("%s from %.4f to %.4f\n", last < first ? "loss fell" : "loss did not fall", first, last);
    std::printf("valid_bpc=%.3f unigram_bpc=%.3f train_seconds=%.1f\n", evaluate_bpc(model, corpus.valid),
                unigram_bpc(corpus), seconds);
    if (n_sample > 0) {
      model.eval();
      std::string sample = prompt;
      for (auto id : model.generate(prompt_ids, n_sample, so, gen)) sample += corpus.chars[id];
      std::printf("--- sample (temperature %g, top-k %lld) ---\n%s\n---\n", so.temperature,
                  static_cast<long long>(so.top_k), sample.c_str());
    }
  }
  // A failing status ends the whole job at once (MpiSession::finish): the other ranks wait here
  // until rank 0 has reported. Alone the barrier returns at once.
  comm.barrier();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const auto guarded_run = [&] { return cli::guarded_main("char_lm", [&] { return run(argc, argv); }); };
#ifdef FOCUS_EXAMPLE_WITH_MPI
  // Under mpirun every rank runs this program; train then splits each batch across them.
  distributed::MpiSession mpi(argc, argv);
  const int status = guarded_run();
  // A stop on Ctrl-C or SIGTERM is one the ranks agreed on at the same step: end MPI normally.
  if (cli::is_stop_exit_status(status)) {
    mpi.finish(0);
    return status;
  }
  return mpi.finish(status);
#else
  return guarded_run();
#endif
}
