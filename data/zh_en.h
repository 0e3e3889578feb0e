// The "zh-en" task: a toy Chinese-to-English corpus from a small bilingual grammar (words in
// zh_en_words.cpp, rules in zh_en_grammar.cpp, the sampler in zh_en.cpp). Chinese is written
// unsegmented, English in lower case with " ?" ending a question. Each sentence is a ZhEnClause;
// render_zh_en writes it in both languages, and the grammar is unambiguous: a Chinese sentence
// has exactly one English translation.
//
// The reorderings a model must learn (Chinese order on the left):
//   S  T  不/没  和X一起  在P  V  O  吗      ->  (do/does/did/will)  S  V  O  with X  at P  T  ?
//   我 今天 在学校 学习 中文                  ->  i study chinese at school today
//   S  T  坐/骑X  去 P                        ->  S go to P  by X  T
//   我 明天 坐火车 去 北京                    ->  i will go to beijing by train tomorrow
// and, inside noun phrases: 的 possessives (我的朋友 my friend, 老师的书 the teacher's book),
// measure words (三本书 three books, 一只猫 a cat, 两杯茶 two cups of tea), generic plurals
// (我喜欢猫 i like cats); verb agreement (he likes, they like), tense from the time phrase
// (昨天 -> past with 了 / 没, 明天 -> will), 吗 questions (你喜欢猫吗 -> do you like cats ?),
// negation (我不喜欢 i do not like, 他不喜欢 he does not like, 我昨天没去 i did not go,
// 我没有 i do not have), adjectives (我很累 i am tired), and verbs taking a verb phrase
// (我爱学习编程 i love learning programming, 我想去北京 i want to go to beijing, 我会游泳 i can swim).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <focus/data/tasks.h>

namespace focus::data {

// One sentence, named by its Chinese words (empty fields are absent). The "= {}" lets
// designated initialisers ({.subject = "我", .verb = "累"}) leave fields out without a warning.
struct ZhEnClause {
  std::string subject = {};     // 我, 他们, 老师, 我的朋友, 这只猫 ...
  std::string time = {};        // 今天, 昨天, 明天, 每天 ...
  bool negated = false;         // 不; 没 in the past and before 有
  std::string companion = {};   // the X of 和X一起: 他, 我的朋友 ...
  std::string place = {};       // the P of 在P: 学校, 家 ...
  std::string transport = {};   // 坐火车, 骑自行车 ... (before 去, 来, 回家)
  std::string verb = {};        // 学习, 喜欢, 去, 游泳, or an adjective such as 累
  std::string inner_verb = {};  // after 喜欢, 爱, 想, 会: the verb of the phrase they take
  std::string object = {};      // 中文, 三本书, 老师的书, 他; after 去 / 来 a place: 北京
  bool very = false;            // adjectives: 非常 (very) instead of the plain 很
  bool question = false;        // 吗
};

// The clause in Chinese (source) and English (target). Throws ValueError "render_zh_en: ..." for
// a word outside the lexicon or a combination the grammar does not make (a time phrase with a
// state verb such as 喜欢, a place with 去, ...).
[[nodiscard]] Example render_zh_en(const ZhEnClause& clause);

// count sentences sampled from the grammar, duplicates included.
[[nodiscard]] std::vector<Example> sample_zh_en(std::uint64_t seed, std::size_t count);

// The number of Chinese entries in the lexicon (words and phrases).
[[nodiscard]] std::size_t zh_en_lexicon_size();

// The seed sentence, always in the test split: 我爱学习编程 -> i love learning programming.
inline const Example kZhEnSeed{"我爱学习编程", "i love learning programming"};

// Distinct sentences: kZhEnTest in test (the seed among them), kZhEnValid in valid, the rest
// (kZhEnTotal in all) in train.
inline constexpr std::size_t kZhEnTotal = 17'500, kZhEnTest = 1'000, kZhEnValid = 500;
[[nodiscard]] Dataset make_zh_en(std::uint64_t seed);

}  // namespace focus::data
