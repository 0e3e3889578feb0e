// The block flags: declared once for every program, checked against the registries.
#include <focus/train/block_flags.h>

#include <focus/nn/norm.h>
#include <focus/nn/positions.h>

namespace focus::train {

namespace {
std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void check_name(const char* flag, const std::string& value, const std::vector<std::string>& known) {
  for (const auto& n : known)
    if (n == value) return;
  throw cli::UsageError(std::string("--") + flag + " " + value + ": unknown (known: " + list(known) + ")");
}
}  // namespace

BlockFlags BlockFlags::declare(cli::Args& args, const BlockFlags& d) {
  BlockFlags f;
  f.positions = args.get_string("positions", d.positions, "position scheme: " + list(nn::positions_names()));
  f.attention = args.get_string("attention", d.attention, "self-attention: full, local:W (the W keys before each query, and after it in an encoder) or linformer:K (encoders)");
  f.norm = args.get_string("norm", d.norm, "norm in every block: " + list(nn::norm_names()));
  f.norm_first = args.get_int("norm-first", d.norm_first, "1: pre-norm blocks, 0: post-norm (the paper's)", 0, 1);
  return f;
}

void BlockFlags::validate() const {
  check_name("positions", positions, nn::positions_names());
  check_name("norm", norm, nn::norm_names());
  try {
    (void)attention_spec();
  } catch (const ValueError&) {
    throw cli::UsageError("--attention " + attention + ": expected full, local:W or linformer:K with W, K >= 1");
  }
}

void BlockFlags::record(RunOptions& options, const BlockFlags& older) {
  options.add("positions", positions, older.positions);
  options.add("attention", attention, older.attention);
  options.add("norm", norm, older.norm);
  options.add("norm-first", norm_first, std::to_string(older.norm_first));
}

void BlockFlags::check_resumed(const BlockFlags& saved, const cli::Args& args, const std::string& path) const {
  const std::pair<const char*, std::pair<std::string, std::string>> flags[] = {
      {"positions", {positions, saved.positions}},
      {"attention", {attention, saved.attention}},
      {"norm", {norm, saved.norm}},
      {"norm-first", {std::to_string(norm_first), std::to_string(saved.norm_first)}}};
  for (const auto& flag : flags)
    if (args.has(flag.first) && flag.second.first != flag.second.second)
      throw cli::UsageError(std::string("--") + flag.first + " " + flag.second.first + " contradicts the checkpoint " +
                            path + ", trained with --" + flag.first + " " + flag.second.second);
}

}  // namespace focus::train
