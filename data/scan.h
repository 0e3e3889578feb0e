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

#include <cstdint>
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
//   kLength: train+valid on action sequences of at most length_cutoff actions, test on the longer
//   ones, each shuffled with the seed. The paper's cutoff, 22 (the default), gives 16,990 / 3,920
//   (test 24 to 48 actions: no output has 23); Csordas et al. 2021 re-cut at 24 to 40. Sizes
//   (train / valid / test) by cutoff:
//     22: 16,141 /   849 / 3,920    24: 16,460 /   866 / 3,584    26: 17,372 /   914 / 2,624
//     28: 18,223 /   959 / 1,728    30: 18,771 /   987 / 1,152    32: 19,196 / 1,010 /   704
//     36: 19,500 / 1,026 /   384    40: 19,743 / 1,039 /   128 (test: the 48-action outputs only)
// valid holds 5% of train+valid, drawn with the seed.
enum class ScanSplit { kRandom, kLength };
// The number of commands, and the paper's length cutoff (make_scan's default).
inline constexpr std::size_t kScanCommands = 20'910, kScanMaxTrainActions = 22;
// The split asked for, the same for the same seed (and cutoff). Throws ValueError "make_scan:
// length cutoff must leave both splits non-empty (1 <= N < 48); got N=60" for a cutoff below the
// shortest output or at or above the longest, and "make_scan: the length cutoff applies to the
// length split only; got N=26 with the random split" for kRandom with another cutoff than 22.
[[nodiscard]] Dataset make_scan(ScanSplit split, std::uint64_t seed,
                                std::int64_t length_cutoff = static_cast<std::int64_t>(kScanMaxTrainActions));

}  // namespace focus::data
