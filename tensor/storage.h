// Storage: one reference-counted block of memory that tensors view through (offset, strides).
// It carries the version counter that in-place ops bump, so autograd can detect that a tensor
// saved for backward was modified after it was saved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace focus {

class Storage {
 public:
  // Owns nbytes of fresh, 64-byte aligned, uninitialised memory.
  explicit Storage(std::size_t nbytes);
  // Views user memory; deleter (may be empty) runs when the last tensor lets go.
  Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

  std::uint64_t version() const { return version_; }
  const std::string& last_writer() const { return last_writer_; }
  // Called by every in-place op, with its name, before it writes.
  void bump_version(const char* op) {
    ++version_;
    last_writer_ = op;
  }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::function<void(void*)> deleter_;
  bool owned_ = false;
  std::uint64_t version_ = 0;
  std::string last_writer_;
};

}  // namespace focus
