// Writing a whole file so that readers (and a crash) only ever see the old contents or the new,
// never half a file: plots and metric records rewritten while training runs. The mechanism is
// io::AtomicFile (io/atomic_file.h), the one that checkpoints use too.
#pragma once

#include <string>

namespace focus::plot {

// Writes contents to a new temporary file in path's directory, flushes it to disk and renames it
// over path (creating or replacing it; the directory must exist), then flushes the directory.
// Temporaries that killed writers of path left behind are removed first
// (io::remove_stale_temporaries). On failure the temporary file is removed, path is left as it
// was, and FormatError names the step, the path and errno's text:
// "write_file_atomic: cannot create a temporary file for /x/y.svg; got No such file or directory".
void write_file_atomic(const std::string& path, const std::string& contents);

}  // namespace focus::plot
