// A model's weights between focus's names and a PyTorch module's state_dict: the names renamed by
// prefix, and each attention's separate q_proj, k_proj, v_proj joined into the in_proj_weight and
// in_proj_bias of torch.nn.MultiheadAttention (rows q, then k, then v) and split back. Also the
// check that a file holds exactly a layout's tensors, and the check that a Transformer's options
// are ones torch.nn.Transformer computes. Layouts of the library's models: nn::GPT as
// tests/reference/gpt_ref.py's GPT, nn::VisionTransformer as vit_ref.py's ViT; translate's lives
// beside it (examples/translate/torch_layout.h).
#pragma once

#include <array>
#include <string>
#include <vector>

#include <focus/io/safetensors.h>
#include <focus/nn/gpt.h>
#include <focus/nn/transformer_block.h>
#include <focus/nn/vision_transformer.h>
#include <focus/tensor/state_dict.h>

namespace focus::io {

// A name starting with `focus` is called `torch` followed by the same rest on the PyTorch side.
struct Rename {
  std::string focus, torch;
};

// rows [3 D, ...] = q, then k, then v (each [D, ...]): PyTorch's in_proj_weight and in_proj_bias.
// ShapeError "join_in_proj: q, k and v must have one shape; got q=[4, 4], k=[4, 2], v=[4, 4]".
[[nodiscard]] Tensor join_in_proj(const Tensor& q, const Tensor& k, const Tensor& v);
// The three row blocks of in_proj [3 D, ...], each contiguous and owning its memory.
// ShapeError "split_in_proj: rows must be a multiple of 3; got [10, 4]".
[[nodiscard]] std::array<Tensor, 3> split_in_proj(const Tensor& in_proj);

// focus's state -> PyTorch's names, in the same order: the first rename whose focus prefix
// matches applies (a name no rename matches is kept), and "<p>.q_proj.weight", "<p>.k_proj.weight",
// "<p>.v_proj.weight" become one "<p>.in_proj_weight" where q_proj stood (biases likewise).
// The tensors are new ones (detached copies). ValueError when one of q, k, v is missing.
[[nodiscard]] StateDict to_torch_names(const StateDict& state, const std::vector<Rename>& renames);
// The inverse: PyTorch's names -> focus's, each in_proj split into q_proj, k_proj, v_proj.
[[nodiscard]] StateDict from_torch_names(const StateDict& state, const std::vector<Rename>& renames);

// Checks that got holds exactly expected's tensor names, each with expected's shape and dtype,
// naming the first mismatch (expected's order first, then got's extra names): FormatError
// "<source>: tensor 'tf.encoder.norm.weight' is missing", "... 'x' is not in the layout",
// "... 'out.weight' must have shape [40, 32]; got [41, 32]", "... must be float32; got float64".
void check_layout(const StateDict& got, const StateDict& expected, const std::string& source);

// Throws ValueError for an option whose computation PyTorch's layers do not have, e.g.
// "export: torch.nn.Transformer normalises with LayerNorm only; got norm=rms": a norm other than
// "layer", attention other than "full", or a position scheme the layout has no table for (those
// acting inside attention, relative, rope and alibi, never have one): "export: the PyTorch layout
// adds positions to the embeddings (none, sinusoidal, learned) only; got positions=rope".
void check_torch_transformer(const nn::TransformerOptions& options, const std::string& op,
                             const std::vector<std::string>& positions = {"none", "sinusoidal", "learned"});

// A model's file for PyTorch and back, for any model whose PyTorch twin differs only in names:
// save_torch writes model's state under to_torch_names (metadata as given), atomically;
// load_torch checks file against model's own state in those names (check_layout) and loads it,
// all or nothing. The Fashion-MNIST CNN needs no renames (nn::Sequential's names are PyTorch's).
void save_torch(const std::string& path, const nn::Module& model, const std::vector<Rename>& renames,
                const Metadata& metadata);
void load_torch(nn::Module& model, const StateDict& file, const std::vector<Rename>& renames, const std::string& source);

// ---- nn::GPT ---------------------------------------------------------------------------------------
// The names of tests/reference/gpt_ref.py's GPT: tok_emb, pos (learned positions only),
// blocks.<i>.* as torch.nn.TransformerEncoderLayer(batch_first=True, activation="gelu") names
// them, ln_f, head. The file's metadata: "focus.torch_layout": "nn.GPT" and the config as
// "gpt.<field>" (vocab_size, block_size, d_model, n_head, n_layer, norm_first, positions, dtype).
inline constexpr const char* kGPTLayout = "nn.GPT";

// ValueError "export: ..." (check_torch_transformer's refusals) for a model PyTorch's layers cannot run.
[[nodiscard]] StateDict gpt_to_torch(const nn::GPT& model);
[[nodiscard]] Metadata gpt_torch_metadata(const nn::GPTConfig& config);
// FormatError "<source>: ..." naming the missing or bad key, or another layout.
[[nodiscard]] nn::GPTConfig gpt_config_from_torch(const Metadata& metadata, const std::string& source);
// check_layout against model's layout, then the weights into model.
void load_gpt_from_torch(nn::GPT& model, const StateDict& file, const std::string& source);

// The two ends: a file PyTorch's GPT loads with load_state_dict(strict=True), and a model made
// from such a file. Written atomically (save_safetensors); a refused model writes nothing.
void save_gpt_torch(const std::string& path, const nn::GPT& model);
[[nodiscard]] std::shared_ptr<nn::GPT> load_gpt_torch(const std::string& path);

// ---- nn::VisionTransformer ---------------------------------------------------------------------------
// The names of tests/reference/vit_ref.py's ViT: patch_embed.proj (a Linear on patches flattened
// channel, row, column) or patch_embed.conv (overlapping patches), cls_token, pos (learned
// positions only; sinusoidal2d is a table computed as focus does), encoder.* as
// torch.nn.TransformerEncoder(layer, num_layers, norm=LayerNorm) names them, head. Metadata:
// "focus.torch_layout": "nn.VisionTransformer", "vit.<field>" for the sizes (image_size,
// patch_size, patch_overlap, in_channels, num_classes, num_layers, dtype) and the block's options
// as TransformerOptions::to_metadata("vit.block.") writes them.
inline constexpr const char* kViTLayout = "nn.VisionTransformer";

[[nodiscard]] Metadata vit_torch_metadata(const nn::VisionTransformerConfig& config);
// FormatError "<source>: ..." naming the missing or bad key, or another layout.
[[nodiscard]] nn::VisionTransformerConfig vit_config_from_torch(const Metadata& metadata, const std::string& source);
// As save_gpt_torch and load_gpt_torch; positions none, learned or sinusoidal2d. extra: more
// metadata (fashion_vit adds "image.mean" and "image.std", how its inputs are normalised).
void save_vit_torch(const std::string& path, const nn::VisionTransformer& model, const Metadata& extra = {});
[[nodiscard]] std::shared_ptr<nn::VisionTransformer> load_vit_torch(const std::string& path);

}  // namespace focus::io
