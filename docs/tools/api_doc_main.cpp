// api_doc: writes docs/api.md from the public headers' comments, or checks that it matches them.
//   api_doc --source <focus root> --dirs "tensor;autograd;..." --write docs/api.md
//   api_doc --source <focus root> --dirs "tensor;autograd;..." --check docs/api.md [--hint "<how to regenerate>"]
// Without --write or --check the page goes to stdout. The intro is docs/tools/api_intro.md unless
// --intro names another file. Exit 0 when done or matching, 1 for a difference or a file problem,
// 2 for a usage error; every failure is explained on stderr.
#include "api_doc.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Written beside the target and renamed over it, so an interrupted run never leaves half a page.
void write_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw FileError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw FileError("cannot replace " + path.string());
  }
}

// "tensor;autograd" (a CMake list) or "tensor,autograd", or both.
std::vector<std::string> split_dirs(const std::string& list) {
  std::vector<std::string> out;
  std::string word;
  for (char c : list + ";") {
    if (c == ';' || c == ',') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else if (c != ' ') {
      word += c;
    }
  }
  return out;
}

int run(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    static const std::vector<std::string> known = {"--source", "--dirs", "--intro", "--write", "--check", "--hint"};
    if (std::find(known.begin(), known.end(), arg) == known.end())
      throw UsageError("unknown argument '" + arg + "' (usage: api_doc --source DIR --dirs \"a;b\" [--write|--check FILE])");
    if (i + 1 >= argc) throw UsageError(arg + " needs a value");
    flags[arg] = argv[++i];
  }
  if (!flags.count("--source") || !flags.count("--dirs")) throw UsageError("--source and --dirs are required");
  if (flags.count("--write") && flags.count("--check")) throw UsageError("give --write or --check, not both");
  const fs::path source = flags["--source"];
  if (!fs::is_directory(source)) throw FileError("no such folder: " + source.string());
  const fs::path intro_path = flags.count("--intro") ? fs::path(flags["--intro"]) : source / "docs/tools/api_intro.md";

  std::vector<api_doc::Folder> folders;
  std::size_t n_headers = 0, n_entries = 0;
  for (const std::string& dir : split_dirs(flags["--dirs"])) {
    api_doc::Folder folder{dir, {}};
    std::vector<std::string> names;
    if (fs::is_directory(source / dir))
      for (const auto& f : fs::directory_iterator(source / dir))
        if (f.is_regular_file() && f.path().extension() == ".h") names.push_back(f.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string include_path = dir + "/" + name;
      folder.headers.push_back(api_doc::read_header(include_path, read_file(source / include_path)));
      n_entries += folder.headers.back().entries.size();
    }
    n_headers += names.size();
    folders.push_back(std::move(folder));
  }
  const std::string page = api_doc::render_page(read_file(intro_path), folders);

  if (flags.count("--write")) {
    const fs::path out = flags["--write"];
    std::error_code ec;
    if (!fs::exists(out, ec) || read_file(out) != page) write_file(out, page);
    std::cout << "api_doc: wrote " << out.string() << " (" << n_headers << " headers, " << n_entries
              << " documented declarations)\n";
    return 0;
  }
  if (flags.count("--check")) {
    const fs::path path = flags["--check"];
    const std::string on_disk = fs::exists(path) ? read_file(path) : "";
    const auto diff = api_doc::first_difference(on_disk, page);
    if (!diff) {
      std::cout << "api_doc: " << path.string() << " matches the " << n_headers << " public headers ("
                << n_entries << " documented declarations)\n";
      return 0;
    }
    std::cerr << "api_doc: " << path.string() << " is not what the headers' comments give.\n";
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& h : v) s += (s.empty() ? "" : ", ") + h;
      return s;
    };
    if (!diff->missing_sections.empty())
      std::cerr << "  sections the headers give that the page lacks: " << list(diff->missing_sections) << "\n";
    if (!diff->stale_sections.empty())
      std::cerr << "  sections on the page that no header gives: " << list(diff->stale_sections) << "\n";
    std::cerr << "  first difference: line " << diff->line << ", in " << diff->section << "\n"
              << "    page:    " << diff->actual_line << "\n"
              << "    headers: " << diff->expected_line << "\n"
              << "  The page is generated: change the header's comment (or docs/tools/api_intro.md), then\n"
              << "  regenerate it: " << (flags.count("--hint") ? flags["--hint"] : "api_doc --write " + path.string())
              << "\n";
    return 1;
  }
  std::cout << page;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "api_doc: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "api_doc: " << e.what() << "\n";
    return 1;
  }
}
