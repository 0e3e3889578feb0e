// Storage allocation. Every tensor buffer focus makes comes through Storage(nbytes), which takes
// its memory from the caching allocator (allocator.h), so this is the one place to change how
// memory is obtained.
#include <focus/tensor/storage.h>

#include <focus/tensor/allocator.h>

namespace focus {

Storage::Storage(std::size_t nbytes) : nbytes_(nbytes), owned_(true) { data_ = alloc::allocate(nbytes); }

Storage::Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (owned_)
    alloc::deallocate(data_, nbytes_);
  else if (deleter_)
    deleter_(data_);
}

}  // namespace focus
