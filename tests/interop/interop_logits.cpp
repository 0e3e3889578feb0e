// The focus side of tests/reference/interop_check.py: logits of a translate checkpoint for given
// token ids, and a float64 copy of a checkpoint, so the check holds both precisions against PyTorch;
// then a GPT (nn/gpt.h) written in PyTorch's names with its logits, and one read from them.
//   interop_logits logits MODEL INPUTS OUT   INPUTS: int64 "src" [B, S], "tgt" [B, T] (no padding);
//                                            OUT: "logits" [B, T, V] in the model's dtype
//   interop_logits widen MODEL OUT           OUT: MODEL's weights as float64, model.dtype=float64
//   interop_logits gpt-export DTYPE POSITIONS NORM_FIRST IDS OUT LOGITS
//       a seeded GPT (every tensor drawn N(0, 0.3^2)) saved to OUT (io::save_gpt_torch), and its
//       logits for IDS (int64 "ids" [B, T]) to LOGITS
//   interop_logits gpt-logits FILE IDS LOGITS   the GPT of a PyTorch file (io::load_gpt_torch)
//   interop_logits cnn-export WIDTH HIDDEN DTYPE IMAGES OUT LOGITS
//       a seeded fashion_cnn network (weights and batch-norm statistics drawn) saved to OUT as
//       --export-torch writes it, and its logits for IMAGES ("images" [B, 1, 28, 28]) to LOGITS
//   interop_logits cnn-logits FILE IMAGES LOGITS   the network of such a file (io::load_torch)
//   interop_logits vit-export DTYPE POSITIONS OVERLAP IMAGES OUT LOGITS
//       a seeded Vision Transformer (every tensor drawn) saved by io::save_vit_torch, its logits
//   interop_logits vit-logits FILE IMAGES LOGITS   the ViT of a PyTorch file (io::load_vit_torch)
#include "checkpoint.h"
#include "network.h"  // fashion_cnn's

#include <focus/cli/guarded_main.h>
#include <focus/io/safetensors.h>
#include <focus/io/torch_interop.h>

#include <iostream>
#include <string>

namespace {

using namespace translate;

int logits(const std::string& model_path, const std::string& inputs_path, const std::string& out) {
  const LoadedModel m = load_model(model_path);
  const io::TensorFile inputs = io::load_safetensors(inputs_path);
  const Tensor& src = inputs.tensors.at("src");
  const Tensor& tgt = inputs.tensors.at("tgt");
  const std::int64_t B = src.size(0);
  const Tensor src_lengths = full({B}, src.size(1), kInt64), tgt_lengths = full({B}, tgt.size(1), kInt64);
  NoGradGuard no_grad;
  const Tensor y = m.model->decode(tgt, tgt_lengths, m.model->encode(src, src_lengths), src_lengths);
  io::save_safetensors(out, {{"logits", y}});
  return 0;
}

// A new float64 model takes the float32 weights: its sinusoidal table is computed in float64, not
// widened from float32's rounding (Module::to would keep that rounding).
int widen(const std::string& model_path, const std::string& out) {
  LoadedModel m = load_model(model_path);
  m.file.config.dtype = kFloat64;
  Translator wide(m.file.config);
  wide.load_state_dict(m.model->state_dict(), true);
  StateDict tensors;
  for (const auto& [name, t] : wide.state_dict()) tensors.emplace("model." + name, t);
  io::Metadata meta;
  m.file.record(meta);
  meta["train.program"] = "translate";
  io::save_safetensors(out, tensors, meta);
  return 0;
}

int gpt_logits(const nn::GPT& model, const std::string& ids_path, const std::string& out) {
  NoGradGuard no_grad;
  io::save_safetensors(out, {{"logits", model.forward(io::load_safetensors(ids_path).tensors.at("ids"))}});
  return 0;
}

int gpt_export(const std::string& dtype, const std::string& positions, const std::string& norm_first,
               const std::string& ids_path, const std::string& out, const std::string& logits_out) {
  manual_seed(0);
  nn::GPTConfig c{.vocab_size = 23, .block_size = 16, .d_model = 16, .n_head = 4, .n_layer = 2};
  c.dtype = dtype == "float64" ? kFloat64 : kFloat32;
  c.positions = positions;
  c.norm_first = norm_first == "1";
  nn::GPT model(c);
  model.eval();
  {
    NoGradGuard no_grad;  // GPT-2's start has zero biases and unit norms: draw them all, so each one counts
    for (Tensor p : model.parameters()) p.copy_(normal(p.shape(), 0.0, 0.3, p.dtype()));
  }
  io::save_gpt_torch(out, model);
  return gpt_logits(model, ids_path, logits_out);
}

template <class Model>
int image_logits(const Model& model, const std::string& images_path, const std::string& out) {
  NoGradGuard no_grad;
  const Tensor images = io::load_safetensors(images_path).tensors.at("images");
  io::save_safetensors(out, {{"logits", model.forward(images.to(model.parameters()[0].dtype()))}});
  return 0;
}

int cnn_export(const std::string& width, const std::string& hidden, const std::string& dtype,
               const std::string& images_path, const std::string& out, const std::string& logits_out) {
  manual_seed(0);
  fashion_cnn::FashionCNN model(std::stoll(width), std::stoll(hidden), 0.0);
  {
    NoGradGuard no_grad;  // a fresh network's norms are ones and zeros: draw everything, so each tensor counts
    for (const auto& [name, t] : model.state_dict()) {
      if (!is_floating(t.dtype())) continue;
      Tensor target = t;
      target.copy_(name.ends_with("running_var") ? uniform(t.shape(), 0.5, 1.5) : normal(t.shape(), 0.0, 0.3));
    }
  }
  model.to(dtype == "float64" ? kFloat64 : kFloat32);
  model.eval();
  io::save_torch(out, model, {}, fashion_cnn::torch_metadata(model, data::Normalization{0.286, 0.353}));
  return image_logits(model, images_path, logits_out);
}

int cnn_import(const std::string& path, const std::string& images_path, const std::string& out) {
  const io::TensorFile file = io::load_safetensors(path);
  const auto setting = [&](const std::string& key) { return std::stoll(file.metadata.at(key)); };
  fashion_cnn::FashionCNN model(setting("cnn.width"), setting("cnn.hidden"), 0.0);
  if (auto it = file.tensors.find("features.0.weight"); it != file.tensors.end()) model.to(it->second.dtype());
  io::load_torch(model, StateDict(file.tensors), {}, path);
  model.eval();
  return image_logits(model, images_path, out);
}

int vit_export(const std::string& dtype, const std::string& positions, const std::string& overlap,
               const std::string& images_path, const std::string& out, const std::string& logits_out) {
  manual_seed(0);
  nn::VisionTransformerConfig c;
  c.patch_size = 7, c.patch_overlap = std::stoll(overlap), c.num_layers = 2;
  c.block.d_model = 16, c.block.nhead = 4, c.block.dim_feedforward = 32, c.block.dropout = 0.0;
  c.block.positions = positions;
  c.block.dtype = dtype == "float64" ? kFloat64 : kFloat32;
  nn::VisionTransformer model(c);
  model.eval();
  {
    NoGradGuard no_grad;
    for (Tensor p : model.parameters()) p.copy_(normal(p.shape(), 0.0, 0.3, p.dtype()));
  }
  io::save_vit_torch(out, model);
  return image_logits(model, images_path, logits_out);
}

}  // namespace

int main(int argc, char** argv) {
  return focus::cli::guarded_main("interop_logits", [&] {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "logits" && argc == 5) return logits(argv[2], argv[3], argv[4]);
    if (command == "widen" && argc == 4) return widen(argv[2], argv[3]);
    if (command == "gpt-export" && argc == 8) return gpt_export(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]);
    if (command == "gpt-logits" && argc == 5) return gpt_logits(*io::load_gpt_torch(argv[2]), argv[3], argv[4]);
    if (command == "cnn-export" && argc == 8) return cnn_export(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]);
    if (command == "cnn-logits" && argc == 5) return cnn_import(argv[2], argv[3], argv[4]);
    if (command == "vit-export" && argc == 8) return vit_export(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]);
    if (command == "vit-logits" && argc == 5) return image_logits(*io::load_vit_torch(argv[2]), argv[3], argv[4]);
    std::cerr << "usage: interop_logits logits MODEL INPUTS OUT | widen MODEL OUT | gpt-export DTYPE POSITIONS "
                 "NORM_FIRST IDS OUT LOGITS | gpt-logits FILE IDS LOGITS | cnn-export WIDTH HIDDEN DTYPE IMAGES OUT "
                 "LOGITS | cnn-logits FILE IMAGES LOGITS | vit-export DTYPE POSITIONS OVERLAP IMAGES OUT LOGITS | "
                 "vit-logits FILE IMAGES LOGITS\n";
    return 2;
  });
}
