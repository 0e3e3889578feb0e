// Bad input everywhere a user touches: every nn layer given the wrong rank, the wrong width, the
// wrong dtype, empty batches and zero-length sequences; bad constructor arguments; sizes that
// would overflow a size computation; truncated and garbled checkpoint files. Each must throw a
// focus::Error whose message names the op (never crash, never wrap around, never return garbage).
#include <doctest/doctest.h>

#include <focus/focus.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace focus;

namespace {

// The message of the focus::Error that fn throws, or a marker saying it did not throw.
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Checks fn throws a focus::Error whose message contains each fragment.
void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> fragments) {
  const std::string msg = error_of(fn);
  CAPTURE(msg);
  for (const auto& f : fragments) {
    CAPTURE(f);
    CHECK(msg.find(f) != std::string::npos);
  }
}

Tensor ids(std::vector<std::int64_t> v, const Shape& shape) { return tensor(v, shape); }

nn::TransformerOptions small_options() {
  nn::TransformerOptions o;
  o.d_model = 8;
  o.nhead = 2;
  o.dim_feedforward = 16;
  o.dropout = 0.0;
  return o;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("focus_bad_input_" + name)).string();
}

}  // namespace

TEST_CASE("bad input: Linear rejects the wrong width, rank 0, the wrong dtype and bad sizes") {
  nn::Linear lin(4, 3);
  expect_error([&] { (void)lin.forward(zeros({2, 5})); }, {"linear:", "[2, 5]"});
  expect_error([&] { (void)lin.forward(scalar_tensor(1.0)); }, {"linear:"});
  expect_error([&] { (void)lin.forward(zeros({2, 4}, kFloat64)); }, {"linear:", "float64"});
  expect_error([&] { (void)lin.forward(zeros({2, 4}, kInt64)); }, {"linear:", "int64"});
  expect_error([] { nn::Linear(0, 3); }, {"Linear: in_features and out_features must be positive"});
  expect_error([] { nn::Linear(-4, 3); }, {"Linear:", "in_features=-4"});
  // An empty batch is not an error: zero rows in, zero rows out.
  CHECK(lin.forward(zeros({0, 4})).shape() == Shape{0, 3});
  CHECK(lin.forward(zeros({2, 0, 4})).shape() == Shape{2, 0, 3});
}

TEST_CASE("bad input: Embedding rejects ids out of range, float ids, and bad sizes") {
  nn::Embedding emb(5, 3);
  expect_error([&] { (void)emb.forward(ids({1, 5}, {2})); }, {"5"});
  expect_error([&] { (void)emb.forward(ids({-1, 0}, {2})); }, {"-1"});
  expect_error([&] { (void)emb.forward(zeros({2})); }, {"int64", "float32"});
  expect_error([] { nn::Embedding(0, 3); }, {"Embedding: num_embeddings and embedding_dim must be positive"});
  expect_error([] { nn::Embedding(5, 3, 7); }, {"Embedding: padding_idx must be -1 (none) or in [0, num_embeddings)"});
  CHECK(emb.forward(ids({}, {2, 0})).shape() == Shape{2, 0, 3});  // zero-length sequences
}

TEST_CASE("bad input: LayerNorm rejects a mismatched trailing shape, ints and bad settings") {
  nn::LayerNorm ln(Shape{4});
  expect_error([&] { (void)ln.forward(zeros({2, 5})); }, {"layer_norm", "[2, 5]"});
  expect_error([&] { (void)ln.forward(zeros({2, 4}, kInt64)); }, {"layer_norm", "int64"});
  expect_error([&] { (void)ln.forward(zeros({2, 4}, kFloat64)); }, {"layer_norm", "float64"});
  expect_error([] { nn::LayerNorm(Shape{}); }, {"LayerNorm: normalized_shape must not be empty"});
  expect_error([] { nn::LayerNorm(Shape{0}); }, {"LayerNorm: normalized_shape must have no zero dims; got [0]"});
  expect_error([] { nn::LayerNorm(4, -1.0); }, {"LayerNorm: eps must be >= 0; got eps=-1"});
  CHECK(ln.forward(zeros({0, 4})).shape() == Shape{0, 4});
}

TEST_CASE("bad input: Dropout rejects p outside [0, 1] and integer input") {
  expect_error([] { nn::Dropout(1.5); }, {"Dropout: p must be in [0, 1]"});
  expect_error([] { nn::Dropout(-0.1); }, {"Dropout: p must be in [0, 1]"});
  nn::Dropout d(0.5);
  expect_error([&] { (void)d.forward(zeros({3}, kInt64)); }, {"dropout", "int64"});
  CHECK(d.forward(zeros({0, 3})).shape() == Shape{0, 3});
}

TEST_CASE("bad input: attention layers reject wrong ranks, widths, batches and dtypes") {
  nn::SelfAttention sa(8, 4);
  expect_error([&] { (void)sa.forward(zeros({2, 8})); }, {"[B, T, 8]", "[2, 8]"});
  expect_error([&] { (void)sa.forward(zeros({2, 3, 7})); }, {"[B, T, 8]", "[2, 3, 7]"});
  nn::MultiHeadAttention mha(8, 2);
  const Tensor q = zeros({2, 3, 8});
  expect_error([&] { (void)mha.forward(zeros({2, 3, 6}), q, q); }, {"MultiHeadAttention", "[2, 3, 6]"});
  expect_error([&] { (void)mha.forward(q, zeros({3, 3, 8}), zeros({3, 3, 8})); }, {"MultiHeadAttention", "[3, 3, 8]"});
  expect_error([&] { (void)mha.forward(q, q, zeros({2, 4, 8})); }, {"MultiHeadAttention", "[2, 4, 8]"});
  expect_error([&] { (void)mha.forward(zeros({2, 3, 8}, kFloat64), q, q); }, {"float64"});
  AttentionMask lengths;
  lengths.key_lengths = ids({3}, {1});  // wrong batch
  expect_error([&] { (void)mha.forward(q, q, q, lengths); }, {"key_lengths must be [B] with B = q's first dim"});
  lengths.key_lengths = zeros({2});  // float lengths
  expect_error([&] { (void)mha.forward(q, q, q, lengths); }, {"key_lengths", "int64"});
  // A zero-length source (every key masked) would make softmax 0 / 0 = NaN: rejected.
  lengths.key_lengths = ids({0, 3}, {2});
  expect_error([&] { (void)mha.forward(q, q, q, lengths); },
               {"MultiHeadAttention: key_lengths must be >= 1 (an empty sequence has no keys to attend to); got [2] "
                "with a length 0"});
  expect_error([] { nn::MultiHeadAttention(10, 3); }, {"MultiHeadAttention: d_model must be a positive multiple of num_heads"});
  expect_error([] { nn::MultiHeadAttention(8, 0); }, {"MultiHeadAttention"});
  // Zero-length sequences and empty batches come back empty, not as NaN or a crash.
  CHECK(mha.forward(zeros({2, 0, 8}), q, q).shape() == Shape{2, 0, 8});
  CHECK(mha.forward(zeros({0, 3, 8}), zeros({0, 3, 8}), zeros({0, 3, 8})).shape() == Shape{0, 3, 8});
}

TEST_CASE("bad input: Transformer layers reject wrong widths and settings") {
  const auto o = small_options();
  nn::TransformerEncoderLayer enc(o);
  expect_error([&] { (void)enc.forward(zeros({2, 3, 6})); }, {"[2, 3, 6]"});
  expect_error([&] { (void)enc.forward(zeros({2, 8})); }, {"[2, 8]"});
  nn::TransformerDecoderLayer dec(o);
  expect_error([&] { (void)dec.forward(zeros({2, 3, 8}), zeros({2, 4, 6})); }, {"[2, 4, 6]"});
  expect_error([&] { (void)dec.forward(zeros({2, 3, 8}), zeros({5, 4, 8})); }, {"[5, 4, 8]"});
  nn::Transformer tr(o, 1, 1);
  expect_error([&] { (void)tr.forward(zeros({2, 3, 8}), zeros({2, 3, 7})); }, {"[2, 3, 7]"});
  auto bad = o;
  bad.dim_feedforward = 0;
  expect_error([&] { nn::TransformerEncoderLayer l(bad); }, {"TransformerOptions: dim_feedforward must be positive; got dim_feedforward=0"});
  bad = o;
  bad.nhead = 3;
  expect_error([&] { nn::TransformerEncoderLayer l(bad); }, {"TransformerOptions: nhead must be positive and divide d_model; got d_model=8, nhead=3"});
  expect_error([&] { nn::TransformerEncoder e(o, 0); }, {"TransformerEncoder: num_layers must be >= 1"});
  CHECK(enc.forward(zeros({2, 0, 8})).shape() == Shape{2, 0, 8});
}

TEST_CASE("bad input: positional encodings reject positions past max_len and wrong widths") {
  nn::SinusoidalPositionalEncoding pe(8, 10);
  expect_error([&] { (void)pe.forward(zeros({1, 11, 8})); }, {"max_len"});
  expect_error([&] { (void)pe.forward(zeros({1, 3, 8}), 9); }, {"max_len"});
  expect_error([&] { (void)pe.forward(zeros({1, 3, 6})); }, {"[1, 3, 6]"});
  expect_error([&] { (void)pe.forward(zeros({1, 3, 8}), -1); }, {"-1"});
  nn::LearnedPositionalEncoding lpe(10, 8);
  expect_error([&] { (void)lpe.forward(zeros({1, 11, 8})); }, {"max_len"});
  CHECK(pe.forward(zeros({1, 0, 8})).shape() == Shape{1, 0, 8});
}

TEST_CASE("bad input: losses reject mismatched targets, float targets and out-of-range classes") {
  nn::CrossEntropyLoss ce;
  expect_error([&] { (void)ce.forward(zeros({3, 4}), ids({0, 1}, {2})); }, {"cross_entropy"});
  expect_error([&] { (void)ce.forward(zeros({3, 4}), zeros({3})); }, {"cross_entropy", "int64"});
  expect_error([&] { (void)ce.forward(zeros({2, 4}), ids({0, 4}, {2})); }, {"cross_entropy", "4"});
  expect_error([&] { (void)ce.forward(zeros({2, 4}), ids({0, -2}, {2})); }, {"cross_entropy", "-2"});
  nn::MSELoss mse;
  expect_error([&] { (void)mse.forward(zeros({3}), zeros({4})); }, {"[3]", "[4]"});
  expect_error([&] { (void)mse.forward(zeros({3}), zeros({3}, kFloat64)); }, {"float64"});
}

TEST_CASE("bad input: sizes that overflow are rejected, not wrapped") {
  const std::int64_t big = std::int64_t(1) << 40;
  expect_error([&] { (void)zeros({big, big}); }, {"zeros: element count overflows int64", "[1099511627776, 1099511627776]"});
  expect_error([&] { (void)empty({big, big, big}); }, {"overflows"});
  // 2^61 elements fit in int64 but their bytes (4 each) do not.
  expect_error([&] { (void)zeros({std::int64_t(1) << 61}); }, {"byte count overflows"});
  expect_error([&] { (void)randn({big, big}); }, {"overflows"});
  expect_error([&] { (void)zeros({2, -3}); }, {"-3"});
  expect_error([&] { (void)zeros({2, 3}).reshape({big, big}); }, {"reshape"});
  expect_error([&] { nn::Linear(big, big); }, {"overflows"});
  expect_error([&] { nn::Embedding(big, big); }, {"overflows"});
}

TEST_CASE("bad input: truncated, garbled and oversized safetensors files are rejected") {
  const std::string good = temp_path("good.safetensors");
  io::save_safetensors(good, {{"w", ones({4, 3})}}, {{"k", "v"}});
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 60);
  const std::string bad = temp_path("bad.safetensors");
  auto write = [&](const std::string& content) {
    std::ofstream out(bad, std::ios::binary | std::ios::trunc);
    out << content;
  };
  // Every truncation point, from an empty file to one byte short.
  for (std::size_t n = 0; n < bytes.size(); n += 1) {
    write(bytes.substr(0, n));
    CAPTURE(n);
    CHECK_THROWS_AS(io::load_safetensors(bad), FormatError);
  }
  // A header length that claims more than the file holds (8 bytes of 0xff: 2^64 - 1).
  write(std::string(8, '\xff') + bytes.substr(8));
  CHECK_THROWS_AS(io::load_safetensors(bad), FormatError);
  // Garbled JSON header bytes, one position at a time.
  for (std::size_t pos = 8; pos < 40; ++pos) {
    std::string g = bytes;
    g[pos] = '\x01';
    write(g);
    CAPTURE(pos);
    CHECK_THROWS_AS(io::load_safetensors(bad), FormatError);
  }
  CHECK(io::load_safetensors(good).tensors.size() == 1);  // the good file was never touched
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}
