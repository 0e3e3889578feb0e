// write_file_atomic with POSIX calls rather than iostreams, so every failing step reports errno.
#include <focus/plot/atomic_file.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <focus/tensor/error.h>

namespace focus::plot {

void write_file_atomic(const std::string& path, const std::string& contents) {
  // Unique per process and call, so concurrent writers of one path never share a temporary file.
  static std::atomic<unsigned> counter{0};
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const auto fail = [&](const std::string& step, int err, bool remove_temp) {
    if (remove_temp) ::unlink(temp.c_str());
    throw FormatError("write_file_atomic: cannot " + step + " " + path + "; got " + std::strerror(err));
  };

  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail("create a temporary file for", errno, false);
  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail("write", err, true);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  // The data must be on disk before the rename makes it visible under path.
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("flush", err, true);
  }
  if (::close(fd) != 0) fail("close the temporary file for", errno, true);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename a temporary file over", errno, true);
}

}  // namespace focus::plot
