// Shape ops: cat, stack, split, chunk, tril, triu, gather, scatter_add, index_select, index_add,
// embedding. Hand-checked values, the op table (reference, float32, gradcheck on batched, size-1,
// broadcast and non-contiguous inputs; index inputs are fixed int64 tensors the row's fn closes
// over), second derivatives, repeated ids summing their gradients, and the error messages.
#include "op_table.h"

using namespace focus;
using namespace focus::testing;

namespace {

Tensor ids(const std::vector<std::int64_t>& v, const Shape& shape) { return tensor(v, shape); }
Tensor ids(const std::vector<std::int64_t>& v) { return tensor(v); }
Tensor doubles(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape); }

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// ---- naive references ---------------------------------------------------------------------------

double element(const Tensor& x, const std::vector<std::int64_t>& idx) { return broadcast_at(x, x.shape(), ravel(idx, x.shape())); }

// out[p] = x[p with p[dim] replaced by index[p]]
Tensor ref_gather(const Tensor& x, int dim, const Tensor& index) {
  const auto iv = index.to_vector<std::int64_t>();
  Tensor out = zeros(index.shape(), kFloat64);
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    auto p = unravel(i, index.shape());
    p[dim] = iv[i];
    out.data_ptr<double>()[i] = element(x, p);
  }
  return out;
}

// out = x; out[p with p[dim] replaced by index[p]] += src[p]
Tensor ref_scatter_add(const Tensor& x, int dim, const Tensor& index, const Tensor& src) {
  const auto iv = index.to_vector<std::int64_t>();
  Tensor out = x.detach().clone();
  for (std::int64_t i = 0; i < index.numel(); ++i) {
    auto p = unravel(i, index.shape());
    const double s = element(src, p);
    p[dim] = iv[i];
    out.data_ptr<double>()[ravel(p, x.shape())] += s;
  }
  return out;
}

// out[p] = x[p with p[dim] replaced by index[p[dim]]]
Tensor ref_index_select(const Tensor& x, int dim, const Tensor& index) {
  const auto iv = index.to_vector<std::int64_t>();
  Shape shape = x.shape();
  shape[dim] = index.numel();
  Tensor out = zeros(shape, kFloat64);
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    auto p = unravel(i, shape);
    p[dim] = iv[p[dim]];
    out.data_ptr<double>()[i] = element(x, p);
  }
  return out;
}

// out = x; out[p with p[dim] replaced by index[p[dim]]] += src[p]
Tensor ref_index_add(const Tensor& x, int dim, const Tensor& index, const Tensor& src) {
  const auto iv = index.to_vector<std::int64_t>();
  Tensor out = x.detach().clone();
  for (std::int64_t i = 0; i < src.numel(); ++i) {
    auto p = unravel(i, src.shape());
    const double s = element(src, p);
    p[dim] = iv[p[dim]];
    out.data_ptr<double>()[ravel(p, x.shape())] += s;
  }
  return out;
}

// x with (r, c) of the last two dims kept when c - r <= diagonal (lower) or >= diagonal (upper).
Tensor ref_triangle(const Tensor& x, std::int64_t diagonal, bool lower) {
  Tensor out = zeros(x.shape(), kFloat64);
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    const auto p = unravel(i, x.shape());
    const std::int64_t off = p[x.dim() - 1] - p[x.dim() - 2];
    if (lower ? off <= diagonal : off >= diagonal) out.data_ptr<double>()[i] = element(x, p);
  }
  return out;
}

// ---- rows ---------------------------------------------------------------------------------------

// One matrix input of shape s in each layout: contiguous, transposed, every other row.
std::vector<OpSample> matrix_samples(const Shape& s, std::uint64_t seed) {
  return {
      {"matrix", {leaf(s, seed)}},
      {"transposed", {leaf_transposed(s, seed + 1)}},
      {"strided", {leaf_strided(s, seed + 2)}},
  };
}

// matrix_samples plus a batched and a size-1 input (of any shape the row's op accepts).
std::vector<OpSample> more_samples(const Shape& s, std::uint64_t seed, const Shape& batched, const Shape& size1) {
  auto samples = matrix_samples(s, seed);
  samples.push_back({"batched", {leaf(batched, seed + 3)}});
  samples.push_back({"size-1", {leaf(size1, seed + 4)}});
  return samples;
}

std::vector<OpSample> triangle_samples() {
  return {
      {"square", {leaf({4, 4}, 51)}},
      {"wide", {leaf({3, 5}, 52)}},
      {"batched", {leaf({2, 3, 4}, 53)}},
      {"size-1", {leaf({1, 1, 4}, 54)}},
      {"transposed", {leaf_transposed({4, 3}, 55)}},
      {"strided", {leaf_strided({3, 3}, 56)}},
  };
}

OpSpec triangle_row(const std::string& name, std::int64_t diagonal, bool lower) {
  auto fn = lower ? tril : triu;
  return {name, [=](const Inputs& in) { return fn(in[0], diagonal); }, triangle_samples,
          [=](const Inputs& in) { return ref_triangle(in[0], diagonal, lower); }};
}

// Joins and splits only move elements, and their forward is checked by hand below: no reference.
const OpFn kHandChecked = {};

std::vector<OpSpec> join_table() {
  return {
      {"cat dim 0",
       [](const Inputs& in) { return cat({in[0], in[1], in[2]}, 0); },
       [] {
         return std::vector<OpSample>{
             {"mixed layouts", {leaf({2, 3}, 61), leaf_transposed({1, 3}, 62), leaf_strided({2, 3}, 63)}},
             {"batched", {leaf({1, 2, 3}, 64), leaf({2, 2, 3}, 65), leaf_transposed({1, 2, 3}, 66)}},
         };
       },
       kHandChecked},
      {"cat dim -1",
       [](const Inputs& in) { return cat({in[0], in[1], in[2]}, -1); },
       [] {
         return std::vector<OpSample>{
             {"mixed layouts", {leaf({3, 1}, 67), leaf_transposed({3, 2}, 68), leaf_strided({3, 2}, 69)}},
             {"size-1", {leaf({1, 1}, 70), leaf({1, 3}, 71), leaf({1, 1}, 72)}},
         };
       },
       kHandChecked},
      {"cat broadcast and repeated input",
       [](const Inputs& in) { return cat({in[0].expand({2, 3}), in[1], in[0].unsqueeze(0)}, 0); },
       [] { return std::vector<OpSample>{{"row", {leaf({3}, 73), leaf({1, 3}, 74)}}}; }, kHandChecked},
      {"stack dim 0",
       [](const Inputs& in) { return stack({in[0], in[1]}, 0); },
       [] {
         return std::vector<OpSample>{
             {"matrices", {leaf({2, 3}, 75), leaf_transposed({2, 3}, 76)}},
             {"strided", {leaf_strided({2, 3}, 77), leaf({2, 3}, 78)}},
             {"batched", {leaf({2, 2, 3}, 150), leaf_strided({2, 2, 3}, 151)}},
             {"size-1", {leaf({1, 1}, 152), leaf({1, 1}, 153)}},
         };
       },
       kHandChecked},
      {"stack dim -1",
       [](const Inputs& in) { return stack({in[0], in[1], in[0]}, -1); },
       [] { return std::vector<OpSample>{{"matrices", {leaf({2, 3}, 79), leaf_transposed({2, 3}, 80)}}}; },
       kHandChecked},
      {"split last piece", [](const Inputs& in) { return split(in[0], 2, 1).back(); },
       [] { return more_samples({3, 5}, 81, {2, 3, 5}, {1, 5}); }, kHandChecked},
      {"split middle piece dim 0", [](const Inputs& in) { return split(in[0], 1, 0)[1]; },
       [] { return more_samples({3, 4}, 84, {3, 2, 2}, {2, 1}); }, kHandChecked},
      {"chunk second piece", [](const Inputs& in) { return chunk(in[0], 2, -1)[1] * chunk(in[0], 2, -1)[0]; },
       [] { return more_samples({3, 4}, 87, {2, 3, 4}, {1, 4}); }, kHandChecked},
      triangle_row("tril", 0, true),
      triangle_row("tril diagonal -1", -1, true),
      triangle_row("triu", 0, false),
      triangle_row("triu diagonal 2", 2, false),
  };
}

// Fixed indices the index rows close over; each has repeats, so gradients must add up.
Tensor gather_cols() { return ids({3, 0, 3, 1, 1, 1}, {3, 2}); }         // x [3, 4], dim 1
Tensor gather_rows() { return ids({2, 0, 1, 2, 0, 0, 0, 0}, {2, 4}); }  // x [3, 4], dim 0
Tensor select_ids() { return ids({2, 0, 2, 1}); }                      // a dim of size 3
Tensor token_ids() { return ids({4, 0, 4, 1, 2, 4}, {2, 3}); }         // weight [5, 3]

std::vector<OpSpec> index_table() {
  const Tensor cols = gather_cols(), rows = gather_rows(), picks = select_ids(), tokens = token_ids();
  const Tensor batched = ids({1, 0, 0, 1, 1, 1}, {2, 1, 3});
  return {
      {"gather dim 1", [=](const Inputs& in) { return gather(in[0], 1, cols); },
       [] { return matrix_samples({3, 4}, 91); },
       [=](const Inputs& in) { return ref_gather(in[0], 1, cols); }},
      {"gather dim 0", [=](const Inputs& in) { return gather(in[0], 0, rows); },
       [] { return matrix_samples({3, 4}, 94); },
       [=](const Inputs& in) { return ref_gather(in[0], 0, rows); }},
      {"gather batched and size-1", [=](const Inputs& in) { return gather(in[0], -1, batched); },
       [] { return std::vector<OpSample>{{"batched", {leaf({2, 1, 2}, 97)}}}; },
       [=](const Inputs& in) { return ref_gather(in[0], 2, batched); }},
      {"gather broadcast", [=](const Inputs& in) { return gather(in[0].expand({3, 4}), 1, cols); },
       [] { return std::vector<OpSample>{{"row", {leaf({4}, 98)}}}; },
       [=](const Inputs& in) { return ref_gather(in[0].detach().expand({3, 4}), 1, cols); }},
      {"scatter_add dim 1", [=](const Inputs& in) { return scatter_add(in[0], 1, cols, in[1]); },
       [] {
         return std::vector<OpSample>{
             {"matrices", {leaf({3, 4}, 101), leaf({3, 2}, 102)}},
             {"transposed", {leaf_transposed({3, 4}, 103), leaf_transposed({3, 2}, 104)}},
             {"strided", {leaf_strided({3, 4}, 105), leaf_strided({3, 2}, 106)}},
         };
       },
       [=](const Inputs& in) { return ref_scatter_add(in[0], 1, cols, in[1]); }},
      {"scatter_add batched and size-1", [=](const Inputs& in) { return scatter_add(in[0], -1, batched, in[1]); },
       [] { return std::vector<OpSample>{{"batched", {leaf({2, 1, 2}, 107), leaf({2, 1, 3}, 108)}}}; },
       [=](const Inputs& in) { return ref_scatter_add(in[0], 2, batched, in[1]); }},
      {"scatter_add broadcast", [=](const Inputs& in) { return scatter_add(in[0].expand({3, 4}), 1, cols, in[1]); },
       [] { return std::vector<OpSample>{{"row", {leaf({4}, 109), leaf({3, 2}, 110)}}}; },
       [=](const Inputs& in) { return ref_scatter_add(in[0].detach().expand({3, 4}), 1, cols, in[1]); }},
      {"index_select dim 0", [=](const Inputs& in) { return index_select(in[0], 0, picks); },
       [] {
         auto s = matrix_samples({3, 4}, 111);
         s.push_back({"batched", {leaf({3, 2, 2}, 114)}});
         s.push_back({"size-1", {leaf({3, 1}, 115)}});
         return s;
       },
       [=](const Inputs& in) { return ref_index_select(in[0], 0, picks); }},
      {"index_select dim -1", [=](const Inputs& in) { return index_select(in[0], -1, picks); },
       [] { return matrix_samples({2, 3}, 116); },
       [=](const Inputs& in) { return ref_index_select(in[0], 1, picks); }},
      {"index_select broadcast", [=](const Inputs& in) { return index_select(in[0].expand({2, 3}), 1, picks); },
       [] { return std::vector<OpSample>{{"row", {leaf({1, 3}, 119)}}}; },
       [=](const Inputs& in) { return ref_index_select(in[0].detach().expand({2, 3}), 1, picks); }},
      {"index_add dim 0", [=](const Inputs& in) { return index_add(in[0], 0, picks, in[1]); },
       [] {
         return std::vector<OpSample>{
             {"matrices", {leaf({3, 2}, 121), leaf({4, 2}, 122)}},
             {"transposed", {leaf_transposed({3, 2}, 123), leaf_transposed({4, 2}, 124)}},
             {"strided", {leaf_strided({3, 2}, 125), leaf_strided({4, 2}, 126)}},
         };
       },
       [=](const Inputs& in) { return ref_index_add(in[0], 0, picks, in[1]); }},
      {"index_add dim 1", [=](const Inputs& in) { return index_add(in[0], 1, picks, in[1]); },
       [] {
         return std::vector<OpSample>{
             {"batched", {leaf({2, 3, 2}, 127), leaf({2, 4, 2}, 128)}},
             {"size-1", {leaf({1, 3}, 129), leaf_transposed({1, 4}, 130)}},
         };
       },
       [=](const Inputs& in) { return ref_index_add(in[0], 1, picks, in[1]); }},
      {"index_add broadcast", [=](const Inputs& in) { return index_add(in[0].expand({3, 2}), 0, picks, in[1]); },
       [] { return std::vector<OpSample>{{"row", {leaf({1, 2}, 137), leaf({4, 2}, 138)}}}; },
       [=](const Inputs& in) { return ref_index_add(in[0].detach().expand({3, 2}), 0, picks, in[1]); }},
      {"embedding", [=](const Inputs& in) { return embedding(in[0], tokens); },
       [] {
         auto s = matrix_samples({5, 3}, 131);
         s.push_back({"size-1", {leaf({5, 1}, 139)}});
         return s;
       },
       [=](const Inputs& in) { return ref_index_select(in[0], 0, tokens.reshape({-1})).reshape({2, 3, in[0].shape()[1]}); }},
      {"embedding transposed ids", [=](const Inputs& in) { return embedding(in[0], tokens.t()); },
       [] { return matrix_samples({5, 3}, 134); },
       [=](const Inputs& in) {
         return ref_index_select(in[0], 0, tokens.t().contiguous().reshape({-1})).reshape({3, 2, 3});
       }},
      {"embedding broadcast weight", [=](const Inputs& in) { return embedding(in[0].expand({5, 3}), tokens); },
       [] { return std::vector<OpSample>{{"row", {leaf({1, 3}, 140)}}}; },
       [=](const Inputs& in) {
         return ref_index_select(in[0].detach().expand({5, 3}), 0, tokens.reshape({-1})).reshape({2, 3, 3});
       }},
  };
}

// d/dx sum(fn(x)^3), recorded with create_graph: gradcheck of it checks fn's second derivatives
// (the cube keeps the first derivative a function of x even for ops linear in x).
OpFn grad_of_cube(OpFn fn) {
  return [fn](const Inputs& in) {
    AutoGradMode on(true);
    const Tensor y = fn(in);
    return grad({(y * y * y).sum()}, {in[0]}, {}, true, true)[0];
  };
}

}  // namespace

TEST_CASE("shape: op table, joins, splits and triangles") {
  for (const OpSpec& spec : join_table()) check_op(spec);
}

TEST_CASE("shape: op table, index ops") {
  for (const OpSpec& spec : index_table()) check_op(spec);
}

TEST_CASE("shape: second derivatives through every op") {
  const Tensor other = leaf({3, 4}, 141);
  const Tensor cols = gather_cols(), picks = select_ids();
  const std::vector<std::pair<std::string, OpFn>> ops = {
      {"cat", [other](const Inputs& in) { return cat({in[0], other, in[0]}, 1); }},
      {"stack", [other](const Inputs& in) { return stack({other, in[0]}, 0); }},
      {"split", [](const Inputs& in) { return split(in[0], 3, 1)[1]; }},
      {"tril", [](const Inputs& in) { return tril(in[0], 1); }},
      {"triu", [](const Inputs& in) { return triu(in[0]); }},
      {"gather", [=](const Inputs& in) { return gather(in[0], 1, cols); }},
      {"scatter_add src", [=](const Inputs& in) { return scatter_add(other, 1, cols, in[0].narrow(1, 0, 2)); }},
      {"index_select", [=](const Inputs& in) { return index_select(in[0], 0, picks); }},
      {"index_add src", [=](const Inputs& in) { return index_add(other.narrow(1, 0, 3), 1, picks, in[0]); }},
      {"embedding", [](const Inputs& in) { return embedding(in[0], ids({2, 2, 0, 1})); }},
      {"embedding padding", [](const Inputs& in) { return embedding(in[0], ids({2, 2, 0, 1}), 2); }},
  };
  for (const auto& [name, fn] : ops) {
    const GradcheckResult r = gradcheck(grad_of_cube(fn), {leaf({3, 4}, 142)});
    CHECK_MESSAGE(r.ok, name << ": " << r.message);
  }
}

TEST_CASE("shape: cat and stack by hand") {
  const Tensor a = doubles({1, 2, 3, 4}, {2, 2});
  const Tensor b = doubles({5, 6}, {1, 2});
  const Tensor rows = cat({a, b});
  CHECK(rows.shape() == Shape{3, 2});
  CHECK(values(rows) == std::vector<double>{1, 2, 3, 4, 5, 6});
  const Tensor cols = cat({a, doubles({7, 8}, {2, 1})}, -1);
  CHECK(cols.shape() == Shape{2, 3});
  CHECK(values(cols) == std::vector<double>{1, 2, 7, 3, 4, 8});
  CHECK(values(cat({a.t(), zeros({0, 2}, kFloat64), b})) == std::vector<double>{1, 3, 2, 4, 5, 6});
  const Tensor mask = cat({ones({2}, kBool), zeros({1}, kBool)});
  CHECK(mask.dtype() == kBool);
  CHECK(mask.to_vector<bool>() == std::vector<bool>{true, true, false});

  const Tensor u = tensor(std::vector<std::int64_t>{1, 2}), v = tensor(std::vector<std::int64_t>{3, 4});
  const Tensor s0 = stack({u, v});
  CHECK(s0.shape() == Shape{2, 2});
  CHECK(s0.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 4});
  const Tensor s1 = stack({u, v}, -1);
  CHECK(s1.shape() == Shape{2, 2});
  CHECK(s1.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 3, 2, 4});
  CHECK(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).shape() == Shape{2});
}

TEST_CASE("shape: cat gradient is the slice of each input") {
  Tensor a = doubles({1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor b = doubles({5, 6}, {2, 1}).requires_grad_();
  const Tensor frozen = doubles({0, 0}, {2, 1});
  (cat({a, frozen, b}, 1) * doubles({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4})).sum().backward();
  CHECK(values(a.grad()) == std::vector<double>{1, 2, 5, 6});
  CHECK(values(b.grad()) == std::vector<double>{4, 8});
}

TEST_CASE("shape: split and chunk give views") {
  const Tensor x = arange(10).reshape({2, 5});
  const auto pieces = split(x, 2, 1);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[0].shape() == Shape{2, 2});
  CHECK(pieces[2].shape() == Shape{2, 1});
  CHECK(pieces[1].to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 3, 7, 8});
  CHECK(pieces[2].to_vector<std::int64_t>() == std::vector<std::int64_t>{4, 9});
  CHECK(pieces[1].storage() == x.storage());
  CHECK(split(x, 5, 1).size() == 1);
  CHECK(split(x, 7, 1)[0].shape() == Shape{2, 5});

  const auto halves = chunk(x, 2, -1);
  REQUIRE(halves.size() == 2);
  CHECK(halves[0].shape() == Shape{2, 3});
  CHECK(halves[1].to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 4, 8, 9});
  CHECK(halves[1].storage() == x.storage());
  // As torch: 6 in 4 chunks is pieces of 2, so only 3 come back; an empty dim gives `chunks` empties.
  CHECK(chunk(arange(6), 4).size() == 3);
  const auto empties = chunk(zeros({0, 2}), 3);
  CHECK(empties.size() == 3);
  CHECK(empties[2].shape() == Shape{0, 2});
}

TEST_CASE("shape: tril and triu by hand") {
  const Tensor x = arange(1, 13, 1, kFloat64).reshape({3, 4});
  CHECK(values(tril(x)) == std::vector<double>{1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0});
  CHECK(values(tril(x, -1)) == std::vector<double>{0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0});
  CHECK(values(triu(x, 1)) == std::vector<double>{0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12});
  CHECK(values(triu(x, -5)) == values(x));
  CHECK(values(tril(x, -3)) == std::vector<double>(12, 0.0));
  // The causal mask of attention.
  CHECK(tril(ones({3, 3}, kBool)).to_vector<bool>() ==
        std::vector<bool>{true, false, false, true, true, false, true, true, true});
  // Batched: each matrix on its own.
  CHECK(values(triu(ones({2, 2, 2}, kFloat64))) == std::vector<double>{1, 1, 0, 1, 1, 1, 0, 1});
}

TEST_CASE("shape: gather and scatter_add by hand") {
  const Tensor x = doubles({1, 2, 3, 4}, {2, 2});
  CHECK(values(gather(x, 1, ids({0, 0, 1, 0}, {2, 2}))) == std::vector<double>{1, 1, 4, 3});
  const Tensor g0 = gather(x, 0, ids({1, 0}, {1, 2}));
  CHECK(g0.shape() == Shape{1, 2});
  CHECK(values(g0) == std::vector<double>{3, 2});
  const Tensor s = scatter_add(zeros({2, 3}, kFloat64), 1, ids({0, 1, 0, 2, 2, 2}, {2, 3}), ones({2, 3}, kFloat64));
  CHECK(values(s) == std::vector<double>{2, 1, 0, 0, 0, 3});
}

TEST_CASE("shape: index_select, index_add and embedding by hand") {
  const Tensor x = doubles({1, 2, 3, 4, 5, 6}, {3, 2});
  CHECK(values(index_select(x, 0, ids({2, 0, 2}))) == std::vector<double>{5, 6, 1, 2, 5, 6});
  const Tensor col = index_select(x, 1, ids({1}));
  CHECK(col.shape() == Shape{3, 1});
  CHECK(values(col) == std::vector<double>{2, 4, 6});
  const Tensor added = index_add(zeros({3, 2}, kFloat64), 0, ids({0, 2, 0}), doubles({1, 1, 2, 2, 3, 3}, {3, 2}));
  CHECK(values(added) == std::vector<double>{4, 4, 0, 0, 2, 2});

  const Tensor weight = doubles({0, 1, 10, 11, 20, 21, 30, 31}, {4, 2});
  const Tensor e = embedding(weight, ids({3, 0, 1, 1}, {2, 2}));
  CHECK(e.shape() == Shape{2, 2, 2});
  CHECK(values(e) == std::vector<double>{30, 31, 0, 1, 10, 11, 10, 11});
  CHECK(embedding(weight, tensor(std::vector<std::int64_t>{2}, Shape{})).shape() == Shape{2});
  // The padding row is still looked up; it only gets no gradient.
  CHECK(values(embedding(weight, ids({1}), 1)) == std::vector<double>{10, 11});
}

TEST_CASE("shape: repeated ids sum their gradients") {
  // ids [1, 2, 1] with upstream rows [1, 2], [3, 4], [5, 6]: row 1 gets [1+5, 2+6], row 2 [3, 4].
  const Tensor g = doubles({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor w = zeros({3, 2}, kFloat64).requires_grad_();
  embedding(w, ids({1, 2, 1})).backward(g);
  CHECK(values(w.grad()) == std::vector<double>{0, 0, 6, 8, 3, 4});

  Tensor x = zeros({3, 2}, kFloat64).requires_grad_();
  index_select(x, 0, ids({1, 2, 1})).backward(g);
  CHECK(values(x.grad()) == std::vector<double>{0, 0, 6, 8, 3, 4});

  // gather with repeats along dim 1: x[0][1] is picked twice.
  Tensor y = zeros({2, 2}, kFloat64).requires_grad_();
  gather(y, 1, ids({1, 1, 0, 1}, {2, 2})).backward(doubles({1, 2, 3, 4}, {2, 2}));
  CHECK(values(y.grad()) == std::vector<double>{0, 3, 3, 4});
}

TEST_CASE("shape: embedding padding_idx row gets no gradient") {
  const Tensor g = doubles({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor w = zeros({3, 2}, kFloat64).requires_grad_();
  embedding(w, ids({1, 2, 1}), 1).backward(g);
  CHECK(values(w.grad()) == std::vector<double>{0, 0, 0, 0, 3, 4});
}

TEST_CASE("shape: errors name the op, the rule and what was given") {
  const Tensor a = zeros({2, 3}), b = zeros({2, 4});
  CHECK_THROWS_WITH_AS(cat({}), "cat: expects at least one tensor; got an empty list", ValueError);
  CHECK_THROWS_WITH_AS(cat({a, b}), "cat: shapes must match except in dim 0; got tensors[0]=[2, 3], tensors[1]=[2, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(cat({a, a, zeros({3})}, 1),
                       "cat: shapes must match except in dim 1; got tensors[0]=[2, 3], tensors[2]=[3]", ShapeError);
  CHECK_THROWS_WITH_AS(cat({a, zeros({2, 3}, kFloat64)}),
                       "cat: dtypes must match (no implicit promotion); got tensors[0]=float32, tensors[1]=float64",
                       DTypeError);
  CHECK_THROWS_WITH_AS(cat({scalar_tensor(1.0)}), "cat: zero-dimensional tensors cannot be joined; got tensors[0]=[]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(cat({a}, 2), "cat: dim out of range [-2, 1]; got dim=2", IndexError);
  CHECK_THROWS_WITH_AS(stack({a, b}), "stack: tensors must all have the same shape; got tensors[0]=[2, 3], tensors[1]=[2, 4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(stack({}), "stack: expects at least one tensor; got an empty list", ValueError);
  CHECK_THROWS_WITH_AS(stack({a}, 3), "stack: dim out of range [-3, 2]; got dim=3", IndexError);
  CHECK_THROWS_WITH_AS(split(a, 0), "split: split_size must be positive; got split_size=0", ValueError);
  CHECK_THROWS_WITH_AS(split(scalar_tensor(1.0), 1), "split: expects a tensor of rank >= 1; got x=[]", ShapeError);
  CHECK_THROWS_WITH_AS(chunk(a, -2), "chunk: chunks must be positive; got chunks=-2", ValueError);
  CHECK_THROWS_WITH_AS(tril(zeros({3})),
                       "tril: expects a tensor of rank >= 2 (a matrix or a batch of them); got x=[3]", ShapeError);
  CHECK_THROWS_WITH_AS(triu(scalar_tensor(1.0)),
                       "triu: expects a tensor of rank >= 2 (a matrix or a batch of them); got x=[]", ShapeError);

  CHECK_THROWS_WITH_AS(gather(a, 1, zeros({2, 3})), "gather: index must be int64; got float32", DTypeError);
  CHECK_THROWS_WITH_AS(gather(a, 1, ids({0, 3}, {2, 1})),
                       "gather: index must lie in [0, 3) (the size of dim 1); got index=3, x=[2, 3]", IndexError);
  CHECK_THROWS_WITH_AS(gather(a, 0, ids({-1, 0}, {1, 2})),
                       "gather: index must lie in [0, 2) (the size of dim 0); got index=-1, x=[2, 3]", IndexError);
  CHECK_THROWS_WITH_AS(gather(a, 1, ids({0, 1})),
                       "gather: index must have x's rank and be no larger than x in every dim but dim 1; got x=[2, 3], "
                       "index=[2]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(gather(a, 1, zeros({3, 1}, kInt64)),
                       "gather: index must have x's rank and be no larger than x in every dim but dim 1; got x=[2, 3], "
                       "index=[3, 1]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(gather(a, 2, zeros({2, 3}, kInt64)), "gather: dim out of range [-2, 1]; got dim=2", IndexError);
  CHECK_THROWS_WITH_AS(scatter_add(a, 1, zeros({2, 2}, kInt64), zeros({2, 3})),
                       "scatter_add: index and src must have the same shape; got index=[2, 2], src=[2, 3]", ShapeError);
  CHECK_THROWS_WITH_AS(scatter_add(a, 1, zeros({2, 2}, kInt64), zeros({2, 2}, kFloat64)),
                       "scatter_add: dtypes must match (no implicit promotion); got a=float32, b=float64", DTypeError);

  CHECK_THROWS_WITH_AS(index_select(a, 0, ids({0, 1}, {2, 1})), "index_select: index must be 1-D; got index=[2, 1]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(index_select(a, 1, ids({0, 5, 1})),
                       "index_select: index must lie in [0, 3) (the size of dim 1); got index=5, x=[2, 3]", IndexError);
  CHECK_THROWS_WITH_AS(index_select(a, 0, zeros({2}, kBool)), "index_select: index must be int64; got bool", DTypeError);
  CHECK_THROWS_WITH_AS(index_add(a, 0, ids({1}), zeros({1, 2})),
                       "index_add: src must have x's shape with dim 0 of size len(index); got x=[2, 3], index=[1], "
                       "src=[1, 2]",
                       ShapeError);

  const Tensor w = zeros({4, 2});
  CHECK_THROWS_WITH_AS(embedding(w, zeros({3})), "embedding: ids must be int64; got float32", DTypeError);
  CHECK_THROWS_WITH_AS(embedding(zeros({4}), ids({0})), "embedding: weight must be 2-D [V, D]; got weight=[4]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(embedding(w, ids({0, 4, 1})),
                       "embedding: ids must lie in [0, 4) (the rows of weight); got id=4, weight=[4, 2]", IndexError);
  CHECK_THROWS_WITH_AS(embedding(w, ids({0}), 4),
                       "embedding: padding_idx must be below V (or negative for none); got padding_idx=4, weight=[4, 2]",
                       ValueError);
}
