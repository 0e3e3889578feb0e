// Writing a whole file so that readers (and a crash) only ever see the old contents or the new,
// never half a file: the one implementation behind checkpoints (io/safetensors.h), plots,
// metric logs and reports. The bytes go to "<path>.tmp.<pid>.<n>" beside path, are synced
// to disk, renamed over path, and the directory is synced so the rename itself survives a crash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace focus::io {

// A file written under a temporary name beside its target and renamed over it by commit(); until
// then path is untouched, and destroying an uncommitted AtomicFile removes its temporary. Opening
// first removes the temporaries that killed writers of the same path left (remove_stale_temporaries).
// Errors are FormatError "<op>: cannot <step> <path>; got <the system's reason>", op naming the
// caller ("save_safetensors", "write_file_atomic").
class AtomicFile {
 public:
  AtomicFile(std::string path, std::string op);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(const void* data, std::size_t size);
  // Syncs the data, renames the temporary over path, then syncs the directory (best effort: not
  // every file system can sync a directory, and the new file is complete either way).
  void commit();
  const std::string& temporary_path() const { return temp_; }

 private:
  [[noreturn]] void fail(const std::string& step, int err);

  std::string path_, op_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes contents to path atomically (AtomicFile). The directory must exist.
void write_file_atomic(const std::string& path, std::string_view contents, const std::string& op = "write_file_atomic");

// Removes the files "<name>.tmp.<pid>.<n>" (pid and n decimal) beside path, where name is path's
// file name, that a writer killed mid-save left behind: only regular files whose pid is not this
// process and names no running process (kill(pid, 0) fails with ESRCH). Anything else, another
// process's save in progress included, is left alone. Best effort: returns how many it removed and
// never throws (an unreadable directory removes nothing). The pid test holds for writers on this
// machine; a path saved to from several machines over a shared file system is not supported.
std::size_t remove_stale_temporaries(const std::string& path);

}  // namespace focus::io
