// graph_picture: draws the autograd graph behind the seed article's attention layer
// (nn::SelfAttention: Q, K, V = Dense(x); softmax(Q K^T / sqrt(units)) V; a final Dense) and the
// mean-squared-error loss on it. Writes Graphviz DOT (autograd/graphviz.h, parameters named by
// named_parameters) and, when Graphviz's `dot` is installed, renders it to SVG beside it. Then it
// watches one backward: the attention weights, and a hook printing the gradient reaching them.
// scripts/render_graph.sh installs graphviz (as root) and runs this program.
#include <focus/autograd/graphviz.h>
#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>
#include <focus/focus.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

using namespace focus;

namespace {

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

// Single quotes around a path for the shell, with any ' inside written as '\''.
std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int run(int argc, char** argv) {
  cli::Args args(argc, argv);
  const std::string out = args.get_string("out", "attention_graph.dot", "the DOT file to write");
  const bool no_render = args.get_flag("no-render", "write the DOT file only, even when dot is installed");
  const auto units = args.get_int("units", 8, "the layer's units (the picture's shapes)", 1, 4096);
  const bool fused = args.get_flag("fused", "draw attention as the one fused node it runs as when no weights are asked for");
  if (args.help()) {
    std::cout << args.usage("graph_picture", "Draws the autograd graph of the seed's attention layer (DOT, SVG).");
    return 0;
  }
  args.finish();
  manual_seed(0);

  // x [B=2, T=5, 16] -> SelfAttention -> [2, 5, units]; loss against a target of that shape.
  nn::SelfAttention layer(16, units);
  const Tensor x = randn({2, 5, 16});
  const Tensor target = randn({2, 5, units});
  // Asking for the attention weights makes scaled_dot_product_attention take its composed path,
  // so the picture shows each step (matmul, scale, softmax, matmul); without, it is one node.
  Tensor weights;
  const Tensor loss = mse_loss(layer.forward(x, fused ? nullptr : &weights), target);

  DotOptions options;
  options.graph_name = "SelfAttention";
  options.names = layer.named_parameters();  // "Wq.weight", "fc.bias", ...
  const std::string dot_text = to_dot(loss, options);
  {
    std::ofstream f(out);
    if (!(f << dot_text)) throw std::runtime_error("cannot write " + out);
  }
  std::cout << "wrote " << out << " (" << dot_text.size() << " bytes)\n";

  // Watching values and gradients flow: the weights' first row, and a hook that reports the
  // gradient reaching the weights [B, T, T] during backward (returning no tensor keeps it).
  if (weights.defined()) {
    std::cout << "attention weights " << weights.shape() << ", batch 0, query 0: "
              << weights.select(0, 0).select(0, 0) << "\n";
    weights.register_hook([](const Tensor& g) {
      std::cout << "gradient reaching the attention weights: " << g.shape()
                << ", sum of squares " << (g * g).sum().item<double>() << "\n";
      return Tensor();
    });
  }
  loss.backward();
  std::cout << "after backward, Wq.weight.grad " << layer.Wq->weight.grad().shape() << "\n";

  if (no_render) return 0;
  if (!have_dot()) {
    std::cout << "Graphviz's dot is not installed, so no SVG: apt-get install graphviz (or run "
                 "scripts/render_graph.sh as root), then: dot -Tsvg "
              << out << " -o attention_graph.svg\n";
    return 0;
  }
  const std::string svg = out.size() > 4 && out.ends_with(".dot") ? out.substr(0, out.size() - 4) + ".svg" : out + ".svg";
  if (std::system(("dot -Tsvg " + shell_quoted(out) + " -o " + shell_quoted(svg)).c_str()) != 0)
    throw std::runtime_error("dot failed to render " + out);
  std::cout << "wrote " << svg << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("graph_picture", [&] { return run(argc, argv); });
}
