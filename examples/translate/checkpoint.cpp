// translate's model settings and vocabularies in a checkpoint (see checkpoint.h).
#include "checkpoint.h"

namespace translate {

ModelFile ModelFile::from(const train::SavedRun& saved) {
  const std::string& path = saved.path();
  ModelFile f;
  try {
    f.config = ModelConfig::from_metadata(saved.metadata());
  } catch (const FormatError& e) {
    throw FormatError(std::string(e.what()) + " (" + path + ")");
  }
  f.src_vocab = text::Vocab::deserialize(saved.text("vocab.src"), path + " vocab.src");
  f.tgt_vocab = text::Vocab::deserialize(saved.text("vocab.tgt"), path + " vocab.tgt");
  if (f.src_vocab.size() != f.config.src_vocab || f.tgt_vocab.size() != f.config.tgt_vocab)
    throw FormatError("checkpoint " + path + ": vocabulary sizes do not match model.src_vocab / model.tgt_vocab");
  f.char_level = saved.text("text.char_level") == "1";
  f.task = saved.task();
  return f;
}

void ModelFile::record(io::Metadata& m) const {
  for (const auto& [key, value] : config.to_metadata()) m[key] = value;
  m["vocab.src"] = src_vocab.serialize();
  m["vocab.tgt"] = tgt_vocab.serialize();
  m["text.char_level"] = std::string(char_level ? "1" : "0");  // not the bare char*: a false -Wrestrict in GCC 12
}

LoadedModel load_model(const std::string& path) {
  const train::SavedRun saved = train::SavedRun::open(path, "translate");
  LoadedModel out{ModelFile::from(saved), nullptr};
  out.model = std::make_unique<Translator>(out.file.config);
  nn::StateDict weights;
  for (const auto& [name, t] : saved.file().tensors)
    if (name.starts_with("model.")) weights.emplace(name.substr(6), t);
  try {
    out.model->load_state_dict(weights, true);
  } catch (const Error& e) {  // the tensors are not those of the model the settings describe
    const ModelConfig& c = out.file.config;
    throw FormatError("checkpoint " + path + ": its tensors do not fit its model settings (model.positions=" + c.positions +
                      ", model.attention=" + c.attention.str() + ", model.norm=" + c.norm + ", model.share_layers=" + (c.share_layers ? "1" : "0") + "): " + e.what());
  }
  out.model->eval();
  return out;
}

void check_resumed_shape(const ModelConfig& given, const ModelConfig& saved, const cli::Args& args, const std::string& path) {
  const auto check = [&](const char* flag, std::int64_t want, std::int64_t had) {
    if (args.has(flag) && want != had)
      throw cli::UsageError(std::string("--") + flag + " " + std::to_string(want) + " contradicts the checkpoint " + path +
                            ", trained with --" + flag + " " + std::to_string(had));
  };
  check("d-model", given.d_model, saved.d_model);
  check("heads", given.heads, saved.heads);
  check("layers", given.layers, saved.layers);
  check("ff", given.ff, saved.ff);
  check("share-layers", given.share_layers ? 1 : 0, saved.share_layers ? 1 : 0);
}

}  // namespace translate
