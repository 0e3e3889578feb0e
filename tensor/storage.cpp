// Storage allocation. Every tensor buffer focus makes comes through Storage(nbytes), so this is
// the one place to change how memory is obtained.
#include <focus/tensor/storage.h>

#include <new>

namespace focus {

namespace {
constexpr std::size_t kAlignment = 64;  // a cache line; also what AVX-512 loads like
}

Storage::Storage(std::size_t nbytes) : nbytes_(nbytes), owned_(true) {
  const std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  data_ = ::operator new(rounded == 0 ? kAlignment : rounded, std::align_val_t{kAlignment});
}

Storage::Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (owned_)
    ::operator delete(data_, std::align_val_t{kAlignment});
  else if (deleter_)
    deleter_(data_);
}

}  // namespace focus
