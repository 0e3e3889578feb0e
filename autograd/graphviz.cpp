// to_dot: a depth-first walk over Node::next_edges() with an explicit stack (the engine's
// graphs can be 100,000 nodes deep), numbering each node and leaf the first time it is seen so
// the text is the same for the same graph. Everything drawn comes from the graph itself: a
// Node knows its name and output shape/dtype, an Edge the shape/dtype of the input it leads to.
#include <focus/autograd/graphviz.h>

#include <focus/autograd/node.h>

#include <sstream>
#include <unordered_map>

namespace focus {

namespace {

// A DOT string literal: backslashes and quotes escaped, line breaks written as DOT's \n.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Strings are built by appending: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string.
std::string shape_line(const Shape& shape, DType dtype) {
  std::string s = to_string(shape);
  s += ' ';
  s += dtype_name(dtype);
  return s;
}

std::string numbered(const char* prefix, std::size_t k) {
  std::string s = prefix;
  s += std::to_string(k);
  return s;
}

// Emits nodes and edges as it discovers them; ids are "op<k>", "leaf<k>", "const<k>".
class DotWriter {
 public:
  DotWriter(const DotOptions& options, std::ostringstream& os) : options_(options), os_(os) {
    for (const auto& [name, t] : options.names)
      if (t.defined() && t.unsafe_impl()->autograd) leaf_names_[t.unsafe_impl()->autograd.get()] = name;
  }

  // The id of node n, writing its line the first time; fresh says whether it was new.
  std::string op(const Node* n, bool is_root, bool& fresh) {
    auto [it, inserted] = op_ids_.try_emplace(n, numbered("op", op_ids_.size()));
    fresh = inserted;
    if (inserted) {
      std::string label = n->name();
      label += "\n";
      label += shape_line(n->output_shape(), n->output_dtype());
      if (n->released()) label += "\n(released)";
      os_ << "  " << it->second << " [label=" << quoted(label)
          << (is_root ? ", style=\"filled,bold\", fillcolor=\"#fff2b3\"" : "") << "];\n";
    }
    return it->second;
  }

  std::string leaf(const AutogradMeta* meta, const Shape& shape, DType dtype) {
    auto [it, inserted] = leaf_ids_.try_emplace(meta, numbered("leaf", leaf_ids_.size()));
    if (inserted) {
      auto named = leaf_names_.find(meta);
      std::string label = named != leaf_names_.end() ? named->second : "leaf";
      label += "\n";
      label += shape_line(shape, dtype);
      label += "\nrequires_grad";
      if (!meta->hooks.empty()) {
        label += "\nhooks: ";
        label += std::to_string(meta->hooks.size());
      }
      os_ << "  " << it->second << " [label=" << quoted(label)
          << ", style=filled, fillcolor=\"#cfe2ff\"];\n";
    }
    return it->second;
  }

  std::string constant(const Shape& shape, DType dtype) {
    std::string id = numbered("const", constants_++);
    std::string label = "constant\n";
    label += shape_line(shape, dtype);
    os_ << "  " << id << " [label=" << quoted(label)
        << ", style=dashed, fontcolor=\"#666666\"];\n";
    return id;
  }

  void edge(const std::string& from, const std::string& to) { os_ << "  " << from << " -> " << to << ";\n"; }

 private:
  const DotOptions& options_;
  std::ostringstream& os_;
  std::unordered_map<const AutogradMeta*, std::string> leaf_names_;
  std::unordered_map<const Node*, std::string> op_ids_;
  std::unordered_map<const AutogradMeta*, std::string> leaf_ids_;
  std::size_t constants_ = 0;
};

}  // namespace

std::string to_dot(const Tensor& root, const DotOptions& options) {
  if (!root.defined()) throw ValueError("to_dot: the tensor is undefined");
  std::ostringstream os;
  os << "digraph " << quoted(options.graph_name) << " {\n"
     << "  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n";
  DotWriter w(options, os);
  const auto& meta = root.unsafe_impl()->autograd;
  if (!root.grad_fn()) {
    // A leaf (or a tensor outside the graph) is a picture of one box.
    if (meta && meta->requires_grad) w.leaf(meta.get(), root.shape(), root.dtype());
    else w.constant(root.shape(), root.dtype());
    os << "}\n";
    return os.str();
  }
  bool fresh = false;
  std::vector<const Node*> stack = {root.grad_fn().get()};
  w.op(stack.back(), true, fresh);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    const std::string to = w.op(n, false, fresh);
    for (const Edge& e : n->next_edges()) {
      if (e.node) {
        const std::string from = w.op(e.node.get(), false, fresh);
        w.edge(from, to);
        if (fresh) stack.push_back(e.node.get());
      } else if (e.leaf) {
        w.edge(w.leaf(e.leaf.get(), e.shape, e.dtype), to);
      } else if (options.show_constants && !e.shape.empty()) {
        // An undefined input (an absent bias) leaves a rank-0 edge; so, rarely, does a rank-0
        // constant, which is then not drawn: the edge cannot tell the two apart.
        w.edge(w.constant(e.shape, e.dtype), to);
      }
    }
  }
  os << "}\n";
  return os.str();
}

}  // namespace focus
