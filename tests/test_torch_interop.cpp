// io/torch_interop.h: focus's names to PyTorch's and back, q/k/v joined into in_proj as
// torch.nn.MultiheadAttention lays it out and split back, the layout check's message for each
// kind of mismatch, and the options PyTorch's layers have no equivalent for. The logits of whole
// models against PyTorch's are tests/reference/interop_check.py's (label interop).
#include "error_text.h"

#include <doctest/doctest.h>
#include <focus/focus.h>

#include <algorithm>
#include <filesystem>

using namespace focus;

namespace {

nn::TransformerOptions small() { return {.d_model = 4, .nhead = 2, .dim_feedforward = 6, .dropout = 0.0}; }

const std::vector<io::Rename> kRenames = {{"transformer.", "tf."}, {"generator.", "out."}};

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

}  // namespace

TEST_CASE("torch interop: in_proj stacks q, k, v rows in that order and splits back exactly") {
  const Tensor q = tensor(std::vector<double>{1.0, 2.0, 3.0, 4.0}, {2, 2});
  const Tensor k = tensor(std::vector<double>{5.0, 6.0, 7.0, 8.0}, {2, 2});
  const Tensor v = tensor(std::vector<double>{9.0, 10.0, 11.0, 12.0}, {2, 2});
  const Tensor in_proj = io::join_in_proj(q, k, v);
  CHECK(in_proj.shape() == Shape{6, 2});
  CHECK(values(in_proj) == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const auto parts = io::split_in_proj(in_proj);
  CHECK(values(parts[0]) == values(q));
  CHECK(values(parts[1]) == values(k));
  CHECK(values(parts[2]) == values(v));
  CHECK(io::split_in_proj(tensor(std::vector<double>{1.0, 2.0, 3.0}, {3}))[2].item<double>() == 3.0);  // biases: rank 1
}

TEST_CASE("torch interop: a Transformer's names are torch.nn.Transformer's, and the round trip is exact") {
  manual_seed(3);
  nn::Transformer model(small(), 1, 1);
  StateDict state;
  for (const auto& [name, t] : model.state_dict()) state.emplace("transformer." + name, t);
  const StateDict torch_state = io::to_torch_names(state, kRenames);
  // PyTorch's own names for nn.Transformer(4, 2, 1, 1, 6, batch_first=True), in its order.
  const std::vector<std::string> expected = {
      "tf.encoder.layers.0.self_attn.in_proj_weight", "tf.encoder.layers.0.self_attn.in_proj_bias",
      "tf.encoder.layers.0.self_attn.out_proj.weight", "tf.encoder.layers.0.self_attn.out_proj.bias",
      "tf.encoder.layers.0.linear1.weight", "tf.encoder.layers.0.linear1.bias",
      "tf.encoder.layers.0.linear2.weight", "tf.encoder.layers.0.linear2.bias",
      "tf.encoder.layers.0.norm1.weight", "tf.encoder.layers.0.norm1.bias",
      "tf.encoder.layers.0.norm2.weight", "tf.encoder.layers.0.norm2.bias",
      "tf.encoder.norm.weight", "tf.encoder.norm.bias",
      "tf.decoder.layers.0.self_attn.in_proj_weight", "tf.decoder.layers.0.self_attn.in_proj_bias",
      "tf.decoder.layers.0.self_attn.out_proj.weight", "tf.decoder.layers.0.self_attn.out_proj.bias",
      "tf.decoder.layers.0.multihead_attn.in_proj_weight", "tf.decoder.layers.0.multihead_attn.in_proj_bias",
      "tf.decoder.layers.0.multihead_attn.out_proj.weight", "tf.decoder.layers.0.multihead_attn.out_proj.bias",
      "tf.decoder.layers.0.linear1.weight", "tf.decoder.layers.0.linear1.bias",
      "tf.decoder.layers.0.linear2.weight", "tf.decoder.layers.0.linear2.bias",
      "tf.decoder.layers.0.norm1.weight", "tf.decoder.layers.0.norm1.bias",
      "tf.decoder.layers.0.norm2.weight", "tf.decoder.layers.0.norm2.bias",
      "tf.decoder.layers.0.norm3.weight", "tf.decoder.layers.0.norm3.bias",
      "tf.decoder.norm.weight", "tf.decoder.norm.bias"};
  std::vector<std::string> names;
  for (const auto& [name, t] : torch_state) names.push_back(name);
  std::vector<std::string> sorted_names = names, sorted_expected = expected;
  std::sort(sorted_names.begin(), sorted_names.end());
  std::sort(sorted_expected.begin(), sorted_expected.end());
  CHECK(sorted_names == sorted_expected);
  const Tensor& in_proj = torch_state.at("tf.decoder.layers.0.multihead_attn.in_proj_weight");
  CHECK(in_proj.shape() == Shape{12, 4});
  const auto& attn = *(*model.decoder->layers)[0]->multihead_attn;
  CHECK(values(in_proj.slice(0, 4, 8)) == values(attn.k_proj->weight));  // rows D..2D are k
  CHECK(values(torch_state.at("tf.decoder.layers.0.multihead_attn.in_proj_bias").slice(0, 8, 12)) ==
        values(attn.v_proj->bias));

  const StateDict back = io::from_torch_names(torch_state, kRenames);
  REQUIRE(back.size() == state.size());
  for (const auto& [name, t] : state) {
    INFO(name);
    REQUIRE(back.contains(name));
    CHECK(values(back.at(name)) == values(t));
  }
}

TEST_CASE("torch interop: the layout check names the first missing, extra, reshaped or retyped tensor") {
  const StateDict expected = {{"out.weight", zeros({3, 2})}, {"out.bias", zeros({3})}};
  const auto check = [&](StateDict got) {
    return error_of<FormatError>([&] { io::check_layout(got, expected, "model.torch.st"); });
  };
  CHECK(check({{"out.weight", zeros({3, 2})}, {"out.bias", zeros({3})}}) == "");
  CHECK(check({{"out.weight", zeros({3, 2})}}) == "model.torch.st: tensor 'out.bias' is missing");
  CHECK(check({{"out.weight", zeros({3, 2})}, {"out.bias", zeros({3})}, {"pos", zeros({2})}}) ==
        "model.torch.st: tensor 'pos' is not in the layout");
  CHECK(check({{"out.weight", zeros({4, 2})}, {"out.bias", zeros({3})}}) ==
        "model.torch.st: tensor 'out.weight' must have shape [3, 2]; got [4, 2]");
  CHECK(check({{"out.weight", zeros({3, 2})}, {"out.bias", zeros({3}, kFloat64)}}) ==
        "model.torch.st: tensor 'out.bias' must be float32; got float64");
}

TEST_CASE("torch interop: bad q/k/v input and options PyTorch cannot compute are refused in one line") {
  CHECK(error_of<ShapeError>([] { (void)io::join_in_proj(zeros({2, 2}), zeros({2, 3}), zeros({2, 2})); }) ==
        "join_in_proj: q, k and v must have one shape; got q=[2, 2], k=[2, 3], v=[2, 2]");
  CHECK(error_of<ShapeError>([] { (void)io::split_in_proj(zeros({10, 4})); }) ==
        "split_in_proj: rows must be a multiple of 3; got [10, 4]");
  CHECK(error_of<ValueError>([] {
          (void)io::to_torch_names({{"a.q_proj.weight", zeros({2, 2})}, {"a.k_proj.weight", zeros({2, 2})}}, {});
        }) == "to_torch_names: an attention needs q_proj, k_proj and v_proj; got no 'a.v_proj.weight'");
  CHECK(error_of<ValueError>([] { (void)io::to_torch_names({{"a.v_proj.bias", zeros({2})}}, {}); }) ==
        "to_torch_names: an attention needs q_proj, k_proj and v_proj; got no 'a.q_proj.bias'");
  nn::TransformerOptions o = small();
  CHECK(error_of<ValueError>([&] { io::check_torch_transformer(o, "export"); }) == "");
  o.norm = "rms";
  CHECK(error_of<ValueError>([&] { io::check_torch_transformer(o, "export"); }) ==
        "export: torch.nn.Transformer normalises with LayerNorm only; got norm=rms");
  o = small();
  o.attention = nn::AttentionSpec::parse("local:4");
  CHECK(error_of<ValueError>([&] { io::check_torch_transformer(o, "export"); }) ==
        "export: torch.nn.Transformer attends to every key (full attention) only; got attention=local:4");
  o = small();
  o.positions = "rope";
  CHECK(error_of<ValueError>([&] { io::check_torch_transformer(o, "import"); }) ==
        "import: the PyTorch layout adds positions to the embeddings (none, sinusoidal, learned) only; "
        "got positions=rope");
}

TEST_CASE("torch interop: a GPT's names are gpt_ref.py's and it comes back bitwise from a file") {
  manual_seed(5);
  nn::GPTConfig c{.vocab_size = 7, .block_size = 5, .d_model = 4, .n_head = 2, .n_layer = 1};
  nn::GPT model(c);
  const StateDict torch_state = io::gpt_to_torch(model);
  std::vector<std::string> names;
  for (const auto& [name, t] : torch_state) names.push_back(name);
  CHECK(names == std::vector<std::string>{"tok_emb.weight", "pos", "blocks.0.self_attn.in_proj_weight",
                                          "blocks.0.self_attn.in_proj_bias", "blocks.0.self_attn.out_proj.weight",
                                          "blocks.0.self_attn.out_proj.bias", "blocks.0.linear1.weight",
                                          "blocks.0.linear1.bias", "blocks.0.linear2.weight", "blocks.0.linear2.bias",
                                          "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.norm2.weight",
                                          "blocks.0.norm2.bias", "ln_f.weight", "ln_f.bias", "head.weight", "head.bias"});
  const std::string path = (std::filesystem::temp_directory_path() / "focus_test_torch_interop_gpt.st").string();
  io::save_gpt_torch(path, model);
  const auto back = io::load_gpt_torch(path);
  CHECK(back->config().d_model == 4);
  for (const auto& [name, t] : model.state_dict()) {
    INFO(name);
    CHECK(values(back->state_dict().at(name)) == values(t));
  }
  std::filesystem::remove(path);
}

TEST_CASE("torch interop: a GPT file with bad settings or tensors fails naming them") {
  nn::GPTConfig c{.vocab_size = 7, .block_size = 5, .d_model = 4, .n_head = 2, .n_layer = 1};
  io::Metadata meta = io::gpt_torch_metadata(c);
  const auto config_error = [&](const std::string& key, const std::string& value) {
    io::Metadata m = meta;
    if (value.empty()) m.erase(key);
    else m[key] = value;
    return error_of<FormatError>([&] { (void)io::gpt_config_from_torch(m, "g.st"); });
  };
  CHECK(config_error("gpt.n_layer", "") == "g.st: metadata 'gpt.n_layer' is missing");
  CHECK(config_error("gpt.d_model", "4x") == "g.st: metadata 'gpt.d_model' must be an integer in [1, 16777216]; got '4x'");
  CHECK(config_error("gpt.dtype", "float16") == "g.st: metadata 'gpt.dtype' must be float32 or float64; got 'float16'");
  CHECK(config_error("focus.torch_layout", "translate.Seq2Seq") == "g.st: the layout must be nn.GPT; got 'translate.Seq2Seq'");
  CHECK(config_error("gpt.positions", "alibi") ==
        "g.st: import: the PyTorch layout adds positions to the embeddings (none, sinusoidal, learned) only; "
        "got positions=alibi");
  nn::GPT model(c);
  StateDict file = io::gpt_to_torch(model);
  file.erase("pos");
  CHECK(error_of<FormatError>([&] { io::load_gpt_from_torch(model, file, "g.st"); }) == "g.st: tensor 'pos' is missing");
}

TEST_CASE("torch interop: a ViT's names are vit_ref.py's and it comes back bitwise from a file") {
  manual_seed(7);
  nn::VisionTransformerConfig c;
  c.image_size = 8, c.patch_size = 4, c.num_layers = 1;
  c.block.d_model = 8, c.block.nhead = 2, c.block.dim_feedforward = 8;
  nn::VisionTransformer model(c);
  const std::string path = (std::filesystem::temp_directory_path() / "focus_test_torch_interop_vit.st").string();
  io::save_vit_torch(path, model);
  const io::TensorFile file = io::load_safetensors(path);
  for (const char* name : {"patch_embed.proj.weight", "cls_token", "pos", "encoder.layers.0.self_attn.in_proj_weight",
                           "encoder.layers.0.norm2.bias", "encoder.norm.weight", "head.bias"})
    CHECK_MESSAGE(file.tensors.contains(name), name);
  CHECK(file.tensors.size() == 20);  // patch 2, cls_token, pos, the layer 12 (in_proj joined), final norm 2, head 2
  CHECK(file.metadata.at("vit.block.positions") == "learned");
  const auto back = io::load_vit_torch(path);
  for (const auto& [name, t] : model.state_dict()) {
    INFO(name);
    CHECK(values(back->state_dict().at(name)) == values(t));
  }
  io::Metadata bad = file.metadata;
  bad["vit.patch_overlap"] = "-1";
  CHECK(error_of<FormatError>([&] { (void)io::vit_config_from_torch(bad, "v.st"); }) ==
        "v.st: metadata 'vit.patch_overlap' must be an integer in [0, 16777216]; got '-1'");
  std::filesystem::remove(path);
}
