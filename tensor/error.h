// The one exception hierarchy focus throws. Every message has the form
// "<op>: <rule>; got <what was given>", e.g. "add: shapes must broadcast; got a=[2, 3], b=[4, 5]".
// Catch focus::Error for all of them, or a subclass to tell the kinds apart.
#pragma once

#include <stdexcept>
#include <string>

namespace focus {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

// A dim or element index outside its range.
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
