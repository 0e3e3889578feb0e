// Command-line flags for focus's programs: `--name value` or `--name=value`, declared where
// they are read, so --help lists exactly the flags a program takes. Bad values and unknown flags
// throw UsageError (programs print its one line and exit 2).
//
//   cli::Args args(argc, argv);
//   const auto steps = args.get_int("steps", 300, "training steps");
//   if (args.help()) { std::cout << args.usage("seed_attention", "..."); return 0; }
//   args.finish();  // rejects flags nobody read
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace focus::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // Parses argv[first..]; words that do not start with "--" are positional.
  Args(int argc, char** argv, int first = 1);

  std::int64_t get_int(const std::string& name, std::int64_t fallback, const std::string& help,
                       std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);
  double get_double(const std::string& name, double fallback, const std::string& help);
  std::string get_string(const std::string& name, const std::string& fallback, const std::string& help);
  bool get_flag(const std::string& name, const std::string& help);  // present or not
  bool has(const std::string& name) const;

  const std::vector<std::string>& positional() const { return positional_; }
  bool help() const { return help_; }
  // "usage: <program> [flags]" and one line per declared flag.
  std::string usage(const std::string& program, const std::string& summary) const;
  // Throws UsageError naming the first flag that was given but never read.
  void finish() const;

 private:
  const std::string* find(const std::string& name);
  struct Given {
    std::string name, value;
    bool has_value = false;
    bool used = false;
  };
  struct Declared {
    std::string name, fallback, help;
  };
  std::vector<Given> given_;
  std::vector<Declared> declared_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace focus::cli
