// Renaming between focus's and PyTorch's state_dict names, q/k/v joined and split, layout checks.
#include <focus/io/torch_interop.h>

#include <focus/autograd/grad_mode.h>
#include <focus/autograd/ops_shape.h>

#include <algorithm>
#include <optional>

namespace focus::io {

namespace {

// One attention's projection tensors by their name's end on each side.
struct Projection {
  const char* focus;  // ".q_proj.weight"
  const char* torch;  // ".in_proj_weight"
  int part;           // 0 q, 1 k, 2 v: the row block of in_proj
  const char* kind;   // "weight" or "bias"
};
constexpr Projection kProjections[] = {
    {".q_proj.weight", ".in_proj_weight", 0, "weight"}, {".k_proj.weight", ".in_proj_weight", 1, "weight"},
    {".v_proj.weight", ".in_proj_weight", 2, "weight"}, {".q_proj.bias", ".in_proj_bias", 0, "bias"},
    {".k_proj.bias", ".in_proj_bias", 1, "bias"},       {".v_proj.bias", ".in_proj_bias", 2, "bias"}};
constexpr const char* kLetters[] = {"q", "k", "v"};

std::string renamed(const std::string& name, const std::vector<Rename>& renames, bool to_torch) {
  for (const auto& r : renames) {
    const std::string& from = to_torch ? r.focus : r.torch;
    if (name.starts_with(from)) return (to_torch ? r.torch : r.focus) + name.substr(from.size());
  }
  return name;
}

// The projection a name ends with, if any.
std::optional<Projection> projection_of(const std::string& name, bool focus_side) {
  for (const auto& p : kProjections) {
    const std::string_view end = focus_side ? p.focus : p.torch;
    if (name.ends_with(end)) return p;
  }
  return std::nullopt;
}

}  // namespace

Tensor join_in_proj(const Tensor& q, const Tensor& k, const Tensor& v) {
  if (q.shape() != k.shape() || q.shape() != v.shape() || q.dim() < 1)
    throw ShapeError("join_in_proj: q, k and v must have one shape; got q=" + to_string(q.shape()) +
                     ", k=" + to_string(k.shape()) + ", v=" + to_string(v.shape()));
  NoGradGuard no_grad;
  return cat({q.detach(), k.detach(), v.detach()}, 0);
}

std::array<Tensor, 3> split_in_proj(const Tensor& in_proj) {
  if (in_proj.dim() < 1 || in_proj.size(0) % 3 != 0)
    throw ShapeError("split_in_proj: rows must be a multiple of 3; got " + to_string(in_proj.shape()));
  const std::int64_t D = in_proj.size(0) / 3;
  const Tensor w = in_proj.detach();
  return {w.slice(0, 0, D).clone(), w.slice(0, D, 2 * D).clone(), w.slice(0, 2 * D, 3 * D).clone()};
}

StateDict to_torch_names(const StateDict& state, const std::vector<Rename>& renames) {
  StateDict out;
  for (const auto& [name, t] : state) {
    const auto p = projection_of(name, true);
    if (!p) {
      out.emplace(renamed(name, renames, true), t.detach().clone());
      continue;
    }
    if (p->part != 0) continue;  // joined at q_proj's place
    const std::string stem = name.substr(0, name.size() - std::string_view(p->focus).size());
    std::array<Tensor, 3> parts;
    for (int i = 0; i < 3; ++i) {
      const std::string part = stem + "." + kLetters[i] + "_proj." + p->kind;
      auto it = state.find(part);
      if (it == state.end())
        throw ValueError("to_torch_names: an attention needs q_proj, k_proj and v_proj; got no '" + part + "'");
      parts[i] = it->second;
    }
    out.emplace(renamed(stem, renames, true) + p->torch, join_in_proj(parts[0], parts[1], parts[2]));
  }
  for (const auto& [name, t] : state)  // a k or v without its q
    if (const auto p = projection_of(name, true); p && p->part != 0) {
      const std::string stem = name.substr(0, name.size() - std::string_view(p->focus).size());
      const std::string q = stem + ".q_proj." + p->kind;
      if (!state.contains(q))
        throw ValueError("to_torch_names: an attention needs q_proj, k_proj and v_proj; got no '" + q + "'");
    }
  return out;
}

StateDict from_torch_names(const StateDict& state, const std::vector<Rename>& renames) {
  StateDict out;
  for (const auto& [name, t] : state) {
    const auto p = projection_of(name, false);
    if (!p) {
      out.emplace(renamed(name, renames, false), t.detach().clone());
      continue;
    }
    const std::string stem = renamed(name.substr(0, name.size() - std::string_view(p->torch).size()), renames, false);
    const auto parts = split_in_proj(t);
    for (int i = 0; i < 3; ++i) out.emplace(stem + "." + kLetters[i] + "_proj." + p->kind, parts[i]);
  }
  return out;
}

void check_layout(const StateDict& got, const StateDict& expected, const std::string& source) {
  const auto fail = [&](const std::string& name, const std::string& rule) {
    throw FormatError(source + ": tensor '" + name + "' " + rule);
  };
  for (const auto& [name, want] : expected) {
    auto it = got.find(name);
    if (it == got.end()) fail(name, "is missing");
    const Tensor& t = it->second;
    if (t.shape() != want.shape())
      fail(name, "must have shape " + to_string(want.shape()) + "; got " + to_string(t.shape()));
    if (t.dtype() != want.dtype())
      fail(name, "must be " + std::string(dtype_name(want.dtype())) + "; got " + std::string(dtype_name(t.dtype())));
  }
  for (const auto& [name, t] : got)
    if (!expected.contains(name)) fail(name, "is not in the layout");
}

void check_torch_transformer(const nn::TransformerOptions& o, const std::string& op,
                             const std::vector<std::string>& positions) {
  const auto refuse = [&](const std::string& rule, const std::string& got) {
    throw ValueError(op + ": " + rule + "; got " + got);
  };
  if (o.norm != "layer") refuse("torch.nn.Transformer normalises with LayerNorm only", "norm=" + o.norm);
  if (o.attention.kind != nn::AttentionSpec::Kind::Full)
    refuse("torch.nn.Transformer attends to every key (full attention) only", "attention=" + o.attention.str());
  if (std::find(positions.begin(), positions.end(), o.positions) == positions.end()) {
    std::string list;
    for (const auto& p : positions) list += (list.empty() ? "" : ", ") + p;
    refuse("the PyTorch layout adds positions to the embeddings (" + list + ") only", "positions=" + o.positions);
  }
}

void save_torch(const std::string& path, const nn::Module& model, const std::vector<Rename>& renames,
                const Metadata& metadata) {
  save_safetensors(path, to_torch_names(model.state_dict(), renames), metadata);
}

void load_torch(nn::Module& model, const StateDict& file, const std::vector<Rename>& renames, const std::string& source) {
  check_layout(file, to_torch_names(model.state_dict(), renames), source);
  model.load_state_dict(from_torch_names(file, renames), true);
}

// ---- nn::GPT ---------------------------------------------------------------------------------------

namespace {

const std::vector<Rename> kGPTRenames = {{"tok_embed.", "tok_emb."}, {"positions.weight", "pos"}};

}  // namespace

StateDict gpt_to_torch(const nn::GPT& model) {
  check_torch_transformer(model.config().block_options(), "export");
  return to_torch_names(model.state_dict(), kGPTRenames);
}

Metadata gpt_torch_metadata(const nn::GPTConfig& c) {
  return {{"focus.torch_layout", kGPTLayout},
          {"gpt.vocab_size", std::to_string(c.vocab_size)},
          {"gpt.block_size", std::to_string(c.block_size)},
          {"gpt.d_model", std::to_string(c.d_model)},
          {"gpt.n_head", std::to_string(c.n_head)},
          {"gpt.n_layer", std::to_string(c.n_layer)},
          {"gpt.norm_first", c.norm_first ? "1" : "0"},
          {"gpt.positions", c.positions},
          {"gpt.dtype", std::string(dtype_name(c.dtype))}};
}

namespace {

// Reads a torch file's metadata keys, naming the file and the key in every error.
struct MetadataReader {
  const Metadata& meta;
  const std::string& source;

  const std::string& text(const std::string& key) const {
    auto it = meta.find(key);
    if (it == meta.end()) throw FormatError(source + ": metadata '" + key + "' is missing");
    return it->second;
  }
  std::int64_t number(const std::string& key, std::int64_t lo = 1) const {
    const std::string& v = text(key);
    std::size_t used = 0;
    std::int64_t n = 0;
    try {
      n = std::stoll(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size() || n < lo || n > (1 << 24))
      throw FormatError(source + ": metadata '" + key + "' must be an integer in [" + std::to_string(lo) +
                        ", 16777216]; got '" + v + "'");
    return n;
  }
  void layout(const char* expected) const {
    if (text("focus.torch_layout") != expected)
      throw FormatError(source + ": the layout must be " + expected + "; got '" + text("focus.torch_layout") + "'");
  }
  DType dtype(const std::string& key) const {
    const std::string& v = text(key);
    if (v != "float32" && v != "float64")
      throw FormatError(source + ": metadata '" + key + "' must be float32 or float64; got '" + v + "'");
    return v == "float64" ? kFloat64 : kFloat32;
  }
};

}  // namespace

nn::GPTConfig gpt_config_from_torch(const Metadata& meta, const std::string& source) {
  const MetadataReader in{meta, source};
  in.layout(kGPTLayout);
  nn::GPTConfig c;
  c.vocab_size = in.number("gpt.vocab_size");
  c.block_size = in.number("gpt.block_size");
  c.d_model = in.number("gpt.d_model");
  c.n_head = in.number("gpt.n_head");
  c.n_layer = in.number("gpt.n_layer");
  const std::string& norm_first = in.text("gpt.norm_first");
  if (norm_first != "0" && norm_first != "1")
    throw FormatError(source + ": metadata 'gpt.norm_first' must be 0 or 1; got '" + norm_first + "'");
  c.dtype = in.dtype("gpt.dtype");
  c.norm_first = norm_first == "1";
  c.positions = in.text("gpt.positions");
  try {
    c.block_options().validate();
    check_torch_transformer(c.block_options(), "import");
  } catch (const ValueError& e) {
    throw FormatError(source + ": " + e.what());
  }
  return c;
}

void load_gpt_from_torch(nn::GPT& model, const StateDict& file, const std::string& source) {
  check_torch_transformer(model.config().block_options(), "import");
  load_torch(model, file, kGPTRenames, source);
}

void save_gpt_torch(const std::string& path, const nn::GPT& model) {
  check_torch_transformer(model.config().block_options(), "export");
  save_torch(path, model, kGPTRenames, gpt_torch_metadata(model.config()));
}

std::shared_ptr<nn::GPT> load_gpt_torch(const std::string& path) {
  const TensorFile file = load_safetensors(path);
  auto model = std::make_shared<nn::GPT>(gpt_config_from_torch(file.metadata, path));
  load_gpt_from_torch(*model, StateDict(file.tensors), path);
  model->eval();
  return model;
}

// ---- nn::VisionTransformer ---------------------------------------------------------------------------

namespace {

const std::vector<Rename> kViTRenames = {{"encoder.positions.weight", "pos"}};
const std::vector<std::string> kViTPositions = {"none", "learned", "sinusoidal2d"};

}  // namespace

Metadata vit_torch_metadata(const nn::VisionTransformerConfig& c) {
  Metadata m = c.block.to_metadata("vit.block.");
  m["focus.torch_layout"] = kViTLayout;
  m["vit.image_size"] = std::to_string(c.image_size);
  m["vit.patch_size"] = std::to_string(c.patch_size);
  m["vit.patch_overlap"] = std::to_string(c.patch_overlap);
  m["vit.in_channels"] = std::to_string(c.in_channels);
  m["vit.num_classes"] = std::to_string(c.num_classes);
  m["vit.num_layers"] = std::to_string(c.num_layers);
  m["vit.dtype"] = std::string(dtype_name(c.block.dtype));
  return m;
}

nn::VisionTransformerConfig vit_config_from_torch(const Metadata& meta, const std::string& source) {
  const MetadataReader in{meta, source};
  in.layout(kViTLayout);
  nn::VisionTransformerConfig c;
  c.image_size = in.number("vit.image_size");
  c.patch_size = in.number("vit.patch_size");
  c.patch_overlap = in.number("vit.patch_overlap", 0);
  c.in_channels = in.number("vit.in_channels");
  c.num_classes = in.number("vit.num_classes");
  c.num_layers = static_cast<int>(in.number("vit.num_layers"));
  try {
    c.block = nn::TransformerOptions::from_metadata(meta, "vit.block.", c.block);
    c.block.dropout = 0.0;  // inference
    c.block.dtype = in.dtype("vit.dtype");
    check_torch_transformer(c.block, "import", kViTPositions);
  } catch (const Error& e) {
    throw FormatError(source + ": " + e.what());
  }
  return c;
}

void save_vit_torch(const std::string& path, const nn::VisionTransformer& model, const Metadata& extra) {
  check_torch_transformer(model.config().block, "export", kViTPositions);
  Metadata meta = vit_torch_metadata(model.config());
  for (const auto& [key, value] : extra) meta[key] = value;
  save_torch(path, model, kViTRenames, meta);
}

std::shared_ptr<nn::VisionTransformer> load_vit_torch(const std::string& path) {
  const TensorFile file = load_safetensors(path);
  auto model = std::make_shared<nn::VisionTransformer>(vit_config_from_torch(file.metadata, path));
  load_torch(*model, StateDict(file.tensors), kViTRenames, path);
  model->eval();
  return model;
}

}  // namespace focus::io
