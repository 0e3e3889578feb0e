// Checkpoints of whole training runs: a model, its optimizer and schedule, saved to a safetensors
// file mid-run and restored into fresh objects, continue exactly as the run that never stopped.
#include "op_table.h"

#include <focus/io/safetensors.h>
#include <focus/optim/adam.h>
#include <focus/optim/schedule.h>

#include <cstdio>
#include <filesystem>

using namespace focus;

namespace {

struct Run {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::AdamW> opt;
  std::unique_ptr<optim::LinearWarmup> sched;

  Run() {
    manual_seed(7);
    model = std::make_shared<nn::Sequential>();
    model->push_back(std::make_shared<nn::Linear>(4, 16));
    model->push_back(std::make_shared<nn::GELU>());
    model->push_back(std::make_shared<nn::Dropout>(0.2));
    model->push_back(std::make_shared<nn::Linear>(16, 3));
    opt = std::make_unique<optim::AdamW>(model->named_parameters(), optim::AdamWOptions{.lr = 1e-2});
    sched = std::make_unique<optim::LinearWarmup>(*opt, 0.1, 5);
  }

  // One step on a fixed batch (so the loss can fall); returns the loss. i is the step number.
  float step(int i) {
    (void)i;
    Generator g(100);
    const Tensor x = randn({8, 4}, kFloat32, &g);
    const Tensor y = randint(0, 3, {8}, kInt64, &g);
    const Tensor loss = cross_entropy(model->forward(x), y);
    opt->zero_grad();
    loss.backward();
    opt->step();
    sched->step();
    return loss.item<float>();
  }

  void save(const std::string& path) const {
    StateDict tensors;
    for (const auto& [n, t] : model->state_dict()) tensors.emplace("model." + n, t);
    for (const auto& [n, t] : opt->state_dict()) tensors.emplace(n, t);
    for (const auto& [n, t] : sched->state_dict()) tensors.emplace(n, t);
    const auto s = default_generator().get_state();  // dropout's generator
    tensors.emplace("rng.state", tensor(std::vector<std::int64_t>{std::int64_t(s.state), std::int64_t(s.inc)}));
    io::save_safetensors(path, tensors, {{"note", "test"}});
  }

  void load(const std::string& path) {
    const io::TensorFile f = io::load_safetensors(path);
    nn::StateDict m;
    for (const auto& [n, t] : f.tensors)
      if (n.starts_with("model.")) m.emplace(n.substr(6), t);
    model->load_state_dict(m);
    opt->load_state_dict(f.tensors);  // each reads its own prefix and ignores the rest
    sched->load_state_dict(f.tensors);
    const auto r = f.tensors.at("rng.state").to_vector<std::int64_t>();
    default_generator().set_state({std::uint64_t(r[0]), std::uint64_t(r[1]), false, 0});
  }
};

}  // namespace

TEST_CASE("checkpoint: a resumed run continues bit for bit") {
  std::vector<float> straight;
  {
    Run run;
    for (int i = 0; i < 10; ++i) straight.push_back(run.step(i));
  }
  const std::string path = (std::filesystem::temp_directory_path() / "focus_resume_test.safetensors").string();
  std::vector<float> resumed;
  {
    Run first;
    for (int i = 0; i < 5; ++i) resumed.push_back(first.step(i));
    first.save(path);
  }
  default_generator().manual_seed(12345);  // anything: load must restore it
  {
    Run second;  // fresh weights, fresh optimizer: everything comes from the file
    second.load(path);
    for (int i = 5; i < 10; ++i) resumed.push_back(second.step(i));
  }
  std::filesystem::remove(path);
  REQUIRE(resumed.size() == straight.size());
  for (std::size_t i = 0; i < straight.size(); ++i)
    CHECK_MESSAGE(resumed[i] == straight[i], "step " << i << ": resumed " << resumed[i] << " vs " << straight[i]);
  CHECK(straight.back() < straight.front());
}

TEST_CASE("checkpoint: module state saved to safetensors loads back identical") {
  nn::Transformer a(nn::TransformerOptions{.d_model = 8, .nhead = 2, .dim_feedforward = 16}, 1, 1);
  const std::string path = (std::filesystem::temp_directory_path() / "focus_module_test.safetensors").string();
  const nn::StateDict sd = a.state_dict();
  io::save_safetensors(path, a.state_dict());  // the obvious calls compile as written
  nn::Transformer b(nn::TransformerOptions{.d_model = 8, .nhead = 2, .dim_feedforward = 16}, 1, 1);
  const io::TensorFile f = io::load_safetensors(path);
  std::filesystem::remove(path);
  b.load_state_dict(f.tensors);
  for (auto& [n, t] : b.state_dict()) CHECK_MESSAGE(testing::max_abs_diff(t, sd.at(n)) == 0, n);
  CHECK(f.metadata.at("format") == "pt");
}
