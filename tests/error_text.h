// What the bad-input tests share: the message of the exception of type E that f throws, or "" when
// f throws nothing (an exception of another type passes through and fails the test).
#pragma once

#include <string>

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}
