// translate's model to and from PyTorch's Seq2Seq layout (torch_layout.h), and the export and
// import commands.
#include "torch_layout.h"

#include <focus/io/safetensors.h>
#include <focus/io/torch_interop.h>

#include <cmath>
#include <iostream>

namespace translate {

namespace {

const std::vector<io::Rename> kRenames = {
    {"src_embed.", "src_emb."}, {"tgt_embed.", "tgt_emb."}, {"transformer.", "tf."}, {"generator.", "out."}};
const std::string kEncoderTable = "transformer.encoder.positions.weight";
const std::string kDecoderTable = "transformer.decoder.positions.weight";

double embedding_scale(const Translator& model) { return std::sqrt(static_cast<double>(model.config().d_model)); }

// The PyTorch state of model; with tables_must_agree, learned tables that differ are refused
// (import only needs the names, shapes and dtypes of a fresh model, whose tables differ).
StateDict torch_state(const Translator& model, const char* op, bool tables_must_agree) {
  if (model.config().share_layers)
    throw ValueError(std::string(op) + ": torch.nn.Transformer gives each layer its own weights; got share_layers=1");
  io::check_torch_transformer(model.config().transformer_options(), op);
  NoGradGuard no_grad;
  const StateDict state = model.state_dict();
  StateDict focus_state;
  for (const auto& [name, t] : state) {
    if (name == kDecoderTable) continue;  // one shared table on the PyTorch side
    if (name == kEncoderTable) {
      if (tables_must_agree && t.to_vector<double>() != state.at(kDecoderTable).to_vector<double>())
        throw ValueError(std::string(op) + ": Seq2Seq shares one learned position table (pos) between source and "
                         "target; got different encoder and decoder tables (--positions sinusoidal exports)");
      focus_state.emplace("pos", t);
      continue;
    }
    focus_state.emplace(name, name.ends_with("_embed.weight") ? t * embedding_scale(model) : t);
  }
  return io::to_torch_names(focus_state, kRenames);
}

}  // namespace

StateDict to_torch_layout(const Translator& model) { return torch_state(model, "export", true); }

void load_torch_layout(Translator& model, const StateDict& file, const std::string& source) {
  io::check_layout(file, torch_state(model, "import", false), source);
  NoGradGuard no_grad;
  StateDict focus_state;
  for (const auto& [name, t] : io::from_torch_names(file, kRenames)) {
    if (name == "pos") {
      focus_state.emplace(kEncoderTable, t);
      focus_state.emplace(kDecoderTable, t);
      continue;
    }
    focus_state.emplace(name, name.ends_with("_embed.weight") ? t / embedding_scale(model) : t);
  }
  model.load_state_dict(focus_state, true);
}

int export_command(cli::Args& args) {
  const std::string load = args.get_string("load", "", "checkpoint written by train --save");
  const std::string to = args.get_string("to", "", "the format written: torch (safetensors, PyTorch's names)");
  if (args.help()) {
    std::cout << args.usage("translate export --load MODEL --to torch FILE",
                            "Write the model's weights under the names of tests/reference/seq2seq_ref.py's Seq2Seq.");
    return 0;
  }
  args.finish();
  if (load.empty()) throw cli::UsageError("export needs --load MODEL");
  if (to != "torch") throw cli::UsageError("export needs --to torch; got '" + to + "'");
  if (args.positional().size() != 1) throw cli::UsageError("export needs one output FILE after --to torch");
  const LoadedModel m = load_model(load);
  const StateDict state = to_torch_layout(*m.model);
  io::Metadata meta;
  m.file.record(meta);
  meta["focus.torch_layout"] = kTorchLayout;
  io::save_safetensors(args.positional()[0], state, meta);
  return 0;
}

int import_command(cli::Args& args) {
  const std::string from = args.get_string("from-torch", "", "safetensors file in Seq2Seq's layout (as export writes)");
  const std::string save = args.get_string("save", "", "translate checkpoint to write");
  if (args.help()) {
    std::cout << args.usage("translate import --from-torch FILE --save MODEL",
                            "Read PyTorch Seq2Seq weights (settings and vocabularies in the file's metadata) into a checkpoint.");
    return 0;
  }
  args.finish();
  if (from.empty()) throw cli::UsageError("import needs --from-torch FILE");
  if (save.empty()) throw cli::UsageError("import needs --save MODEL");
  const train::SavedRun saved = train::SavedRun::open(from, "translate");
  if (auto it = saved.metadata().find("focus.torch_layout"); it != saved.metadata().end() && it->second != kTorchLayout)
    throw FormatError(from + ": the layout is '" + it->second + "', not " + kTorchLayout);
  const ModelFile mf = ModelFile::from(saved);
  Translator model(mf.config);
  load_torch_layout(model, StateDict(saved.file().tensors), from);
  StateDict tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace("model." + name, t);
  io::Metadata meta;
  mf.record(meta);
  meta["train.program"] = "translate";
  if (!mf.task.empty()) meta["train.task"] = mf.task;
  io::save_safetensors(save, tensors, meta);
  return 0;
}

}  // namespace translate
