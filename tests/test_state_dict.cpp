// StateDict, the one type of module, optimizer and checkpoint state: its order and lookup, the
// obvious save and load calls, and Module::load_state_dict's all-or-nothing checks.
#include "op_table.h"

#include <focus/io/safetensors.h>
#include <focus/optim/adam.h>

#include <filesystem>

using namespace focus;

namespace {

// Every tensor's bytes, by name: to show that a failed load wrote nothing.
using Snapshot = std::vector<std::pair<std::string, std::vector<std::uint8_t>>>;

Snapshot bytes_of(const nn::Module& m) {
  Snapshot out;
  for (const auto& [name, t] : m.state_dict()) {
    const Tensor c = t.contiguous();
    const void* data = c.dtype() == kFloat32   ? static_cast<const void*>(c.data_ptr<float>())
                       : c.dtype() == kFloat64 ? static_cast<const void*>(c.data_ptr<double>())
                       : c.dtype() == kInt64   ? static_cast<const void*>(c.data_ptr<std::int64_t>())
                                               : static_cast<const void*>(c.data_ptr<bool>());
    const auto* p = static_cast<const std::uint8_t*>(data);
    out.emplace_back(name, std::vector<std::uint8_t>(p, p + c.numel() * element_size(c.dtype())));
  }
  return out;
}

// The first name whose bytes differ (or that only one side has), "" when a and b are identical.
std::string first_difference(const Snapshot& a, const Snapshot& b) {
  for (std::size_t i = 0; i < a.size() || i < b.size(); ++i) {
    if (i >= a.size()) return b[i].first;
    if (i >= b.size() || a[i] != b[i]) return a[i].first;
  }
  return "";
}

nn::TransformerOptions small() { return {.d_model = 8, .nhead = 2, .dim_feedforward = 16, .dropout = 0.0}; }

std::string temp_path(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

// A parameter, a persistent and a non-persistent buffer, and a child.
struct WithBuffers : nn::Module {
  WithBuffers() : Module("WithBuffers") {
    register_parameter("w", ones({2}));
    register_buffer("running", zeros({2}));
    register_buffer("scratch", zeros({2}), false);
    register_module("lin", std::make_shared<nn::Linear>(2, 1));
  }
};

}  // namespace

TEST_CASE("state_dict: names stay in insertion order, unique, and are looked up by name") {
  const Tensor a = ones({1}), b = zeros({2}), c = ones({3});
  StateDict d{{"b", b}, {"a", a}};
  CHECK(d.size() == 2);
  CHECK(d.entries()[0].first == "b");
  CHECK(d.at("a").is_same(a));
  CHECK(d.contains("b"));
  CHECK(!d.contains("c"));
  CHECK(d.find("c") == d.end());
  CHECK(d.find("a") - d.begin() == 1);

  d["c"] = c;  // a new name goes to the end
  d["b"] = a;  // a known one is replaced where it stands
  std::vector<std::string> names;
  for (const auto& [name, t] : d) names.push_back(name);
  CHECK(names == std::vector<std::string>{"b", "a", "c"});
  CHECK(d.at("b").is_same(a));

  CHECK(d.erase("b") == 1);
  CHECK(d.erase("b") == 0);
  CHECK(d.entries()[0].first == "a");
  CHECK(d.find("c") - d.begin() == 1);  // positions follow the erase
  CHECK(d.at("c").is_same(c));

  CHECK_THROWS_WITH_AS(d.emplace("a", b), "StateDict: names must be unique; got 'a' twice", ValueError);
  CHECK_THROWS_WITH_AS((void)d.at("zz"), "StateDict: no entry has that name; got 'zz'", IndexError);
  CHECK_THROWS_WITH_AS(StateDict(NamedTensors{{"x", a}, {"x", b}}), "StateDict: names must be unique; got 'x' twice",
                       ValueError);
  // From a loaded file's std::map: name order.
  const StateDict from_map(std::map<std::string, Tensor>{{"z", a}, {"y", b}});
  CHECK(from_map.entries()[0].first == "y");
}

TEST_CASE("state_dict: a module's state follows PyTorch's order, parameters, buffers, then children") {
  WithBuffers m;
  std::vector<std::string> names;
  for (const auto& [name, t] : m.state_dict()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"w", "running", "lin.weight", "lin.bias"});

  nn::Transformer tf(small(), 1, 1);
  const StateDict sd = tf.state_dict();
  CHECK(sd.entries()[0].first == "encoder.layers.0.self_attn.q_proj.weight");
  CHECK(sd.entries().back().first == "decoder.norm.bias");
  // The order never reaches a file's bytes: the writer sorts by name, as when this was a std::map.
  const std::map<std::string, Tensor> by_name(sd.begin(), sd.end());
  CHECK(io::serialize_safetensors(sd) == io::serialize_safetensors({by_name.begin(), by_name.end()}));
}

TEST_CASE("state_dict: save_safetensors and load_state_dict take a module's and an optimizer's state as written") {
  manual_seed(5);
  nn::Transformer a(small(), 1, 1), b(small(), 1, 1);
  const std::string model_path = temp_path("focus_state_dict_model.safetensors");
  io::save_safetensors(model_path, a.state_dict());
  b.load_state_dict(io::load_safetensors(model_path).tensors);
  std::filesystem::remove(model_path);
  CHECK(first_difference(bytes_of(a), bytes_of(b)) == "");

  optim::Adam opt(a.named_parameters(), {.lr = 0.1});
  const Tensor y = a.forward(randn({2, 3, 8}), randn({2, 4, 8}));
  const Tensor loss = (y * y).sum();
  loss.backward();
  opt.step();
  const std::string opt_path = temp_path("focus_state_dict_optim.safetensors");
  io::save_safetensors(opt_path, opt.state_dict());
  optim::Adam opt2(b.named_parameters(), {.lr = 0.5});
  opt2.load_state_dict(io::load_safetensors(opt_path).tensors);
  std::filesystem::remove(opt_path);
  CHECK(opt2.param_groups()[0].lr == 0.1);
  const auto* st = opt2.state("decoder.norm.bias");
  REQUIRE(st != nullptr);
  CHECK(st->step == 1);
  CHECK(testing::max_abs_diff(st->buffers.at("exp_avg"), opt.state("decoder.norm.bias")->buffers.at("exp_avg")) == 0);
}

TEST_CASE("state_dict: a failed load_state_dict leaves every tensor bitwise unchanged and names the entry") {
  manual_seed(6);
  // The second entry has the wrong shape: the first must not have been written.
  nn::Linear lin(3, 2);
  const auto before_lin = bytes_of(lin);
  REQUIRE(lin.weight.to_vector<float>() != std::vector<float>(6, 1.0f));  // a load would show
  const auto version = lin.weight.storage()->version();
  CHECK_THROWS_WITH_AS(lin.load_state_dict({{"weight", ones({2, 3})}, {"bias", zeros({3})}}),
                       "load_state_dict: shape of 'bias' must match the module's; got dict=[3], module=[2]", ShapeError);
  CHECK(first_difference(bytes_of(lin), before_lin) == "");
  CHECK(lin.weight.storage()->version() == version);

  // A whole Transformer, each way a dict can be wrong, with the bad entry second or last.
  nn::Transformer src(small(), 1, 1), dst(small(), 1, 1);
  const auto before = bytes_of(dst);
  REQUIRE(first_difference(before, bytes_of(src)) == "encoder.layers.0.self_attn.q_proj.weight");  // a load would show
  const StateDict good = src.state_dict();
  const std::string second = good.entries()[1].first, last = good.entries().back().first;
  auto with = [&](const std::string& name, const Tensor& t) {
    StateDict d = good;
    d[name] = t;
    return d;
  };
  CHECK(second == "encoder.layers.0.self_attn.q_proj.bias");
  CHECK_THROWS_WITH_AS(dst.load_state_dict(with(second, zeros({9}))),
                       "load_state_dict: shape of 'encoder.layers.0.self_attn.q_proj.bias' must match the module's; "
                       "got dict=[9], module=[8]",
                       ShapeError);
  CHECK(first_difference(bytes_of(dst), before) == "");
  CHECK_THROWS_WITH_AS(dst.load_state_dict(with(last, zeros({8}, kInt64))),
                       "load_state_dict: dtype of 'decoder.norm.bias' must be the module's (floating may convert to "
                       "floating); got dict=int64, module=float32",
                       DTypeError);
  CHECK(first_difference(bytes_of(dst), before) == "");
  CHECK_THROWS_WITH_AS(dst.load_state_dict(with(second, Tensor())),
                       "load_state_dict: every entry must be a defined tensor; got "
                       "'encoder.layers.0.self_attn.q_proj.bias' undefined",
                       ValueError);
  CHECK(first_difference(bytes_of(dst), before) == "");
  CHECK_THROWS_WITH_AS(dst.load_state_dict(with("extra", zeros({1}))),
                       "load_state_dict: keys must match the module's (strict); unexpected: extra", ValueError);
  CHECK(first_difference(bytes_of(dst), before) == "");

  // Floating converts to floating: a float64 dict loads into the float32 model.
  StateDict as_double;
  for (const auto& [name, t] : good) as_double.emplace(name, t.to(kFloat64));
  dst.load_state_dict(as_double);
  CHECK(first_difference(bytes_of(dst), bytes_of(src)) == "");
}
