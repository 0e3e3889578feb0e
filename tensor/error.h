// The one exception hierarchy focus throws. Every message has the form
// "<op>: <rule>; got <what was given>", e.g. "add: shapes must broadcast; got a=[2, 3], b=[4, 5]".
// Catch focus::Error for all of them, or a subclass to tell the kinds apart. An error raised
// inside a module's forward also carries the module's dotted path, which what() puts in front:
// "decoder.layers.1.linear1: linear: ..." (nn::Module::with_module_path adds it).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace focus {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  explicit Error(const char* message) : std::runtime_error(message) {}

  // "<module path>: <message>", or the message alone when no module added a path.
  const char* what() const noexcept override { return path_.empty() ? message() : text_.c_str(); }
  // The message as thrown, without the module path.
  const char* message() const noexcept { return std::runtime_error::what(); }
  // Dotted path of the module that raised the error, relative to the outermost module whose
  // forward it has passed through so far ("" for an error outside any module, or from the root).
  const std::string& module_path() const noexcept { return path_; }

  // For nn::Module while the error passes up through forwards: the path so far and the module it
  // is relative to (kept opaque here: tensor/ knows nothing of nn/; null until a module sees it).
  const void* path_anchor() const noexcept { return anchor_; }
  void set_module_path(std::string path, const void* anchor) {
    path_ = std::move(path);
    text_ = path_ + ": " + message();
    anchor_ = anchor;
  }

 private:
  std::string path_, text_;
  const void* anchor_ = nullptr;
};

// Shapes that do not fit the op: mismatch, not broadcastable, wrong rank.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A tensor of the wrong dtype, or two tensors whose dtypes differ.
class DTypeError : public Error {
 public:
  using Error::Error;
};

// A dim or element index outside its range, or a name that is not there.
class IndexError : public Error {
 public:
  using Error::Error;
};

// A value outside what the op accepts (negative size, size overflow, bad option).
class ValueError : public Error {
 public:
  using Error::Error;
};

// Misuse of the autograd graph: backward of a non-scalar without a gradient, backward through a
// released graph, a saved tensor modified in place.
class AutogradError : public Error {
 public:
  using Error::Error;
};

// Files that cannot be read or do not hold what they claim (checkpoints, data files).
class FormatError : public Error {
 public:
  using Error::Error;
};

}  // namespace focus
