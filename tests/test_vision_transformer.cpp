// The Vision Transformer's parts: the patch order of PatchEmbedding against patches cut by hand,
// the 2-D sinusoidal positions' table, the model's shapes and parameter names, gradcheck through
// the whole model (float64, every parameter), the attention roll-out's rows, and the errors.
#include <doctest/doctest.h>

#include <focus/focus.h>
#include <focus/nn/grid_positions.h>
#include <focus/nn/vision_transformer.h>

#include <cmath>

using namespace focus;

namespace {

nn::VisionTransformerConfig tiny(DType dtype = kFloat32, const std::string& positions = "learned") {
  nn::VisionTransformerConfig c;
  c.image_size = 6, c.patch_size = 3, c.in_channels = 2, c.num_classes = 3, c.num_layers = 2;
  c.block.d_model = 8, c.block.nhead = 2, c.block.dim_feedforward = 12, c.block.dropout = 0;
  c.block.dtype = dtype, c.block.positions = positions;
  return c;
}

}  // namespace

TEST_CASE("vision transformer: patch (i, j) is row i * g + j, its pixels channel, row, column") {
  nn::PatchEmbedding embed(4, 2, 2, 5, kFloat64);
  const Tensor images = arange(0, 2 * 2 * 4 * 4, 1, kFloat64).reshape({2, 2, 4, 4});
  const Tensor out = embed.forward(images);
  CHECK(out.shape() == Shape{2, 4, 5});
  // Patch 1 of image 1 (row 0, column 1): channels 0 and 1, rows 0..1, columns 2..3.
  std::vector<double> pixels;
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 2; x < 4; ++x) pixels.push_back(images.at<double>({1, c, y, x}));
  CHECK(pixels == std::vector<double>{34, 35, 38, 39, 50, 51, 54, 55});
  const Tensor expected = embed.proj->forward(tensor(pixels, {1, 8}));
  CHECK(max(abs(out.select(0, 1).select(0, 1) - expected.select(0, 0))).item<double>() < 1e-12);
}

TEST_CASE("vision transformer: overlapping patches are a strided conv, patch (i, j) still row i * g + j") {
  // overlap 1 over patches of 2 (kernel 4, padding 1): each token sees the 4 x 4 pixels around its patch.
  nn::PatchEmbedding embed(4, 2, 2, 5, kFloat64, 1);
  REQUIRE(embed.conv);
  CHECK(!embed.proj);
  CHECK(embed.conv->weight.shape() == Shape{5, 2, 4, 4});
  CHECK(embed.to_string().find("overlap=1") != std::string::npos);
  Generator g(4);
  const Tensor images = uniform({2, 2, 4, 4}, -1, 1, kFloat64, &g);
  const Tensor out = embed.forward(images);
  CHECK(out.shape() == Shape{2, 4, 5});
  // Token 1 of image 1 (row 0, column 1): the weights against the zero-padded pixels rows -1..2,
  // columns 1..4, written out.
  for (int d = 0; d < 5; ++d) {
    double expected = embed.conv->bias.at<double>({d});
    for (int c = 0; c < 2; ++c)
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
          const int row = y - 1, column = 1 + x;  // outside the image: padding, 0
          if (row >= 0 && row < 4 && column < 4)
            expected += embed.conv->weight.at<double>({d, c, y, x}) * images.at<double>({1, c, row, column});
        }
    CHECK(out.at<double>({1, 1, d}) == doctest::Approx(expected).epsilon(1e-12));
  }
  CHECK_THROWS_WITH_AS(nn::PatchEmbedding(4, 2, 2, 5, kFloat64, -1),
                       "PatchEmbedding: image_size must be a positive multiple of patch_size, in_channels and d_model positive, "
                       "overlap >= 0; got image_size=4, patch_size=2, in_channels=2, d_model=5, overlap=-1",
                       ValueError);
}

TEST_CASE("vision transformer: sinusoidal2d gives the class token zeros and each patch its row and column") {
  nn::GridSinusoidalPositions pos(8, 1 + 9, kFloat64);  // a 3 x 3 grid, widths 0..3 the row, 4..7 the column
  CHECK(pos.grid() == 3);
  const Tensor x = zeros({1, 10, 8}, kFloat64);
  const Tensor t = pos.embed(x, 0).select(0, 0);
  for (int i = 0; i < 8; ++i) CHECK(t.at<double>({0, i}) == 0.0);
  // Patch 6 (position 7) sits at row 2, column 0: sin(2), cos(2), sin(2 / 100), cos(2 / 100), then sin(0), cos(0), ...
  CHECK(t.at<double>({7, 0}) == doctest::Approx(std::sin(2.0)));
  CHECK(t.at<double>({7, 1}) == doctest::Approx(std::cos(2.0)));
  CHECK(t.at<double>({7, 2}) == doctest::Approx(std::sin(0.02)));
  CHECK(t.at<double>({7, 3}) == doctest::Approx(std::cos(0.02)));
  CHECK(t.at<double>({7, 4}) == 0.0);
  CHECK(t.at<double>({7, 5}) == 1.0);
  CHECK_THROWS_WITH_AS(nn::GridSinusoidalPositions(8, 11),
                       "GridSinusoidalPositions: d_model must be a positive multiple of 4 and max_len - 1 a square (the class "
                       "token, then a g x g grid); got d_model=8, max_len=11",
                       ValueError);
  CHECK(nn::make_positions("sinusoidal2d", {.d_model = 8, .nhead = 2, .max_len = 17})->type_name() == "GridSinusoidalPositions");
}

TEST_CASE("vision transformer: logits [B, classes], parameters named as timm's ViT") {
  manual_seed(1);
  nn::VisionTransformer vit(tiny());
  CHECK(vit.forward(randn({3, 2, 6, 6})).shape() == Shape{3, 3});
  const auto names = vit.named_parameters();
  CHECK(names.front().first == "cls_token");
  bool has_proj = false, has_pos = false, has_head = false;
  for (const auto& [name, p] : names) {
    has_proj |= name == "patch_embed.proj.weight" && p.shape() == Shape{8, 18};
    has_pos |= name == "encoder.positions.weight" && p.shape() == Shape{5, 8};
    has_head |= name == "head.weight";
  }
  CHECK(has_proj);
  CHECK(has_pos);
  CHECK(has_head);
  CHECK(vit.to_string().find("PatchEmbedding(image_size=6, patch_size=3, in_channels=2,") != std::string::npos);
}

TEST_CASE("vision transformer: gradcheck through the whole model for the images and every parameter (float64)") {
  for (const char* positions : {"learned", "sinusoidal2d"}) {
    CAPTURE(positions);
    manual_seed(4);
    nn::VisionTransformer vit(tiny(kFloat64, positions));
    const Tensor images = randn({2, 2, 6, 6}, kFloat64).requires_grad_();
    std::vector<Tensor> inputs{images};
    for (auto& p : vit.parameters()) inputs.push_back(p);
    const auto r = gradcheck([&](const std::vector<Tensor>& v) { return vit.forward(v[0]); }, inputs);
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("vision transformer: the roll-out is a distribution over the patches and leaves the mode as it was") {
  manual_seed(5);
  nn::VisionTransformer vit(tiny());
  vit.train();
  const Tensor r = vit.attention_rollout(randn({2, 2, 6, 6}));
  CHECK(r.shape() == Shape{2, 4});
  CHECK(min(r).item<double>() > 0);
  CHECK(sum(r, {1}).to_vector<double>()[0] == doctest::Approx(1.0));
  CHECK(vit.is_training());
  CHECK(!r.requires_grad());
}

TEST_CASE("vision transformer: sizes that do not fit and wrong images are errors") {
  auto c = tiny();
  c.image_size = 7;
  CHECK_THROWS_WITH_AS(nn::VisionTransformer{c},
                       "PatchEmbedding: image_size must be a positive multiple of patch_size, in_channels and d_model positive, "
                       "overlap >= 0; got image_size=7, patch_size=3, in_channels=2, d_model=8, overlap=0",
                       ValueError);
  nn::VisionTransformer vit(tiny());
  CHECK_THROWS_WITH_AS((void)vit.forward(zeros({1, 1, 6, 6})),
                       "patch_embed: PatchEmbedding: images must be [B, 2, 6, 6]; got [1, 1, 6, 6]",
                       ShapeError);
}
