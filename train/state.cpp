// TrainingState, SavedRun and RunOptions: one checkpoint format for every training program.
#include <focus/train/state.h>

#include <focus/tensor/error.h>

#include <bit>
#include <charconv>
#include <sstream>

namespace focus::train {

namespace {

// A generator as "<state> <inc> <has_spare> <bits of spare>", all decimal: exact, and readable.
std::string generator_text(const Generator::State& s) {
  std::ostringstream os;
  os << s.state << " " << s.inc << " " << (s.has_spare ? 1 : 0) << " " << std::bit_cast<std::uint64_t>(s.spare);
  return os.str();
}

bool parse_generator(const std::string& text, Generator::State& s) {
  std::istringstream is(text);
  int has = 0;
  std::uint64_t spare_bits = 0;
  if (!(is >> s.state >> s.inc >> has >> spare_bits) || (has != 0 && has != 1) || (s.inc & 1) == 0) return false;
  is >> std::ws;
  if (!is.eof()) return false;
  s.has_spare = has == 1;
  s.spare = std::bit_cast<double>(spare_bits);
  return true;
}

template <class T>
bool parse_number(const std::string& s, T& v) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

// The file's tensors whose names start with prefix, with their full names (each loader reads
// its own prefix), or without the prefix.
StateDict entries(const io::TensorFile& file, const std::string& prefix, bool strip) {
  StateDict d;
  for (const auto& [name, t] : file.tensors)
    if (name.starts_with(prefix)) d.emplace(strip ? name.substr(prefix.size()) : name, t);
  return d;
}

}  // namespace

std::string number_text(std::int64_t v) { return std::to_string(v); }

std::string number_text(double v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// ---- SavedRun ------------------------------------------------------------------------------------

SavedRun SavedRun::open(const std::string& path, const std::string& program) {
  SavedRun s;
  s.path_ = path;
  s.program_ = program;
  s.file_ = io::load_safetensors(path);
  const auto it = s.file_.metadata.find("train.program");
  if (it != s.file_.metadata.end() && it->second != program)
    throw FormatError("checkpoint " + path + ": written by " + it->second + ", not " + program);
  return s;
}

const std::string& SavedRun::text(const std::string& key) const {
  const auto it = file_.metadata.find(key);
  if (it == file_.metadata.end())
    throw FormatError("checkpoint " + path_ + ": not " + program_ + "'s; got no metadata '" + key + "'");
  return it->second;
}

std::int64_t SavedRun::integer(const std::string& key) const {
  const std::string& s = text(key);
  std::int64_t v = 0;
  if (!parse_number(s, v) || v < 0)
    throw FormatError("checkpoint " + path_ + ": metadata '" + key + "' must be an integer >= 0; got '" + s + "'");
  return v;
}

double SavedRun::real(const std::string& key) const {
  const std::string& s = text(key);
  double v = 0;
  if (!parse_number(s, v) || !std::isfinite(v))
    throw FormatError("checkpoint " + path_ + ": metadata '" + key + "' must be a finite number; got '" + s + "'");
  return v;
}

std::string SavedRun::task() const {
  if (has("train.task")) return text("train.task");
  if (has("task")) return text("task");  // translate's checkpoints before the kit
  return "";
}

void SavedRun::check_task(const std::string& task) const {
  const std::string saved = this->task();
  if (!saved.empty() && !task.empty() && saved != task)
    throw FormatError("checkpoint " + path_ + ": trained on task '" + saved + "', not '" + task + "'");
}

// ---- TrainingState ---------------------------------------------------------------------------

TrainingState::TrainingState(std::string program, std::string task) : program_(std::move(program)), task_(std::move(task)) {}

void TrainingState::track(nn::Module& model) { model_ = &model; }
void TrainingState::track(optim::Optimizer& optimizer) { optimizer_ = &optimizer; }
void TrainingState::track(optim::LRScheduler& schedule) { schedule_ = &schedule; }
void TrainingState::track(const std::string& name, Generator& generator) { generators_.emplace_back(name, &generator); }

void TrainingState::save(const std::string& path) const {
  StateDict tensors;
  if (model_)
    for (const auto& [name, t] : model_->state_dict()) tensors.emplace("model." + name, t);
  if (optimizer_)
    for (const auto& [name, t] : optimizer_->state_dict()) tensors.emplace(name, t);
  if (schedule_)
    for (const auto& [name, t] : schedule_->state_dict()) tensors.emplace(name, t);
  io::Metadata m = metadata;
  for (const auto& [key, value] : m)
    if (key.starts_with("train."))
      throw ValueError("TrainingState::save: metadata keys starting with 'train.' are the state's own; got '" + key + "'");
  m["train.program"] = program_;
  if (!task_.empty()) m["train.task"] = task_;
  m["train.step"] = number_text(position.step);
  m["train.total_steps"] = number_text(position.total_steps);
  m["train.epoch"] = number_text(position.epoch);
  m["train.batch_in_epoch"] = number_text(position.batch_in_epoch);
  if (std::isfinite(position.first_loss)) m["train.first_loss"] = number_text(position.first_loss);
  if (std::isfinite(position.last_loss)) m["train.last_loss"] = number_text(position.last_loss);
  for (const auto& [name, g] : generators_) m["train." + name + "_rng"] = generator_text(g->get_state());
  io::save_safetensors(path, tensors, m);
}

void TrainingState::restore(const SavedRun& saved) {
  saved.check_task(task_);
  const std::string& path = saved.path();
  // Everything read and checked before anything changes: a bad file leaves the run as it was.
  Position p;
  p.step = saved.integer("train.step");
  p.total_steps = saved.integer("train.total_steps");
  p.epoch = saved.has("train.epoch") ? saved.integer("train.epoch") : 0;
  p.batch_in_epoch = saved.has("train.batch_in_epoch") ? saved.integer("train.batch_in_epoch") : 0;
  if (saved.has("train.first_loss")) p.first_loss = saved.real("train.first_loss");
  if (saved.has("train.last_loss")) p.last_loss = saved.real("train.last_loss");
  std::vector<Generator::State> states;
  for (const auto& [name, g] : generators_) {
    Generator::State s;
    if (!parse_generator(saved.text("train." + name + "_rng"), s))
      throw FormatError("checkpoint " + path + ": metadata 'train." + name + "_rng' is not a generator state");
    states.push_back(s);
  }
  try {
    if (model_) model_->load_state_dict(entries(saved.file(), "model.", true), true);
    if (optimizer_) optimizer_->load_state_dict(entries(saved.file(), "optim.", false));
    if (schedule_) schedule_->load_state_dict(entries(saved.file(), "lr_scheduler.", false));
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    throw FormatError("checkpoint " + path + ": " + e.what());
  }
  for (std::size_t i = 0; i < generators_.size(); ++i) generators_[i].second->set_state(states[i]);
  position = p;
  for (const auto& [key, value] : saved.metadata())
    if (!key.starts_with("train.")) metadata[key] = value;
}

// ---- RunOptions ------------------------------------------------------------------------------

void RunOptions::add(const std::string& flag, std::int64_t& value, std::optional<std::string> older) {
  options_.push_back({flag, &value, std::move(older)});
}
void RunOptions::add(const std::string& flag, double& value, std::optional<std::string> older) {
  options_.push_back({flag, &value, std::move(older)});
}
void RunOptions::add(const std::string& flag, std::string& value, std::optional<std::string> older) {
  options_.push_back({flag, &value, std::move(older)});
}

namespace {

std::string value_text(const std::variant<std::int64_t*, double*, std::string*>& v) {
  return std::visit(
      [](auto* p) -> std::string {
        if constexpr (std::is_same_v<decltype(p), std::string*>) return *p;
        else return number_text(*p);
      },
      v);
}

}  // namespace

void RunOptions::record(io::Metadata& metadata) const {
  for (const auto& option : options_) metadata["option." + option.flag] = value_text(option.value);
}

void RunOptions::restore(const SavedRun& saved, const cli::Args& args) {
  for (const auto& option : options_) {
    const std::string& flag = option.flag;  // a reference, not a structured binding: lambdas capture it (clang 14)
    const auto& v = option.value;
    const std::string key = "option." + flag;
    const bool older = option.older_files && !saved.metadata().contains(key);
    const std::string& text = older ? *option.older_files : saved.text(key);
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          T value{};
          if constexpr (std::is_same_v<T, std::string>) {
            value = text;
          } else if (!parse_number(text, value)) {
            throw FormatError("checkpoint " + saved.path() + ": metadata '" + key + "' must be a number; got '" + text + "'");
          }
          if (!args.has(flag)) *p = value;
          else if (*p != value)
            throw cli::UsageError("--" + flag + " " + value_text(p) + " contradicts the checkpoint " + saved.path() +
                                  ", trained with --" + flag + " " + text);
        },
        v);
  }
}

std::vector<std::pair<std::string, std::string>> RunOptions::table() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& option : options_) out.emplace_back(option.flag, value_text(option.value));
  return out;
}

std::optional<SavedRun> open_resume(CommonFlags& flags, const cli::Args& args, RunOptions& options, const std::string& program) {
  if (flags.resume.empty()) return std::nullopt;
  SavedRun saved = SavedRun::open(flags.resume, program);
  options.restore(saved, args);
  if (!args.has("steps")) flags.steps = saved.integer("train.total_steps");
  return saved;
}

}  // namespace focus::train
