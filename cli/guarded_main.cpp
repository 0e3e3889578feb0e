// guarded_main: exceptions to one stderr line and an exit status (see guarded_main.h).
#include <focus/cli/guarded_main.h>

#include <iostream>
#include <new>

#include <focus/cli/args.h>

namespace focus::cli {

int guarded_main(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << program << ": out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << program << ": unknown error\n";
    return 1;
  }
}

}  // namespace focus::cli
