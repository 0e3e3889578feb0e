// Graph pictures: to_dot's nodes (op name, shape, dtype), leaves marked requires_grad and named
// from named_parameters, constants dashed, one box per shared tensor, arrows from inputs to the
// op, released graphs marked, and a 100,000-op chain (the walk is iterative).
#include "op_table.h"

#include <focus/autograd/graphviz.h>

#include <algorithm>
#include <map>
#include <regex>

using namespace focus;

namespace {

// The DOT text's node lines ("  id [label=...]") and edge lines ("  a -> b"), by id.
struct Dot {
  std::map<std::string, std::string> labels;  // id -> label text (with literal \n pairs)
  std::map<std::string, std::string> attrs;   // id -> the whole attribute list
  std::vector<std::pair<std::string, std::string>> edges;
};

Dot parse(const std::string& text) {
  Dot d;
  std::istringstream in(text);
  std::string line;
  const std::regex node_re(R"re(^  (\w+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$)re");
  const std::regex edge_re(R"re(^  (\w+) -> (\w+);$)re");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, node_re)) {
      d.labels[m[1]] = m[2];
      d.attrs[m[1]] = m[3];
    } else if (std::regex_match(line, m, edge_re)) {
      d.edges.emplace_back(m[1], m[2]);
    }
  }
  return d;
}

// The id of the one node whose label is exactly `label`.
std::string id_of(const Dot& d, const std::string& label) {
  std::vector<std::string> ids;
  for (const auto& [id, l] : d.labels)
    if (l == label) ids.push_back(id);
  REQUIRE_MESSAGE(ids.size() == 1, "label " << label << " found " << ids.size() << " times");
  return ids[0];
}

bool has_edge(const Dot& d, const std::string& from, const std::string& to) {
  return std::find(d.edges.begin(), d.edges.end(), std::make_pair(from, to)) != d.edges.end();
}

}  // namespace

TEST_CASE("graphviz: ops, leaves and constants with shapes, arrows from inputs to ops") {
  Tensor w = ones({2, 3}).requires_grad_();
  const Tensor x = ones({2, 3});  // data: no grad
  const Tensor y = (w * x).sum();
  const std::string text = to_dot(y);
  CHECK(text.rfind("digraph \"focus\" {\n", 0) == 0);
  CHECK(text.substr(text.size() - 2) == "}\n");
  const Dot d = parse(text);
  CHECK(d.labels.size() == 4);
  CHECK(d.edges.size() == 3);
  const std::string sum = id_of(d, "sum\\n[] float32");
  const std::string mul = id_of(d, "mul\\n[2, 3] float32");
  const std::string leaf = id_of(d, "leaf\\n[2, 3] float32\\nrequires_grad");
  const std::string data = id_of(d, "constant\\n[2, 3] float32");
  CHECK(has_edge(d, mul, sum));
  CHECK(has_edge(d, leaf, mul));
  CHECK(has_edge(d, data, mul));
  CHECK(d.attrs.at(sum).find("bold") != std::string::npos);  // the tensor drawn for
  CHECK(d.attrs.at(leaf).find("filled") != std::string::npos);
  CHECK(d.attrs.at(data).find("dashed") != std::string::npos);

  DotOptions quiet;
  quiet.show_constants = false;
  quiet.graph_name = "no \"data\"";
  const std::string text2 = to_dot(y, quiet);
  CHECK(text2.rfind("digraph \"no \\\"data\\\"\" {\n", 0) == 0);
  CHECK(parse(text2).labels.size() == 3);
}

TEST_CASE("graphviz: a tensor used twice is one box with two arrows, a shared subgraph is walked once") {
  Tensor x = tensor(std::vector<double>{1, 2}).requires_grad_();
  const Tensor h = exp(x);
  const Tensor y = (h * h + h).sum();
  const Dot d = parse(to_dot(y));
  const std::string leaf = id_of(d, "leaf\\n[2] float64\\nrequires_grad");
  const std::string e = id_of(d, "exp\\n[2] float64");
  const std::string mul = id_of(d, "mul\\n[2] float64");
  const std::string add = id_of(d, "add\\n[2] float64");
  CHECK(std::count(d.edges.begin(), d.edges.end(), std::make_pair(e, mul)) == 2);
  CHECK(has_edge(d, e, add));
  CHECK(has_edge(d, mul, add));
  CHECK(has_edge(d, leaf, e));
  CHECK(d.labels.size() == 5);  // leaf, exp, mul, add, sum
  CHECK(d.edges.size() == 6);  // leaf->exp, exp->mul twice, exp->add, mul->add, add->sum
}

TEST_CASE("graphviz: leaves carry the names given, e.g. a module's named_parameters, and their hooks") {
  manual_seed(0);
  nn::Linear layer(4, 3);
  const Tensor x = randn({2, 4});
  const Tensor y = relu(layer.forward(x));
  layer.weight.register_hook([](const Tensor&) { return Tensor(); });
  DotOptions opt;
  opt.names = layer.named_parameters();
  const Dot d = parse(to_dot(y, opt));
  const std::string lin = id_of(d, "linear\\n[2, 3] float32");
  const std::string r = id_of(d, "relu\\n[2, 3] float32");
  CHECK(has_edge(d, id_of(d, "weight\\n[3, 4] float32\\nrequires_grad\\nhooks: 1"), lin));
  CHECK(has_edge(d, id_of(d, "bias\\n[3] float32\\nrequires_grad"), lin));
  CHECK(has_edge(d, id_of(d, "constant\\n[2, 4] float32"), lin));
  CHECK(has_edge(d, lin, r));
}

TEST_CASE("graphviz: a leaf alone, a released graph, and the undefined-tensor error") {
  Tensor w = ones({3}).requires_grad_();
  const Dot leaf_only = parse(to_dot(w));
  CHECK(leaf_only.labels.size() == 1);
  CHECK(leaf_only.labels.begin()->second == "leaf\\n[3] float32\\nrequires_grad");
  CHECK(parse(to_dot(ones({1}))).labels.begin()->second == "constant\\n[1] float32");

  const Tensor y = (w * 2.0).sum();
  y.backward();  // releases the saved tensors; the nodes stay while y holds them
  const Dot d = parse(to_dot(y));
  CHECK(d.labels.count(id_of(d, "sum\\n[] float32\\n(released)")) == 1);
  CHECK_ERROR(ValueError, to_dot(Tensor()), "to_dot: the tensor is undefined");
}

TEST_CASE("graphviz: a chain of 100,000 ops is drawn without recursion") {
  Tensor x = ones({1}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  const std::string text = to_dot(y);
  // Counted directly: std::regex over 200,000 lines would dominate the test's time.
  auto count = [&](const std::string& what) {
    std::int64_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("[label=\"mul\\n[1] float32\"") == 100000);
  CHECK(count("requires_grad") == 1);
  CHECK(count(" -> ") == 100000);
}
