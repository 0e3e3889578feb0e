// char_lm: a decoder-only (GPT-style) Transformer that models text one character at a time.
// It teaches the language-model recipe: next-token cross-entropy under a causal mask, random
// windows of a text as batches, validation loss in bits per character against the unigram
// baseline (what knowing only each character's frequency gives), and generation with the cached
// decoder (nn::GPT::generate), temperature and top-k sampling (nn/sampling.h). Under mpirun it
// trains data-parallel: each rank takes its share of every batch (distributed/data_parallel.h).
// --save writes a checkpoint at the end of training and when Ctrl-C or SIGTERM stops it at the
// next step (exit 130 / 143); --resume continues that run exactly (the losses of a run never stopped).
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

#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <type_traits>

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
  std::int64_t stop_at = 0;  // stop after this step, as a signal would (0: off)
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

// Where training is: the first and latest step's loss (of the whole batch, so the same on every
// rank), the steps done, and the signal that stopped it early (0: none).
struct TrainResult {
  double first = 0, last = 0;
  std::int64_t steps = 0;
  int stop_signal = 0;
};

// The training loop, from step r.steps + 1 (a resumed run's) to o.steps: random windows of the
// training text, next-character cross-entropy, AdamW under its schedule, gradient clipping. Every
// rank draws the same windows from gen (seeded or restored alike) and trains on its share of
// them; rank 0 alone prints progress. It ends early at a step boundary, the same one on every
// rank (signals.agreed), on Ctrl-C or SIGTERM, or once o.stop_at steps are done.
TrainResult train(nn::GPT& model, optim::Optimizer& opt, optim::LRScheduler& schedule, Generator& gen,
                  const std::vector<std::int64_t>& ids, const TrainOptions& o, distributed::Communicator& comm,
                  const cli::StopSignals& signals, TrainResult r) {
  const std::int64_t T = model.config().block_size, B = o.batch;
  if (static_cast<std::int64_t>(ids.size()) < T + 1) throw ValueError("the training text is shorter than --context + 1");
  std::vector<std::int64_t> x(B * T), y(B * T);
  for (std::int64_t step = r.steps + 1; step <= o.steps; ++step) {
    r.stop_signal = signals.agreed(comm);
    if (r.stop_signal != 0 || (o.stop_at > 0 && r.steps >= o.stop_at)) return r;
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

// ---- checkpoint ---------------------------------------------------------------------------------
// One safetensors file: the weights ("model.<name>"), AdamW's and the schedule's state ("optim.*",
// "lr_scheduler.*"), the two generators as int64 [state, inc, has_spare, bits of spare] ("rng.data":
// windows and sample; "rng.dropout": the default generator, rank 0's under mpirun), and metadata:
// the options that define the model and the run ("option.<flag>"), the text's characters
// ("text.characters"), the steps done and the first and latest loss ("train.*").

// A number as the metadata holds it: the shortest text that reads back as the same value.
template <class T>
std::string number_text(T v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

const std::string& saved_text(const io::Metadata& m, const std::string& key, const std::string& path) {
  const auto it = m.find(key);
  if (it == m.end()) throw FormatError("checkpoint " + path + ": not char_lm's; got no metadata '" + key + "'");
  return it->second;
}

template <class T>
T saved_number(const io::Metadata& m, const std::string& key, const std::string& path) {
  const std::string& s = saved_text(m, key, path);
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !(v >= 0))
    throw FormatError("checkpoint " + path + ": metadata '" + key + "' must be a number >= 0; got '" + s + "'");
  return v;
}

// The file's tensors whose names start with prefix, without it, as the state-dict type D that a
// load_state_dict takes (built from an iterator range, which every form of it accepts).
template <class D>
D entries(const io::TensorFile& file, const std::string& prefix) {
  std::vector<std::pair<std::string, Tensor>> picked;
  for (const auto& [name, t] : file.tensors)
    if (name.starts_with(prefix)) picked.emplace_back(name.substr(prefix.size()), t);
  return D(picked.begin(), picked.end());
}

Tensor generator_tensor(const Generator& g) {
  const Generator::State s = g.get_state();
  return tensor(std::vector<std::int64_t>{std::bit_cast<std::int64_t>(s.state), std::bit_cast<std::int64_t>(s.inc),
                                          s.has_spare ? 1 : 0, std::bit_cast<std::int64_t>(s.spare)});
}

void restore_generator(Generator& g, const io::TensorFile& file, const std::string& name, const std::string& path) {
  const auto it = file.tensors.find(name);
  if (it == file.tensors.end() || it->second.dtype() != kInt64 || it->second.numel() != 4)
    throw FormatError("checkpoint " + path + ": " + name + " must be 4 int64 values");
  const auto v = it->second.to_vector<std::int64_t>();
  if ((v[1] & 1) == 0 || (v[2] != 0 && v[2] != 1))  // PCG32's increment is odd
    throw FormatError("checkpoint " + path + ": " + name + " is not a generator state");
  g.set_state({std::bit_cast<std::uint64_t>(v[0]), std::bit_cast<std::uint64_t>(v[1]), v[2] == 1, std::bit_cast<double>(v[3])});
}

// Writes the checkpoint atomically (io::save_safetensors); options: the "option.*" and "text.*" entries.
void save_checkpoint(const std::string& path, const nn::GPT& model, const optim::Optimizer& opt,
                     const optim::LRScheduler& schedule, const Generator& gen, const TrainResult& at, io::Metadata options) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace_back("model." + name, t);
  for (const auto& [name, t] : opt.state_dict()) tensors.emplace_back(name, t);
  for (const auto& [name, t] : schedule.state_dict()) tensors.emplace_back(name, t);
  tensors.emplace_back("rng.data", generator_tensor(gen));
  tensors.emplace_back("rng.dropout", generator_tensor(default_generator()));
  options["train.step"] = number_text(at.steps);
  options["train.first_loss"] = number_text(at.first);
  options["train.last_loss"] = number_text(at.last);
  io::save_safetensors(path, tensors, options);
}

// Loads a checkpoint into a model, optimizer, schedule and data generator made with its options,
// and the default generator; returns where training was. Errors name the file (exit 1).
TrainResult restore_checkpoint(const io::TensorFile& file, const std::string& path, nn::GPT& model,
                               optim::Optimizer& opt, optim::LRScheduler& schedule, Generator& gen) {
  try {
    model.load_state_dict(entries<decltype(model.state_dict())>(file, "model."));
    opt.load_state_dict(entries<decltype(opt.state_dict())>(file, ""));  // it reads the "optim." entries
    schedule.load_state_dict(entries<decltype(schedule.state_dict())>(file, ""));
  } catch (const Error& e) {
    throw FormatError("checkpoint " + path + ": " + e.what());
  }
  restore_generator(gen, file, "rng.data", path);
  restore_generator(default_generator(), file, "rng.dropout", path);
  TrainResult at;
  at.steps = saved_number<std::int64_t>(file.metadata, "train.step", path);
  at.first = saved_number<double>(file.metadata, "train.first_loss", path);
  at.last = saved_number<double>(file.metadata, "train.last_loss", path);
  return at;
}

int run(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once, also in a log file
  cli::Args args(argc, argv);
  const std::string path = args.get_string("text", "/usr/share/common-licenses/GPL-3", "plain-text (UTF-8) file to model");
  double valid_fraction = args.get_double("valid", 0.1, "fraction of the text held out for validation (every n-th 1,000 characters)");
  nn::GPTConfig mc;
  mc.block_size = args.get_int("context", 64, "characters of context (block size)", 2, 4096);
  mc.d_model = args.get_int("d-model", 96, "model width", 8, 4096);
  mc.n_head = args.get_int("heads", 4, "attention heads", 1, 64);
  mc.n_layer = args.get_int("layers", 3, "Transformer blocks", 1, 48);
  mc.dropout = args.get_double("dropout", 0.1, "dropout");
  TrainOptions to;
  to.steps = args.get_int("steps", 1500, "training steps (with --resume it may differ from the checkpoint's)", 1, 100000000);
  to.batch = args.get_int("batch", 32, "windows per batch", 1, 65536);
  to.lr = args.get_double("lr", 3e-3, "peak learning rate (AdamW)");
  to.warmup = args.get_int("warmup", 100, "linear warm-up steps", 1);
  const std::string save_path = args.get_string("save", "", "write a checkpoint here at the end of training and when stopped");
  const std::string resume_path = args.get_string("resume", "", "continue the run saved in this checkpoint, with its options");
  to.stop_at = args.get_int("stop-at", 0, "stop after this step, saving to --save, without evaluating (0: off)", 0);
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
  // The options that define the model and the run. A checkpoint records them ("option.<flag>"); a
  // resumed run takes them from it, and one given on the command line must agree with it.
  const auto options = [&](const auto& visit) {
    visit("context", mc.block_size), visit("d-model", mc.d_model), visit("heads", mc.n_head), visit("layers", mc.n_layer);
    visit("dropout", mc.dropout), visit("batch", to.batch), visit("lr", to.lr), visit("warmup", to.warmup);
    visit("valid", valid_fraction);
  };
  std::optional<io::TensorFile> checkpoint;
  if (!resume_path.empty()) {
    checkpoint = io::load_safetensors(resume_path);
    options([&](const std::string& flag, auto& value) {
      const auto saved = saved_number<std::remove_reference_t<decltype(value)>>(checkpoint->metadata, "option." + flag, resume_path);
      if (std::is_integral_v<decltype(saved)> && saved < 1)  // every integer option is at least 1
        throw FormatError("checkpoint " + resume_path + ": option." + flag + " must be at least 1; got " + number_text(saved));
      if (!args.has(flag)) value = saved;
      else if (value != saved)
        throw cli::UsageError("--" + flag + " " + number_text(value) + " contradicts the checkpoint " + resume_path +
                              ", trained with --" + flag + " " + number_text(saved));
    });
    if (!args.has("steps")) to.steps = saved_number<std::int64_t>(checkpoint->metadata, "option.steps", resume_path);
  }
  if (!(valid_fraction > 0 && valid_fraction < 1)) throw cli::UsageError("--valid must be in (0, 1)");
  if (!(mc.dropout >= 0 && mc.dropout < 1) || !(to.lr > 0) || !(so.temperature >= 0))
    throw cli::UsageError("--dropout must be in [0, 1), --lr positive and --temperature >= 0");
  if (mc.d_model % mc.n_head != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  if (to.stop_at > 0 && save_path.empty()) throw cli::UsageError("--stop-at needs --save PATH");
  // A --save that cannot be written fails now, not after training.
  if (std::filesystem::is_directory(save_path)) throw cli::UsageError("--save " + save_path + " is a folder");
  if (const auto dir = std::filesystem::path(save_path).parent_path(); !dir.empty() && !std::filesystem::is_directory(dir))
    throw cli::UsageError("--save " + save_path + ": the folder " + dir.string() + " does not exist");
  // Under mpirun: one rank of a data-parallel job; rank 0 alone prints, evaluates, samples and
  // saves. Alone: rank 0 of 1. A build without MPI refuses to run under mpirun (world() throws).
  distributed::Communicator& comm = distributed::world();
  const bool root = comm.rank() == 0;
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  manual_seed(static_cast<std::uint64_t>(seed));

  const Corpus corpus = read_corpus(path, valid_fraction);
  if (corpus.valid.size() < 2) throw cli::UsageError(path + " is too short to hold out a validation part");
  std::string alphabet;  // the text's characters in id order: a checkpoint's ids mean these
  for (const auto& ch : corpus.chars) alphabet += ch;
  if (checkpoint && saved_text(checkpoint->metadata, "text.characters", resume_path) != alphabet)
    throw cli::UsageError("--text " + path + " has other characters than the text of " + resume_path + " (" +
                          std::to_string(corpus.chars.size()) + " distinct, against " +
                          std::to_string(characters(checkpoint->metadata.at("text.characters"), resume_path).size()) + ")");
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
  // AdamW with linear warm-up and cosine decay to a tenth of the peak over to.steps.
  optim::AdamW opt(model.named_parameters(), {.lr = to.lr, .betas = {0.9, 0.99}, .weight_decay = 0.1});
  optim::LambdaLR schedule(opt, [&to](std::int64_t step) {
    if (step < to.warmup) return static_cast<double>(step + 1) / static_cast<double>(to.warmup);
    const double progress = static_cast<double>(step - to.warmup) / std::max<double>(1, static_cast<double>(to.steps - to.warmup));
    return 0.1 + 0.9 * 0.5 * (1 + std::cos(3.14159265358979323846 * std::min(1.0, progress)));
  });
  Generator gen(static_cast<std::uint64_t>(seed) + 1);  // the windows, then the sample
  TrainResult at;
  if (checkpoint) {
    at = restore_checkpoint(*checkpoint, resume_path, model, opt, schedule, gen);
    if (to.steps < at.steps)
      throw cli::UsageError("--steps " + std::to_string(to.steps) + " is below the step " + std::to_string(at.steps) + " of " + resume_path);
    checkpoint.reset();  // its tensors are copied into the model and the optimizer
    if (root) std::fprintf(stderr, "resumed %s at step %lld of %lld\n", resume_path.c_str(), static_cast<long long>(at.steps),
                           static_cast<long long>(to.steps));
  }
  // Every rank starts from rank 0's weights and draws its own dropout masks (a resumed run: rank 0
  // continues its saved stream, the others split from it anew).
  distributed::broadcast_parameters(comm, model.parameters());
  distributed::split_generator(default_generator(), comm.rank());
  if (root && comm.size() > 1) std::fprintf(stderr, "data-parallel: %d processes over %s\n", comm.size(), comm.name().c_str());

  io::Metadata recorded{{"text.characters", alphabet}, {"option.steps", number_text(to.steps)}};
  options([&](const std::string& flag, const auto& value) { recorded["option." + flag] = number_text(value); });
  const auto save = [&](const TrainResult& r) {
    if (root) save_checkpoint(save_path, model, opt, schedule, gen, r, recorded);
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<cli::StopSignals> signals;
  signals.emplace();
  const TrainResult result = train(model, opt, schedule, gen, corpus.train, to, comm, *signals, at);
  signals.reset();  // from here Ctrl-C and SIGTERM end the program at once, as usual
  if (result.stop_signal != 0 || result.steps < to.steps) {
    // Stopped by a signal or --stop-at: save, say where, skip the report.
    if (!save_path.empty()) save(result);
    if (root) {
      std::fprintf(stderr, "%s at step %lld of %lld", cli::stop_word(result.stop_signal),
                   static_cast<long long>(result.steps), static_cast<long long>(to.steps));
      if (result.steps > 0) std::fprintf(stderr, " (loss %.4f)", result.last);
      std::fprintf(stderr, "; %s\n", save_path.empty() ? "no --save given, nothing saved" : ("saved " + save_path).c_str());
    }
    // The other ranks end only once rank 0 has saved: under mpirun one rank's exit can end them all.
    comm.barrier();
    return result.stop_signal != 0 ? cli::stop_exit_status(result.stop_signal) : 0;
  }
  if (!save_path.empty()) save(result);
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
