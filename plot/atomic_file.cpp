// write_file_atomic for plots and records: io::write_file_atomic under the name callers know.
#include <focus/plot/atomic_file.h>

#include <focus/io/atomic_file.h>

namespace focus::plot {

void write_file_atomic(const std::string& path, const std::string& contents) {
  io::write_file_atomic(path, contents, "write_file_atomic");
}

}  // namespace focus::plot
