// The Fashion-MNIST network of fashion_cnn (main.cpp), in a header of its own so that
// tests/interop/interop_logits.cpp builds the same model to hold it against PyTorch's
// (tests/reference/cnn_ref.py), and the metadata of the file --export-torch writes.
#pragma once

#include <focus/data/images.h>
#include <focus/focus.h>
#include <focus/io/torch_interop.h>
#include <focus/nn/batch_norm.h>
#include <focus/nn/conv.h>
#include <focus/nn/pooling.h>
#include <focus/train/state.h>

#include <string>

namespace fashion_cnn {

using namespace focus;

// images [B, 1, 28, 28] -> logits [B, 10]. Block b has b + 1 convolutions of width << b channels;
// the convolutions have no bias, the batch norm after each shifts instead.
struct FashionCNN : nn::Module {
  FashionCNN(std::int64_t width, std::int64_t hidden, double dropout) : Module("FashionCNN"), width(width), hidden(hidden) {
    features = register_module("features", std::make_shared<nn::Sequential>());
    std::int64_t in = 1;
    for (int block = 0; block < 2; ++block) {
      const std::int64_t out = width << block;
      for (int k = 0; k <= block; ++k, in = out) {  // one convolution in the first block, two in the second
        features->push_back(std::make_shared<nn::Conv2d>(in, out, 3, 1, 1, false));
        features->push_back(std::make_shared<nn::BatchNorm2d>(out));
        features->push_back(std::make_shared<nn::ReLU>());
      }
      features->push_back(std::make_shared<nn::MaxPool2d>(2));
    }
    classifier = register_module("classifier", std::make_shared<nn::Sequential>());
    classifier->push_back(std::make_shared<nn::Flatten>());  // [B, in, 7, 7] -> [B, in * 49]
    std::int64_t features_out = in * 7 * 7;
    if (hidden > 0) {
      classifier->push_back(std::make_shared<nn::Linear>(features_out, hidden));
      classifier->push_back(std::make_shared<nn::ReLU>());
      features_out = hidden;
    }
    classifier->push_back(std::make_shared<nn::Dropout>(dropout));
    classifier->push_back(std::make_shared<nn::Linear>(features_out, 10));
  }
  Tensor forward(const Tensor& images) const {
    return with_module_path([&] { return classifier->forward(features->forward(images)); });
  }
  std::shared_ptr<nn::Sequential> features, classifier;
  std::int64_t width, hidden;
};

// The file --export-torch writes (io::save_torch, no renames): the state under its own names,
// which are those of tests/reference/cnn_ref.py's nn.Sequential pair, and what rebuilds it ("cnn.width",
// "cnn.hidden") and feeds it ("image.mean", "image.std": the network sees (pixel / 255 - mean) / std).
inline constexpr const char* kTorchLayout = "fashion_cnn.FashionCNN";

inline io::Metadata torch_metadata(const FashionCNN& model, const data::Normalization& norm) {
  return {{"focus.torch_layout", kTorchLayout},
          {"cnn.width", std::to_string(model.width)},
          {"cnn.hidden", std::to_string(model.hidden)},
          {"image.mean", train::number_text(norm.mean)},
          {"image.std", train::number_text(norm.std)}};
}

}  // namespace fashion_cnn
