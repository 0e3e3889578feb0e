// AtomicFile, write_file_atomic and remove_stale_temporaries (see atomic_file.h), with POSIX calls
// rather than iostreams so every failing step reports errno.
#include <focus/io/atomic_file.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

#include <focus/tensor/error.h>

namespace focus::io {

namespace {

// path's directory ("." for a bare name) and file name.
std::pair<std::string, std::string> split_path(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// The pid in "<name>.tmp.<pid>.<n>", or 0 when entry is not such a name.
long long temporary_pid(std::string_view entry, std::string_view name) {
  const std::string_view tmp = ".tmp.";
  if (entry.size() <= name.size() + tmp.size() || entry.substr(0, name.size()) != name ||
      entry.substr(name.size(), tmp.size()) != tmp)
    return 0;
  const std::string_view rest = entry.substr(name.size() + tmp.size());
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return 0;
  const auto all_digits = [](std::string_view s) {
    for (const char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (!all_digits(rest.substr(0, dot)) || !all_digits(rest.substr(dot + 1))) return 0;
  long long pid = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, pid);
  // Not a pid this code could have written: leave the file alone. (pid 0 and negative pids would
  // make kill() address process groups.)
  if (ec != std::errc() || end != rest.data() + dot || pid <= 0 || pid > INT_MAX) return 0;
  return pid;
}

}  // namespace

std::size_t remove_stale_temporaries(const std::string& path) {
  const auto [dir, name] = split_path(path);
  if (name.empty()) return 0;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  const int dir_fd = ::dirfd(d);
  const long long self = ::getpid();
  std::size_t removed = 0;
  while (const dirent* e = ::readdir(d)) {
    const long long pid = temporary_pid(e->d_name, name);
    if (pid == 0 || pid == self) continue;
    // ESRCH: no such process. EPERM means one runs (as another user): its save may be under way.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    struct stat st {};
    if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlinkat(dir_fd, e->d_name, 0) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

AtomicFile::AtomicFile(std::string path, std::string op) : path_(std::move(path)), op_(std::move(op)) {
  remove_stale_temporaries(path_);
  // Unique per process and call, so concurrent writers of one path never share a temporary file.
  // A name can still exist: a killed earlier process that had this pid (containers restart with
  // the same small pids) left it. It is not ours to remove, so take the next number.
  static std::atomic<unsigned> counter{0};
  const std::string prefix = path_ + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_ = prefix + std::to_string(counter++);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  if (fd_ < 0) fail("create a temporary file for", errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  // Data on disk first, then the rename: a crash leaves either the old file or the new one.
  if (::fsync(fd_) != 0) fail("flush", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close the temporary file for", errno);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename a temporary file over", errno);
  committed_ = true;
  const int dir_fd = ::open(split_path(path_).first.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void AtomicFile::fail(const std::string& step, int err) {
  throw FormatError(op_ + ": cannot " + step + " " + path_ + "; got " + std::strerror(err));
}

void write_file_atomic(const std::string& path, std::string_view contents, const std::string& op) {
  AtomicFile file(path, op);
  file.write(contents.data(), contents.size());
  file.commit();
}

}  // namespace focus::io
