// The translate commands. Training: length-bucketed batches, label-smoothed cross-entropy,
// Adam with linear warmup and cosine decay, gradient clipping; a checkpoint holds everything a
// resumed run needs to continue exactly (weights, optimizer and schedule state, step, the data
// order and the dropout generator). Evaluation decodes the test split (greedy, or beam search)
// with the cached decoder and prints one key=value record.
#include "app.h"

#include "checkpoint.h"
#include "train_step.h"

#include <focus/autograd/anomaly.h>
#include <focus/cli/stop_signal.h>
#include <focus/distributed/data_parallel.h>
#include <focus/metrics/metrics.h>
#include <focus/optim/adam.h>
#include <focus/optim/clip.h>
#include <focus/optim/schedule.h>
#include <focus/io/atomic_file.h>
#include <focus/plot/heatmap.h>
#include <focus/plot/line_chart.h>
#include <focus/plot/progress.h>
#include <focus/text/tokenize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>

namespace translate {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const std::string kSpace = "\xe2\x96\x81";  // "▁": a visible space for character-level tasks

}  // namespace

// ---- text -----------------------------------------------------------------------------------------

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

// ---- corpus -------------------------------------------------------------------------------------

Corpus load_corpus(cli::Args& args, bool need_train) {
  const std::string task = args.get_string("task", "", "built-in task: zh-en, dates, scan, scan-length, reverse, copy");
  const std::string train_file = need_train ? args.get_string("train", "", "training file (source<TAB>target, or SCAN lines)") : "";
  const std::string valid_file = need_train ? args.get_string("valid", "", "validation file (optional)") : "";
  const std::string test_file = args.get_string("test", "", "test file");
  const auto data_seed = args.get_int("data-seed", 1, "seed of the generated task data", 0);
  if (args.help()) return {};
  Corpus c;
  if (!task.empty()) {
    if (!train_file.empty() || !test_file.empty()) throw cli::UsageError("give --task or data files, not both");
    data::Dataset d = data::make_task(task, static_cast<std::uint64_t>(data_seed));
    c.name = task;
    c.char_level = d.char_level;
    c.epochs = d.epochs;
    c.train = std::move(d.train);
    c.valid = std::move(d.valid);
    c.test = std::move(d.test);
    return c;
  }
  if (need_train && train_file.empty()) throw cli::UsageError("train needs --task NAME or --train FILE --test FILE");
  if (test_file.empty()) throw cli::UsageError("needs --task NAME or --test FILE");
  if (need_train) c.train = data::read_examples(train_file);
  if (!valid_file.empty()) c.valid = data::read_examples(valid_file);
  c.test = data::read_examples(test_file);
  c.name = need_train ? train_file : test_file;
  return c;
}

std::vector<data::TokenPair> encode_all(const std::vector<data::Example>& examples, const text::Vocab& src,
                                        const text::Vocab& tgt, bool char_level) {
  std::vector<data::TokenPair> out;
  out.reserve(examples.size());
  for (const auto& e : examples)
    out.push_back({src.encode(tokens_of(e.source, char_level), false, false), tgt.encode(tokens_of(e.target, char_level), false, false)});
  return out;
}

// ---- decoding and evaluation ----------------------------------------------------------------------

namespace {

// Translates token-id sources in batches of similar length; returns target token ids.
std::vector<std::vector<std::int64_t>> translate_ids(const Translator& model, const std::vector<std::vector<std::int64_t>>& sources,
                                                     int beam, std::int64_t max_out) {
  NoGradGuard ng;
  std::vector<std::vector<std::int64_t>> out(sources.size());
  std::vector<std::size_t> order(sources.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return sources[a].size() < sources[b].size(); });
  const std::size_t per_batch = beam > 1 ? 32 : 128;
  for (std::size_t start = 0; start < order.size(); start += per_batch) {
    std::vector<data::TokenPair> pairs;
    std::vector<std::int64_t> idx;
    const std::size_t end = std::min(order.size(), start + per_batch);
    for (std::size_t i = start; i < end; ++i) {
      // Repeat each source beam times consecutively, as beam_search expects.
      for (int b = 0; b < beam; ++b) {
        idx.push_back(static_cast<std::int64_t>(pairs.size()));
        pairs.push_back({sources[order[i]], {}});
      }
    }
    const data::Batch batch = data::collate(pairs, idx, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
    CachedDecoder decoder(model, model.encode(batch.src, batch.src_lengths), batch.src_lengths);
    nn::DecodeOptions opt;
    opt.bos = text::Vocab::kBos;
    opt.eos = text::Vocab::kEos;
    opt.beam = beam;
    // The model's own limit, not a multiple of the source length: SCAN turns 9 words into 48
    // actions, and a cap of 2 * source + 10 cut those outputs short (recall fell, precision not).
    opt.max_len = max_out;
    const auto rows = static_cast<std::int64_t>(end - start);
    const auto hyps = beam > 1 ? nn::beam_search(decoder, rows, opt) : nn::greedy_decode(decoder, rows, opt);
    for (std::int64_t r = 0; r < rows; ++r) out[order[start + r]] = hyps[r];
  }
  return out;
}

// Scores the model on `test`; the first `show_errors` wrong translations go to stderr (source,
// reference, output), so a user sees what kind of mistake the model makes.
metrics::Scores evaluate(const Translator& model, const Checkpoint& ck, const std::vector<data::Example>& test, int beam,
                         std::int64_t show_errors = 0) {
  std::vector<std::vector<std::int64_t>> sources;
  std::vector<std::vector<std::string>> refs, hyps;
  for (const auto& e : test) {
    sources.push_back(ck.src_vocab.encode(tokens_of(e.source, ck.char_level), false, false));
    refs.push_back(tokens_of(e.target, ck.char_level));
  }
  for (const auto& ids : translate_ids(model, sources, beam, model.config().max_len)) hyps.push_back(ck.tgt_vocab.decode(ids));
  std::int64_t shown = 0;
  for (std::size_t i = 0; i < hyps.size() && shown < show_errors; ++i) {
    if (hyps[i] == refs[i]) continue;
    const auto join = [&](const std::vector<std::string>& t) { return ck.char_level ? text::detokenize_chars(t) : text::detokenize(t); };
    std::cerr << "error " << ++shown << ": " << test[i].source << "\n  expected: " << join(refs[i]) << "\n  got:      " << join(hyps[i])
              << "\n";
  }
  return metrics::score(hyps, refs);
}

// Cross-attention of the last decoder layer (or `layer`), averaged over heads (or `head`), for
// one source sentence and the model's own translation of it: rows are output tokens (and <eos>),
// columns source tokens.
void plot_attention(const Translator& model, const Checkpoint& ck, const std::string& source, const std::string& path_stem,
                    int layer, int head) {
  NoGradGuard ng;
  const auto src_tokens = tokens_of(source, ck.char_level);
  const auto src_ids = ck.src_vocab.encode(src_tokens, false, false);
  const auto out_ids = translate_ids(model, {src_ids}, 1, model.config().max_len)[0];
  const data::Batch b = data::collate({{src_ids, out_ids}}, {0}, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
  auto& layers = *model.transformer->decoder->layers;
  const int li = layer < 0 ? static_cast<int>(layers.size()) - 1 : layer;
  if (li >= static_cast<int>(layers.size())) throw cli::UsageError("--plot-layer must be below " + std::to_string(layers.size()));
  auto& attn = *layers[li]->multihead_attn;
  attn.store_attention_weights = true;
  (void)model.decode(b.tgt_in, b.tgt_lengths, model.encode(b.src, b.src_lengths), b.src_lengths);
  attn.store_attention_weights = false;
  Tensor w = attn.last_attention_weights.select(0, 0);  // [H, T, S]
  if (head >= w.size(0)) throw cli::UsageError("--plot-head must be below " + std::to_string(w.size(0)));
  w = head < 0 ? w.mean({0}) : w.select(0, head);
  std::vector<std::vector<double>> values(w.size(0));
  const auto flat = w.to_vector<double>();
  for (std::int64_t r = 0; r < w.size(0); ++r) values[r].assign(flat.begin() + r * w.size(1), flat.begin() + (r + 1) * w.size(1));
  auto rows = ck.tgt_vocab.decode(out_ids);
  rows.push_back("<eos>");
  const std::string title = source + "  ->  " + text_of(ck.tgt_vocab.decode(out_ids), ck.char_level);
  io::write_file_atomic(path_stem + ".svg", plot::heatmap_svg(values, src_tokens, rows, title));
  io::write_file_atomic(path_stem + ".csv", plot::matrix_csv(values, src_tokens, rows));
}

}  // namespace

// ---- train ----------------------------------------------------------------------------------------

int train_command(cli::Args& args) {
  Corpus corpus = load_corpus(args, true);
  ModelConfig mc;
  mc.d_model = args.get_int("d-model", 128, "model width", 8, 4096);
  mc.heads = args.get_int("heads", 4, "attention heads", 1, 64);
  mc.layers = args.get_int("layers", 2, "encoder layers (and as many decoder layers)", 1, 24);
  mc.ff = args.get_int("ff", 512, "feed-forward width", 8, 65536);
  mc.dropout = args.get_double("dropout", 0.1, "dropout");
  const auto batch_size = args.get_int("batch", 64, "sentences per batch", 1, 65536);
  auto steps = args.get_int("steps", 0, "training steps (0: from --epochs, else the task's epochs (6; SCAN 40), at least 500)", 0);
  const auto epochs = args.get_int("epochs", 0, "passes over the training data (instead of --steps)", 0, 100000);
  const double lr = args.get_double("lr", 1e-3, "peak learning rate (Adam)");
  const auto warmup = args.get_int("warmup", 200, "linear warm-up steps", 0);
  const double smoothing = args.get_double("label-smoothing", 0.1, "label smoothing");
  const double clip = args.get_double("clip", 1.0, "gradient norm clip (0: off)");
  const auto seed = args.get_int("seed", 1, "random seed (initialisation, data order, dropout)", 0);
  const auto threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  const std::string save_path = args.get_string("save", "", "write a checkpoint here (at the end, and every --save-every steps)");
  const auto save_every = args.get_int("save-every", 0, "steps between checkpoints (0: only at the end)", 0);
  const std::string resume_path = args.get_string("resume", "", "continue the run saved in this checkpoint");
  const auto stop_at = args.get_int("stop-at", 0, "stop after this step, saving to --save, without evaluating (0: off)", 0);
  const bool detect_anomaly = args.get_flag("detect-anomaly", "check every op's output and every gradient for NaN/Inf (slow)");
  const std::string plots = args.get_string("plots", "", "write attention maps and loss curves into this folder");
  const auto plot_layer = args.get_int("plot-layer", -1, "decoder layer whose cross-attention is drawn (-1: last)", -1);
  const auto plot_head = args.get_int("plot-head", -1, "head drawn (-1: average over heads)", -1);
  const auto beam = args.get_int("beam", 1, "beam width for the final evaluation (1: greedy)", 1, 64);
  if (args.help()) {
    std::cout << args.usage("translate train", "Train a Transformer translator, then score it on the test split.");
    return 0;
  }
  args.finish();
  if (!(mc.dropout >= 0 && mc.dropout < 1)) throw cli::UsageError("--dropout must be in [0, 1)");
  if (mc.d_model % mc.heads != 0) throw cli::UsageError("--d-model must be a multiple of --heads");
  if (!(lr > 0)) throw cli::UsageError("--lr must be positive");
  if (!(smoothing >= 0 && smoothing < 1)) throw cli::UsageError("--label-smoothing must be in [0, 1)");
  if (!(clip >= 0)) throw cli::UsageError("--clip must be >= 0");
  if (stop_at > 0 && save_path.empty()) throw cli::UsageError("--stop-at needs --save PATH");
  if (!save_path.empty()) {
    // Fail now, not after hours of training: the checkpoint's folder must exist.
    const auto dir = std::filesystem::path(save_path).parent_path();
    if (std::filesystem::is_directory(save_path)) throw cli::UsageError("--save " + save_path + " is a folder");
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      throw cli::UsageError("--save " + save_path + ": the folder " + dir.string() + " does not exist");
  }
  if (corpus.train.empty()) throw FormatError("the training set is empty");
  if (corpus.test.empty()) throw FormatError("the test set is empty");
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  manual_seed(static_cast<std::uint64_t>(seed));
  set_detect_anomaly(detect_anomaly);
  // Under mpirun: one rank of a data-parallel job (train_step.h); rank 0 alone logs, saves,
  // evaluates and reports. Alone: rank 0 of 1. A build without MPI refuses to run under mpirun.
  distributed::Communicator& comm = distributed::world();
  const bool root = comm.rank() == 0;
  std::ostream quiet(nullptr);  // discards what the other ranks would repeat
  std::ostream& log = root ? std::cerr : quiet;

  // Vocabularies from the training data (or the checkpoint being resumed).
  Checkpoint ck;
  std::unique_ptr<TensorFile> resume;
  if (!resume_path.empty()) {
    resume = std::make_unique<TensorFile>(io::load_safetensors(resume_path));
    ck = Checkpoint::from_file(*resume, resume_path);
  } else {
    std::vector<std::vector<std::string>> src_sents, tgt_sents;
    for (const auto& e : corpus.train) {
      src_sents.push_back(tokens_of(e.source, corpus.char_level));
      tgt_sents.push_back(tokens_of(e.target, corpus.char_level));
    }
    ck.src_vocab = text::Vocab::build(src_sents);
    ck.tgt_vocab = text::Vocab::build(tgt_sents);
    ck.char_level = corpus.char_level;
    ck.task = corpus.name;
  }
  const auto train = encode_all(corpus.train, ck.src_vocab, ck.tgt_vocab, ck.char_level);
  const auto valid = encode_all(corpus.valid.size() > 512 ? std::vector<data::Example>(corpus.valid.begin(), corpus.valid.begin() + 512)
                                                          : corpus.valid,
                                ck.src_vocab, ck.tgt_vocab, ck.char_level);
  std::int64_t longest = 0;
  for (const auto& p : train) longest = std::max<std::int64_t>({longest, std::int64_t(p.src.size()), std::int64_t(p.tgt.size())});
  for (const auto& e : corpus.test) longest = std::max<std::int64_t>(longest, tokens_of(e.source, ck.char_level).size());
  mc.src_vocab = ck.src_vocab.size();
  mc.tgt_vocab = ck.tgt_vocab.size();
  mc.max_len = resume ? ck.config.max_len : std::max<std::int64_t>(64, 2 * longest + 16);
  if (resume) {
    // The checkpoint defines the model: a model flag given again must agree with it.
    const std::pair<const char*, std::int64_t ModelConfig::*> shape_flags[] = {
        {"d-model", &ModelConfig::d_model}, {"heads", &ModelConfig::heads}, {"layers", &ModelConfig::layers},
        {"ff", &ModelConfig::ff}};
    for (const auto& [flag, member] : shape_flags)
      if (args.has(flag) && mc.*member != ck.config.*member)
        throw cli::UsageError(std::string("--") + flag + " " + std::to_string(mc.*member) + " contradicts the checkpoint " +
                              resume_path + ", trained with --" + flag + " " + std::to_string(ck.config.*member));
    const double dropout = mc.dropout;
    mc = ck.config;
    mc.dropout = dropout;
  }
  const std::int64_t batches_per_epoch = (static_cast<std::int64_t>(train.size()) + batch_size - 1) / batch_size;
  if (steps == 0) steps = std::max<std::int64_t>(500, (epochs > 0 ? epochs : corpus.epochs) * batches_per_epoch);
  if (resume) steps = std::max(steps, ck.total_steps);

  Translator model(mc);
  optim::AdamOptions ao;
  ao.lr = lr;
  ao.betas = {0.9, 0.98};
  ao.eps = 1e-9;
  optim::Adam opt(model.named_parameters(), ao);
  const std::int64_t total = steps;
  optim::LambdaLR schedule(opt, [warmup, total](std::int64_t step) {
    // Linear warm-up, then cosine decay to 5% of the peak.
    if (step < warmup) return static_cast<double>(step + 1) / static_cast<double>(warmup);
    const double progress = std::min(1.0, static_cast<double>(step - warmup) / std::max<double>(1.0, double(total - warmup)));
    return 0.05 + 0.95 * 0.5 * (1 + std::cos(3.14159265358979323846 * progress));
  });
  Generator data_gen(static_cast<std::uint64_t>(seed) * 7919 + 1);
  TrainState st;
  st.total_steps = total;
  if (resume) {
    ck.restore(*resume, model, opt, schedule, data_gen, st);
    log << "resumed " << resume_path << " at step " << st.step << " of " << total << "\n";
  }
  // Every rank starts from rank 0's weights and draws its own dropout masks.
  distributed::broadcast_parameters(comm, model.parameters());
  distributed::split_generator(default_generator(), comm.rank());
  if (comm.size() > 1) log << "data-parallel: " << comm.size() << " processes over " << comm.name() << "\n";
  log << "task " << corpus.name << ": " << train.size() << " train, " << corpus.valid.size() << " valid, "
            << corpus.test.size() << " test; vocab " << mc.src_vocab << " -> " << mc.tgt_vocab << "; "
            << model.num_parameters() << " parameters; " << total << " steps\n";

  CrossEntropyOptions ce;
  ce.ignore_index = text::Vocab::kPad;
  ce.label_smoothing = smoothing;
  plot::Progress progress(total, log);
  std::vector<double> curve_x, curve_train, curve_vx, curve_valid;
  double window_loss = 0;
  std::int64_t window_steps = 0, window_tokens = 0;
  auto window_start = Clock::now();
  const auto t0 = Clock::now();
  const std::int64_t log_every = std::max<std::int64_t>(1, total / 50);
  const std::int64_t valid_every = std::max<std::int64_t>(1, total / 10);

  auto valid_loss = [&]() -> double {
    if (valid.empty()) return std::nan("");
    NoGradGuard ng;
    model.eval();
    Generator g(0);
    double sum = 0;
    std::int64_t tokens = 0;
    CrossEntropyOptions sum_ce = ce;
    sum_ce.reduction = Reduction::Sum;
    sum_ce.label_smoothing = 0;
    for (const auto& idx : data::length_batches(valid, 128, g)) {
      const data::Batch b = data::collate(valid, idx, text::Vocab::kPad, text::Vocab::kBos, text::Vocab::kEos);
      const Tensor logits = model.forward(b);
      sum += cross_entropy(logits.reshape({-1, mc.tgt_vocab}), b.tgt_out.reshape({-1}), sum_ce).item<double>();
      tokens += b.target_tokens;
    }
    model.train();
    return sum / static_cast<double>(tokens);
  };

  model.train();
  std::vector<std::vector<std::int64_t>> epoch_batches;
  auto start_epoch = [&] {
    st.epoch_rng = data_gen.get_state();
    epoch_batches = data::length_batches(train, batch_size, data_gen);
  };
  // A resumed run regenerates its epoch's batch order from the saved generator state.
  if (resume) {
    data_gen.set_state(st.epoch_rng);
    epoch_batches = data::length_batches(train, batch_size, data_gen);
  } else {
    start_epoch();
  }
  // The last checkpoint written (or resumed from), for the message when training fails.
  std::string saved_path = resume_path;
  std::int64_t saved_step = st.step;
  const auto save = [&] {
    if (root) ck.save(save_path, model, opt, schedule, data_gen, st);
    saved_path = save_path;
    saved_step = st.step;
  };
  // Ctrl-C or SIGTERM during training: the handlers only record the signal; every rank asks
  // before each step and once after the last (the ranks agree, so all stop at the same step),
  // rank 0 saves to --save if given, and the program exits 130 (SIGINT) or 143 (SIGTERM) without
  // evaluating.
  std::optional<cli::StopSignals> signals;
  signals.emplace();
  while (true) {
    const int stop_signal = signals->agreed(comm);
    if (stop_signal != 0 || (stop_at > 0 && st.step >= stop_at && st.step < total)) {
      if (!save_path.empty()) save();
      log << cli::stop_word(stop_signal) << " at step " << st.step << " of " << total
                << (save_path.empty() ? "; no --save given, nothing saved" : "; saved " + save_path) << "\n";
      // The other ranks end only once rank 0 has saved: under mpirun one rank's exit can end them all.
      comm.barrier();
      return stop_signal != 0 ? cli::stop_exit_status(stop_signal) : 0;
    }
    if (st.step >= total) break;
    if (st.batch_in_epoch >= static_cast<std::int64_t>(epoch_batches.size())) {
      ++st.epoch;
      st.batch_in_epoch = 0;
      start_epoch();
    }
    const StepLoss loss = batch_loss(model, train, epoch_batches[st.batch_in_epoch++], ce, comm);
    const double loss_value = loss.value;  // the whole batch's, so every rank stops here together
    if (!std::isfinite(loss_value))
      throw ValueError(std::string("the training loss is ") + (std::isnan(loss_value) ? "NaN" : "infinite") + " at step " +
                       std::to_string(st.step + 1) + "; lower --lr or raise --warmup; " +
                       (saved_path.empty() ? "no checkpoint was written"
                                           : "the checkpoint " + saved_path + " (step " + std::to_string(saved_step) +
                                                 ") is kept"));
    opt.zero_grad();
    backward(loss, model, comm);
    if (clip > 0) optim::clip_grad_norm(model.parameters(), clip);
    opt.step();
    schedule.step();
    ++st.step;
    window_loss += loss_value;
    ++window_steps;
    window_tokens += loss.tokens;
    if (st.step % log_every == 0 || st.step == total) {
      const double tps = static_cast<double>(window_tokens) / std::max(1e-9, seconds_since(window_start));
      progress.update(st.step, window_loss / static_cast<double>(window_steps), tps);
      curve_x.push_back(static_cast<double>(st.step));
      curve_train.push_back(window_loss / static_cast<double>(window_steps));
      window_loss = 0;
      window_steps = window_tokens = 0;
      window_start = Clock::now();
    }
    if (root && !plots.empty() && (st.step % valid_every == 0 || st.step == total)) {
      curve_vx.push_back(static_cast<double>(st.step));
      curve_valid.push_back(valid_loss());
    }
    if (!save_path.empty() && save_every > 0 && st.step % save_every == 0 && st.step < total) save();
  }
  signals.reset();  // Ctrl-C or SIGTERM during the evaluation stops the program as usual
  progress.finish();
  const double train_seconds = seconds_since(t0);
  if (!root) return 0;  // the weights are rank 0's: it saves and evaluates them
  model.eval();
  if (!save_path.empty()) ck.save(save_path, model, opt, schedule, data_gen, st);

  const auto t1 = Clock::now();
  const metrics::Scores scores = evaluate(model, ck, corpus.test, static_cast<int>(beam));
  std::cerr << "evaluated " << scores.examples << " test examples in " << seconds_since(t1) << " s\n";
  if (!plots.empty()) {
    std::filesystem::create_directories(plots);
    std::vector<std::string> picks;
    for (const auto& e : corpus.test)
      if (e.source == "我爱学习编程") picks.push_back(e.source);
    for (std::size_t i = 0; i < corpus.test.size() && picks.size() < 4; i += std::max<std::size_t>(1, corpus.test.size() / 3))
      if (std::find(picks.begin(), picks.end(), corpus.test[i].source) == picks.end()) picks.push_back(corpus.test[i].source);
    for (std::size_t i = 0; i < picks.size(); ++i)
      plot_attention(model, ck, picks[i], plots + "/attention_" + std::to_string(i), static_cast<int>(plot_layer),
                     static_cast<int>(plot_head));
    std::vector<plot::Series> series{{"train", curve_x, curve_train}};
    if (!curve_valid.empty()) series.push_back({"valid", curve_vx, curve_valid});
    io::write_file_atomic(plots + "/loss.svg", plot::line_chart_svg(series, "loss (" + corpus.name + ")", "step", "cross-entropy"));
    std::cerr << "wrote " << picks.size() << " attention maps and loss.svg to " << plots << "\n";
  }
  std::cout << metrics::format_record(scores, train_seconds) << std::endl;
  return 0;
}

// ---- eval -----------------------------------------------------------------------------------------

int eval_command(cli::Args& args) {
  const std::string load = args.get_string("load", "", "checkpoint written by train --save");
  const auto beam = args.get_int("beam", 1, "beam width (1: greedy)", 1, 64);
  const auto threads = args.get_int("threads", 0, "threads (0: the library's default)", 0, 1024);
  const auto show_errors = args.get_int("show-errors", 0, "print this many wrong translations to stderr", 0);
  Corpus corpus = load_corpus(args, false);
  if (args.help()) {
    std::cout << args.usage("translate eval", "Score a saved model on a task's test split or a test file.");
    return 0;
  }
  args.finish();
  if (load.empty()) throw cli::UsageError("eval needs --load PATH");
  if (threads > 0) set_num_threads(static_cast<int>(threads));
  if (corpus.test.empty()) throw FormatError("the test set is empty");
  const TensorFile file = io::load_safetensors(load);
  Checkpoint ck = Checkpoint::from_file(file, load);
  Translator model(ck.config);
  ck.load_weights(file, model);
  model.eval();
  const auto t0 = Clock::now();
  const metrics::Scores scores = evaluate(model, ck, corpus.test, static_cast<int>(beam), show_errors);
  std::cout << metrics::format_record(scores, seconds_since(t0)) << std::endl;
  return 0;
}

// ---- run ------------------------------------------------------------------------------------------

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
  const TensorFile file = io::load_safetensors(load);
  Checkpoint ck = Checkpoint::from_file(file, load);
  Translator model(ck.config);
  ck.load_weights(file, model);
  model.eval();
  std::vector<std::string> sentences = args.positional();
  if (sentences.empty())
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      sentences.push_back(line);
    }
  std::vector<std::vector<std::int64_t>> sources;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const auto tokens = tokens_of(sentences[i], ck.char_level);
    if (tokens.empty()) throw FormatError("sentence " + std::to_string(i + 1) + " is empty");
    for (const auto& t : tokens)
      if (!ck.src_vocab.contains(t))
        throw FormatError("sentence " + std::to_string(i + 1) + ": unknown token '" + t + "'");
    if (static_cast<std::int64_t>(tokens.size()) > ck.config.max_len)
      throw FormatError("sentence " + std::to_string(i + 1) + " has " + std::to_string(tokens.size()) +
                        " tokens; the model allows " + std::to_string(ck.config.max_len));
    sources.push_back(ck.src_vocab.encode(tokens, false, false));
  }
  const auto outputs = translate_ids(model, sources, static_cast<int>(beam), ck.config.max_len);
  for (const auto& ids : outputs) std::cout << text_of(ck.tgt_vocab.decode(ids), ck.char_level) << "\n";
  return 0;
}

}  // namespace translate
