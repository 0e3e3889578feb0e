// translate's model in PyTorch's names: the Seq2Seq of tests/reference/seq2seq_ref.py, whose
// state_dict is that of the W2 reference model (README, "Performance"): src_emb, tgt_emb, pos
// (learned positions only), tf.* as torch.nn.Transformer(batch_first=True) names them, out.
// Two differences are folded into the weights rather than left for the reader to redo:
//   focus multiplies token embeddings by sqrt(d_model): src_emb and tgt_emb hold the scaled tables;
//   focus's encoder and decoder each own a learned position table, Seq2Seq shares one pos:
//   export refuses tables that differ, import gives both stacks pos.
// The file's metadata carries the model's settings and vocabularies (checkpoint.h's keys) and
// "focus.torch_layout": "translate.Seq2Seq".
#pragma once

#include "checkpoint.h"

#include <focus/cli/args.h>

namespace translate {

inline constexpr const char* kTorchLayout = "translate.Seq2Seq";

// The model's weights under PyTorch's names. ValueError "export: ..." for a model the layout
// cannot hold (io::check_torch_transformer's refusals, learned tables that differ).
[[nodiscard]] StateDict to_torch_layout(const Translator& model);
// Checks file's tensors against the layout of model's settings (io::check_layout: the first
// missing, extra, wrongly shaped or typed tensor, named, after source) and loads them into model.
void load_torch_layout(Translator& model, const StateDict& file, const std::string& source);

// translate export --load MODEL --to torch FILE; translate import --from-torch FILE --save MODEL.
int export_command(cli::Args& args);
int import_command(cli::Args& args);

}  // namespace translate
