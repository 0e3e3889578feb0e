// Flag parsing.
#include <focus/cli/args.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace focus::cli {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--help" || word == "-h") {
      help_ = true;
    } else if (word.rfind("--", 0) == 0 && word.size() > 2) {
      Given g;
      const auto eq = word.find('=');
      if (eq != std::string::npos) {
        g.name = word.substr(2, eq - 2);
        g.value = word.substr(eq + 1);
        g.has_value = true;
      } else {
        g.name = word.substr(2);
        if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
          g.value = argv[++i];
          g.has_value = true;
        }
      }
      given_.push_back(g);
    } else {
      positional_.push_back(word);
    }
  }
}

const std::string* Args::find(const std::string& name) {
  const std::string* v = nullptr;
  for (auto& g : given_) {
    if (g.name != name) continue;
    g.used = true;
    if (!g.has_value) throw UsageError("--" + name + " needs a value");
    v = &g.value;  // the last occurrence wins
  }
  return v;
}

bool Args::has(const std::string& name) const {
  for (const auto& g : given_)
    if (g.name == name) return true;
  return false;
}

std::int64_t Args::get_int(const std::string& name, std::int64_t fallback, const std::string& help, std::int64_t min,
                           std::int64_t max) {
  declared_.push_back({name, std::to_string(fallback), help});
  const std::string* v = find(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long r = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE)
    throw UsageError("--" + name + " takes a whole number; got '" + *v + "'");
  if (r < min || r > max)
    throw UsageError("--" + name + " must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]; got " + *v);
  return r;
}

double Args::get_double(const std::string& name, double fallback, const std::string& help) {
  std::ostringstream fb;
  fb << fallback;
  declared_.push_back({name, fb.str(), help});
  const std::string* v = find(name);
  if (!v) return fallback;
  char* end = nullptr;
  const double r = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !std::isfinite(r)) throw UsageError("--" + name + " takes a number; got '" + *v + "'");
  return r;
}

std::string Args::get_string(const std::string& name, const std::string& fallback, const std::string& help) {
  declared_.push_back({name, fallback, help});
  const std::string* v = find(name);
  return v ? *v : fallback;
}

bool Args::get_flag(const std::string& name, const std::string& help) {
  declared_.push_back({name, "", help});
  bool present = false;
  for (auto& g : given_) {
    if (g.name != name) continue;
    if (g.has_value) {  // "--flag value" swallowed a positional word: give it back
      positional_.push_back(g.value);
      g.has_value = false;
    }
    g.used = present = true;
  }
  return present;
}

std::string Args::usage(const std::string& program, const std::string& summary) const {
  std::ostringstream os;
  os << "usage: " << program << " [flags]\n" << summary << "\n\nflags:\n";
  for (const auto& d : declared_) {
    std::string left = "  --" + d.name + (d.fallback.empty() ? "" : " " + d.fallback);
    if (left.size() < 26) left += std::string(26 - left.size(), ' ');
    os << left << " " << d.help << "\n";
  }
  os << "  --help                     this text\n";
  return os.str();
}

void Args::finish() const {
  for (const auto& g : given_)
    if (!g.used) throw UsageError("unknown flag --" + g.name + " (see --help)");
}

}  // namespace focus::cli
