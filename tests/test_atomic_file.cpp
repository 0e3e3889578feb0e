// io::AtomicFile, the one atomic writer behind checkpoints and plots: stale temporaries of dead
// processes are removed on the next save and nothing else is; a leftover temporary that happens
// to carry this process's pid does not block a save; errors name the caller, step, path and
// reason; an abandoned write leaves the target as it was.
#include "op_table.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <focus/io/atomic_file.h>
#include <focus/io/safetensors.h>

using namespace focus;
namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/focus_atomic_file_XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The pid of a child that has exited and been reaped: no process has it now (Linux hands pids out
// in increasing order, so it is not reused within a test).
pid_t dead_pid() {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return child;
}

// A child that runs until the end of the test: the pid of a save that may still be under way.
struct LiveChild {
  pid_t pid = ::fork();
  LiveChild() {
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~LiveChild() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

std::string pid_text(long long pid) { return std::to_string(pid); }

}  // namespace

TEST_CASE("atomic_file: a save removes the temporaries that dead processes left beside its target, and nothing else") {
  TempDir dir;
  const std::string target = "model.safetensors";
  const std::string dead = pid_text(dead_pid());
  const std::string never = pid_text(4194304 + 1);  // above the largest pid_max Linux allows
  LiveChild live;
  const std::string self = pid_text(::getpid());
  // Removed: regular files "<target>.tmp.<pid>.<n>" whose pid runs no process.
  for (const std::string& name : {target + ".tmp." + dead + ".0", target + ".tmp." + dead + ".17", target + ".tmp." + never + ".3"})
    write_text(dir.path / name, "half a checkpoint");
  // Kept: a save that may be under way (a live pid, ours), other names, and what is not a regular file.
  const std::vector<std::string> kept_files = {
      target + ".tmp." + pid_text(live.pid) + ".0",
      target + ".tmp." + self + ".123456789",
      target + ".tmp." + dead,              // no counter
      target + ".tmp." + dead + ".0.bak",   // something after the counter
      target + ".tmp." + dead + ".x",       // not a number
      target + ".tmp.-" + dead + ".0",      // a sign
      target + ".tmp.0.0",                  // pid 0 would address a process group
      target + ".tmp.99999999999999999999.0",  // not a pid at all
      "other.safetensors.tmp." + dead + ".0",  // another target's
      "x" + target + ".tmp." + dead + ".0",
      target + ".bak",
      "precious"};
  for (const std::string& name : kept_files) write_text(dir.path / name, "keep me");
  fs::create_directory(dir.path / (target + ".tmp." + dead + ".1"));
  fs::create_symlink(dir.path / "precious", dir.path / (target + ".tmp." + dead + ".2"));

  io::save_safetensors((dir.path / target).string(), {{"w", tensor(std::vector<float>{1, 2, 3})}});

  std::vector<std::string> want = kept_files;
  want.push_back(target);
  want.push_back(target + ".tmp." + dead + ".1");
  want.push_back(target + ".tmp." + dead + ".2");
  std::sort(want.begin(), want.end());
  CHECK(dir.names() == want);
  for (const std::string& name : kept_files) CHECK_MESSAGE(read_text(dir.path / name) == "keep me", name);
  CHECK(io::load_safetensors((dir.path / target).string()).tensors.at("w").to_vector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("atomic_file: remove_stale_temporaries reports what it removed and tolerates a missing directory") {
  TempDir dir;
  const std::string dead = pid_text(dead_pid());
  write_text(dir.path / ("loss.svg.tmp." + dead + ".4"), "<svg");
  write_text(dir.path / ("loss.svg.tmp." + dead + ".5"), "<svg");
  CHECK(io::remove_stale_temporaries((dir.path / "loss.svg").string()) == 2);
  CHECK(dir.names().empty());
  CHECK(io::remove_stale_temporaries((dir.path / "loss.svg").string()) == 0);
  CHECK(io::remove_stale_temporaries((dir.path / "no_such_dir" / "loss.svg").string()) == 0);
  // The plot writer goes through the same code: its save removes a dead process's temporary too.
  write_text(dir.path / ("loss.svg.tmp." + dead + ".6"), "<svg");
  io::write_file_atomic((dir.path / "loss.svg").string(), "<svg/>");
  CHECK(dir.names() == std::vector<std::string>{"loss.svg"});
  CHECK(read_text(dir.path / "loss.svg") == "<svg/>");
}

TEST_CASE("atomic_file: a leftover temporary that carries this process's pid does not block a save") {
  // A container restarts its programs with the same small pids, so a killed earlier run may have
  // left exactly the name this process would pick next. It is kept (it could be ours) and skipped.
  TempDir dir;
  const std::string path = (dir.path / "run.safetensors").string();
  std::string probe;
  {
    io::AtomicFile file(path, "test");  // abandoned: only its name is wanted
    probe = file.temporary_path();
  }
  const std::string prefix = path + ".tmp." + pid_text(::getpid()) + ".";
  REQUIRE(probe.rfind(prefix, 0) == 0);
  const long long next = std::stoll(probe.substr(prefix.size())) + 1;
  for (long long n = next; n < next + 3; ++n) write_text(prefix + std::to_string(n), "an earlier run's");
  io::write_file_atomic(path, "new contents");
  CHECK(read_text(path) == "new contents");
  CHECK(dir.names().size() == 4);  // the target and the three leftovers
  CHECK(read_text(prefix + std::to_string(next)) == "an earlier run's");
}

TEST_CASE("atomic_file: errors name the caller, the step, the path and the reason, an abandoned write changes nothing") {
  TempDir dir;
  const std::string missing = (dir.path / "no_such_dir" / "x.bin").string();
  CHECK_ERROR(FormatError, io::write_file_atomic(missing, "x", "save_report"),
              "save_report: cannot create a temporary file for " + missing + "; got No such file or directory");
  const std::string path = (dir.path / "kept.bin").string();
  io::write_file_atomic(path, "old");
  {
    io::AtomicFile file(path, "test");
    file.write("new", 3);
  }  // destroyed without commit
  CHECK(read_text(path) == "old");
  CHECK(dir.names() == std::vector<std::string>{"kept.bin"});
}
