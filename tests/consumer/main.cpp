// The package test's consumer: one tensor through a Linear layer and backward, using only the
// installed headers and library. Prints values the test checks. It also calls the IDX reader, whose
// object file needs zlib, so the link proves the package config finds focus's private dependencies.
#include <focus/data/idx.h>
#include <focus/focus.h>

#include <iostream>

int main() {
  try {
    focus::manual_seed(0);
    auto layer = std::make_shared<focus::nn::Linear>(3, 2);
    const focus::Tensor x = focus::ones({4, 3});
    const focus::Tensor loss = layer->forward(x).sum();
    loss.backward();
    // d loss / d weight[i][j] = sum over the 4 rows of x[., j] = 4; d loss / d bias[i] = 4.
    std::cout << "consumer: " << *layer << "\n";
    std::cout << "consumer: weight.grad=" << layer->weight.grad() << "\n";
    std::cout << "consumer: bias.grad=" << layer->bias.grad() << "\n";
    std::cout << "consumer: is_gzip=" << focus::data::is_gzip("\x1f\x8b") << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
}
