// SCAN (Lake & Baroni 2018, "Generalization without systematicity"): navigation commands and the
// action sequences they mean, from the paper's phrase-structure grammar and interpretation rules.
//   C -> S and S | S after S | S          [[x and y]] = [[x]] [[y]],   [[x after y]] = [[y]] [[x]]
//   S -> V twice | V thrice | V           [[x twice]] = [[x]] [[x]],   thrice: three times
//   V -> D opposite D' | D around D' | D | U   written "u opposite left", "u around right" with
//                                          u in {walk, look, run, jump, turn}
//   D -> U left | U right | turn left | turn right
//   U -> walk | look | run | jump
//   [[u left]] = LTURN [[u]]                [[turn left]] = LTURN
//   [[u opposite left]] = LTURN LTURN [[u]]  [[turn opposite left]] = LTURN LTURN
//   [[u around left]] = (LTURN [[u]]) x 4    [[turn around left]] = LTURN x 4
// (right likewise with RTURN). Actions are written as in the released data: I_WALK, I_LOOK,
// I_RUN, I_JUMP, I_TURN_LEFT, I_TURN_RIGHT. There are 20,910 commands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <focus/data/tasks.h>

namespace focus::data {

// Every SCAN command, each once, in a fixed order (the grammar's enumeration order).
[[nodiscard]] std::vector<std::string> scan_commands();

// The action sequence of a command, actions separated by one space. Throws ValueError
// "scan_actions: ..." for a command outside the grammar.
[[nodiscard]] std::string scan_actions(std::string_view command);

// The splits of the paper, test sizes exact; valid is carved out of the paper's train set.
//   kRandom: a seeded 80/20 split, 16,728 train+valid / 4,182 test.
//   kLength: train+valid on action sequences of at most 22 actions (16,990), test on the
//   3,920 longer ones (24 to 48 actions), shuffled with the seed.
// valid holds 5% of train+valid, drawn with the seed.
enum class ScanSplit { kRandom, kLength };
inline constexpr std::size_t kScanCommands = 20'910, kScanMaxTrainActions = 22;
[[nodiscard]] Dataset make_scan(ScanSplit split, std::uint64_t seed);

}  // namespace focus::data
