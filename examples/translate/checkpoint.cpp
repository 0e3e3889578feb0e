// Checkpoint save and restore.
#include "checkpoint.h"

#include <cstdio>
#include <cstring>
#include <sstream>

namespace translate {

namespace {

std::string rng_to_string(const Generator::State& s) {
  std::ostringstream os;
  std::uint64_t spare_bits = 0;
  static_assert(sizeof(double) == sizeof(std::uint64_t));
  std::memcpy(&spare_bits, &s.spare, sizeof spare_bits);
  os << s.state << " " << s.inc << " " << (s.has_spare ? 1 : 0) << " " << spare_bits;
  return os.str();
}

Generator::State rng_from_string(const std::string& text, const std::string& what) {
  std::istringstream is(text);
  Generator::State s;
  int has = 0;
  std::uint64_t spare_bits = 0;
  if (!(is >> s.state >> s.inc >> has >> spare_bits) || (has != 0 && has != 1) || (s.inc & 1) == 0)
    throw FormatError("checkpoint: bad generator state in " + what);
  s.has_spare = has == 1;
  std::memcpy(&s.spare, &spare_bits, sizeof spare_bits);
  return s;
}

const std::string& need(const io::Metadata& m, const std::string& key, const std::string& path) {
  auto it = m.find(key);
  if (it == m.end()) throw FormatError("checkpoint " + path + ": missing metadata '" + key + "'");
  return it->second;
}

std::int64_t need_int(const io::Metadata& m, const std::string& key, const std::string& path) {
  const std::string& v = need(m, key, path);
  try {
    std::size_t used = 0;
    const long long r = std::stoll(v, &used);
    if (used == v.size() && r >= 0) return r;
  } catch (const std::exception&) {
  }
  throw FormatError("checkpoint " + path + ": metadata '" + key + "' must be a non-negative integer; got '" + v + "'");
}

nn::StateDict model_state(const TensorFile& file) {
  nn::StateDict d;
  for (const auto& [name, t] : file.tensors)
    if (name.rfind("model.", 0) == 0) d.emplace(name.substr(6), t);
  return d;
}

}  // namespace

Checkpoint Checkpoint::from_file(const TensorFile& file, const std::string& path) {
  Checkpoint ck;
  try {
    ck.config = ModelConfig::from_metadata(file.metadata);
  } catch (const FormatError& e) {
    throw FormatError(std::string(e.what()) + " (" + path + ")");
  }
  ck.src_vocab = text::Vocab::deserialize(need(file.metadata, "vocab.src", path), path + " vocab.src");
  ck.tgt_vocab = text::Vocab::deserialize(need(file.metadata, "vocab.tgt", path), path + " vocab.tgt");
  if (ck.src_vocab.size() != ck.config.src_vocab || ck.tgt_vocab.size() != ck.config.tgt_vocab)
    throw FormatError("checkpoint " + path + ": vocabulary sizes do not match model.src_vocab / model.tgt_vocab");
  ck.char_level = need(file.metadata, "text.char_level", path) == "1";
  ck.task = need(file.metadata, "task", path);
  ck.total_steps = need_int(file.metadata, "train.total_steps", path);
  return ck;
}

void Checkpoint::load_weights(const TensorFile& file, Translator& model) const {
  model.load_state_dict(model_state(file), true);
}

void Checkpoint::restore(const TensorFile& file, Translator& model, optim::Optimizer& opt, optim::LRScheduler& schedule,
                         Generator& data_gen, TrainState& st) const {
  load_weights(file, model);
  // Each reads its own "optim." / "lr_scheduler." entries and ignores the rest.
  const StateDict all(file.tensors);
  opt.load_state_dict(all);
  schedule.load_state_dict(all);
  const auto& m = file.metadata;
  const std::string path = "(resume)";
  st.step = need_int(m, "train.step", path);
  st.epoch = need_int(m, "train.epoch", path);
  st.batch_in_epoch = need_int(m, "train.batch_in_epoch", path);
  st.epoch_rng = rng_from_string(need(m, "train.data_rng", path), path + " train.data_rng");
  data_gen.set_state(st.epoch_rng);
  default_generator().set_state(rng_from_string(need(m, "train.dropout_rng", path), path + " train.dropout_rng"));
}

void Checkpoint::save(const std::string& path, const Translator& model, const optim::Optimizer& opt,
                      const optim::LRScheduler& schedule, const Generator& data_gen, const TrainState& st) const {
  (void)data_gen;  // its position within the epoch is implied by (epoch_rng, batch_in_epoch)
  StateDict tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace("model." + name, t);
  for (const auto& [name, t] : opt.state_dict()) tensors.emplace(name, t);
  for (const auto& [name, t] : schedule.state_dict()) tensors.emplace(name, t);
  io::Metadata m = model.config().to_metadata();
  m["vocab.src"] = src_vocab.serialize();
  m["vocab.tgt"] = tgt_vocab.serialize();
  m["text.char_level"] = std::string(char_level ? "1" : "0");  // not the bare char*: a false -Wrestrict in GCC 12
  m["task"] = task;
  m["train.step"] = std::to_string(st.step);
  m["train.total_steps"] = std::to_string(st.total_steps);
  m["train.epoch"] = std::to_string(st.epoch);
  m["train.batch_in_epoch"] = std::to_string(st.batch_in_epoch);
  m["train.data_rng"] = rng_to_string(st.epoch_rng);
  m["train.dropout_rng"] = rng_to_string(default_generator().get_state());
  io::save_safetensors(path, tensors, m);
}

}  // namespace translate
