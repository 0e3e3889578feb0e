// The one way focus's programs end on an error: guarded_main runs the program's body and turns
// every exception into one line on stderr, "<program>: <what>", and an exit status (2 for a usage
// error, 1 for anything else, out of memory included), so nothing reaches std::terminate.
#pragma once

#include <functional>

namespace focus::cli {

// Returns body()'s status, or 2 after a UsageError, or 1 after any other exception.
[[nodiscard]] int guarded_main(const char* program, const std::function<int()>& body);

}  // namespace focus::cli
