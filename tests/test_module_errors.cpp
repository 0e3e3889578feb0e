// Errors raised inside a model's forward name the module they came from: the dotted path below
// the module that was called ("decoder.layers.1.linear1: linear: ..."), for Sequential,
// Transformer, GPT and MultiHeadAttention, and for a model of one's own.
#include "op_table.h"

using namespace focus;

namespace {

// What the caller of f sees: the exception's text, its module path and its message without it.
struct Caught {
  std::string what, path, message;
};

template <class E, class F>
Caught caught(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return {e.what(), e.module_path(), e.message()};
  }
  FAIL("expected an exception");
  return {};
}

nn::TransformerOptions small() { return {.d_model = 8, .nhead = 2, .dim_feedforward = 16, .dropout = 0.0}; }

nn::GPTConfig small_gpt() { return {.vocab_size = 11, .block_size = 8, .d_model = 8, .n_head = 2, .n_layer = 2}; }

}  // namespace

TEST_CASE("module_errors: a Sequential of Linears names the step that failed") {
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::Linear>(3, 4));
  seq.push_back(std::make_shared<nn::ReLU>());
  seq.push_back(std::make_shared<nn::Linear>(5, 2));
  const Caught c = caught<ShapeError>([&] { (void)seq.forward(zeros({2, 3})); });
  CHECK(c.what ==
        "2: linear: input's last dim must equal weight's in_features (weight is [out, in]); got input=[2, 4], "
        "weight=[2, 5]");
  CHECK(c.path == "2");
  CHECK(c.message == c.what.substr(3));

  // Called on its own, the layer is the root: its own name never appears, the message is as before.
  const Caught alone = caught<ShapeError>([&] { (void)nn::Linear(5, 2).forward(zeros({2, 4})); });
  CHECK(alone.what == alone.message);
  CHECK(alone.path.empty());
  CHECK(alone.what.starts_with("linear: input's last dim"));
}

TEST_CASE("module_errors: a Transformer names the stack, the layer and the sublayer") {
  nn::Transformer tf(small(), 1, 2);
  const Tensor src = zeros({2, 3, 8}), tgt = zeros({2, 4, 8});

  CHECK_THROWS_WITH_AS((void)tf.forward(zeros({2, 3, 9}), tgt),
                       "encoder.layers.0.self_attn: MultiHeadAttention (query): input must be [B, T, 8]; got [2, 3, 9]",
                       ShapeError);
  CHECK_THROWS_WITH_AS((void)tf.forward(src, zeros({2, 4, 7})),
                       "decoder.layers.0.self_attn: MultiHeadAttention (query): input must be [B, T, 8]; got [2, 4, 7]",
                       ShapeError);

  // A layer deep inside with a weight of the wrong shape.
  auto& layer = *(*tf.decoder->layers)[1];
  const Tensor good = layer.linear1->weight;
  layer.linear1->weight = zeros({16, 7});
  const Caught c = caught<ShapeError>([&] { (void)tf.forward(src, tgt); });
  CHECK(c.what ==
        "decoder.layers.1.linear1: linear: input's last dim must equal weight's in_features (weight is [out, in]); "
        "got input=[2, 4, 8], weight=[16, 7]");
  CHECK(c.path == "decoder.layers.1.linear1");

  // The path starts below whichever module was called: here the decoder, step by step.
  nn::DecoderCache cache;
  CHECK_THROWS_WITH_AS((void)tf.decoder->forward_cached(tgt.slice(1, 0, 1), src, cache),
                       doctest::Contains("layers.1.linear1: linear: input's last dim"), ShapeError);
  CHECK(caught<ShapeError>([&] { (void)tf.decoder->forward(tgt, src); }).path == "layers.1.linear1");
  layer.linear1->weight = good;
  CHECK(tf.forward(src, tgt).shape() == Shape{2, 4, 8});
}

TEST_CASE("module_errors: GPT and MultiHeadAttention name their parts") {
  manual_seed(1);
  nn::GPT gpt(small_gpt());
  const Tensor ids = tensor(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});

  // Raised by the root itself: no path.
  const Caught rank = caught<ShapeError>([&] { (void)gpt.forward(tensor(std::vector<std::int64_t>{1, 2})); });
  CHECK(rank.what == "GPT: ids must be [B, T]; got [2]");
  CHECK(rank.path.empty());

  const Caught id = caught<IndexError>([&] { (void)gpt.forward(tensor(std::vector<std::int64_t>{1, 11}, {1, 2})); });
  CHECK(id.path == "tok_embed");
  CHECK(id.what.starts_with("tok_embed: embedding: ids must lie in [0, 11)"));

  auto& block = *(*gpt.blocks)[1];
  const Tensor fc2 = block.linear2->weight;
  block.linear2->weight = zeros({8, 31});
  CHECK_THROWS_WITH_AS((void)gpt.forward(ids), doctest::Contains("blocks.1.linear2: linear: input's last dim"), ShapeError);
  Generator gen(3);
  // generate() runs the cached path: the same name.
  CHECK(caught<ShapeError>([&] { (void)gpt.generate({1, 2}, 2, {}, gen); }).path == "blocks.1.linear2");
  block.linear2->weight = fc2;

  auto& attn = *(*gpt.blocks)[0]->self_attn;
  const Tensor out = attn.out_proj->weight;
  attn.out_proj->weight = zeros({8, 5});
  CHECK(caught<ShapeError>([&] { (void)gpt.forward(ids); }).path == "blocks.0.self_attn.out_proj");
  attn.out_proj->weight = out;
  CHECK(gpt.forward(ids).shape() == Shape{2, 3, 11});

  nn::MultiHeadAttention mha(8, 2);
  const Tensor q = zeros({2, 3, 8});
  CHECK_THROWS_WITH_AS((void)mha.forward(q, zeros({2, 5, 6}), zeros({2, 5, 8})),
                       "MultiHeadAttention (key): input must be [B, T, 8]; got [2, 5, 6]", ShapeError);
  mha.q_proj->weight = zeros({8, 4});
  CHECK(caught<ShapeError>([&] { (void)mha.forward(q, q, q); }).what.starts_with("q_proj: linear: "));
}

namespace {

// A model of one's own that reaches into a Transformer (as translate's Translator does).
struct Encoder : nn::Module {
  std::shared_ptr<nn::Transformer> transformer;
  explicit Encoder(bool wrap) : Module("Encoder"), wrap_(wrap) {
    transformer = register_module("transformer", std::make_shared<nn::Transformer>(small(), 1, 1));
  }
  Tensor forward(const Tensor& src) const {
    if (!wrap_) return transformer->encoder->forward(src);
    return with_module_path([&] { return transformer->encoder->forward(src); });
  }
  bool wrap_;
};

// One Linear registered under two names, called through the second.
struct Twice : nn::Module {
  std::shared_ptr<nn::Linear> first, second;
  Twice() : Module("Twice") {
    first = register_module("first", std::make_shared<nn::Linear>(3, 2));
    second = register_module("second", first);
  }
  Tensor forward(const Tensor& x) const {
    return with_module_path([&] { return second->forward(x); });
  }
};

// One Linear in two Sequentials: the path follows the parent that called it.
struct Shared : nn::Module {
  std::shared_ptr<nn::Sequential> a, b;
  Shared() : Module("Shared") {
    auto lin = std::make_shared<nn::Linear>(3, 2);
    a = register_module("a", std::make_shared<nn::Sequential>());
    b = register_module("b", std::make_shared<nn::Sequential>());
    a->push_back(lin);
    b->push_back(std::make_shared<nn::ReLU>());
    b->push_back(lin);
  }
  Tensor forward(const Tensor& x, bool through_b) const {
    return with_module_path([&] { return through_b ? b->forward(x) : a->forward(x); });
  }
};

}  // namespace

TEST_CASE("module_errors: a model's own forward adds its part, and a shared module shows the path it was called through") {
  const Tensor bad = zeros({1, 2, 5});
  // Modules between the caller and the thrower that were not called themselves (transformer,
  // layers) still give their names.
  CHECK(caught<ShapeError>([&] { (void)Encoder(true).forward(bad); }).path == "transformer.encoder.layers.0.self_attn");
  // Without the one line, the path starts below the outermost module that has it.
  CHECK(caught<ShapeError>([&] { (void)Encoder(false).forward(bad); }).path == "layers.0.self_attn");

  CHECK_THROWS_WITH_AS((void)Twice().forward(zeros({1, 4})), doctest::Contains("first: linear: "), ShapeError);
  const Shared shared;
  CHECK(caught<ShapeError>([&] { (void)shared.forward(zeros({1, 4}), false); }).path == "a.0");
  CHECK(caught<ShapeError>([&] { (void)shared.forward(zeros({1, 4}), true); }).path == "b.1");
}

TEST_CASE("module_errors: errors outside modules keep their text, and the kind survives the path") {
  const Caught op = caught<ShapeError>([] { (void)linear(zeros({2, 4}), zeros({2, 5}), Tensor()); });
  CHECK(op.path.empty());
  CHECK(op.what == op.message);
  // The module's rethrow keeps the dynamic type: a DTypeError stays one, and focus::Error catches all.
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::Linear>(3, 3));
  CHECK_THROWS_AS((void)seq.forward(zeros({2, 3}, kFloat64)), DTypeError);
  CHECK(caught<Error>([&] { (void)seq.forward(zeros({2, 3}, kFloat64)); }).what.starts_with("0: linear: "));
}
