// The zh-en grammar's insides, shared by its three files: the lexicon's types and tables
// (zh_en_words.cpp), the noun-phrase reader the grammar and the sampler both use
// (zh_en_grammar.cpp), and nothing a user of the task needs (that is data/zh_en.h). Internal:
// it lives below data/ so it is not a public header.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace focus::data::zh_en_detail {

// ---- lexicon types (the tables are in zh_en_words.cpp) --------------------------------------

// Semantic classes: which verbs take which nouns, which adjectives fit which subjects.
enum : unsigned {
  kPerson = 1u << 0,  // people; a bare person noun must also be a role
  kRole = 1u << 1,    // people named by their role: bare 老师 is "the teacher"
  kAnimal = 1u << 2,
  kFood = 1u << 3,
  kDish = 1u << 4,  // food one makes (做)
  kDrink = 1u << 5,
  kThing = 1u << 6,
  kReading = 1u << 7,    // what one reads (看, 读)
  kWritten = 1u << 8,    // what one writes (写)
  kShow = 1u << 9,       // what one watches (看)
  kAudio = 1u << 10,     // what one listens to (听)
  kField = 1u << 11,     // what one studies or teaches (学习, 教)
  kLanguage = 1u << 12,  // what one speaks (说)
  kDevice = 1u << 13,    // what one uses or fixes (用, 修)
  kVehicle = 1u << 14,
  kWashable = 1u << 15,  // what one washes (洗)
};
// What a 的 possessive or a state can attach to: concrete things, not subjects of study.
constexpr unsigned kConcrete = kPerson | kAnimal | kFood | kDrink | kThing;

struct Noun {
  std::string_view zh, singular, plural;  // plural empty: a mass noun, generic form = singular
  std::string_view measure;               // the classifier after 一/两/这/那; empty: never counted
  std::string_view container;             // English of a container classifier (一杯茶 a cup of tea)
  unsigned classes;
};

// "you" takes the plural verb forms (you are, you like), so it shares kPlural.
enum class Agreement { kI, kThirdSingular, kPlural };

struct Pronoun {
  std::string_view zh, subject, object, possessive;
  Agreement agreement;
  int person;  // 1 and 2 for first and second person (我 and 我们 never act on each other), else 0
};

struct Number {
  std::string_view zh, en;  // en of 一 is the article, chosen by the next word
  int value;
};

enum class Tense { kPresent, kPast, kFuture };

struct Time {
  std::string_view zh, en;
  Tense tense;
  bool habitual;  // "every day": not negated (我每天不学习 would read "i do not study every day")
};

struct Place {
  std::string_view zh, at, to;  // 在P -> at; 去P -> to (empty: one does not say 去P)
};

struct Transport {
  std::string_view zh, en;
};

enum class VerbKind {
  kTransitive,  // 吃 苹果: takes an object, a time, a place, a companion
  kActivity,    // 游泳: no object; otherwise as kTransitive
  kMotion,      // 去 北京, 回家: a destination instead of a place; may take a transport
  kState,       // 喜欢 猫, 有 书: present tense only, no time, place or companion
};

struct Verb {
  std::string_view zh;
  VerbKind kind;
  std::string_view base, third, past, ing;  // English forms, particles included ("listen to")
  unsigned objects = 0;                     // noun classes taken as object
  bool object_optional = false;             // 学习 alone: "study"
  unsigned subjects = kPerson;              // noun classes that can do it
  bool skill = false;                       // can follow 会 (can)
  unsigned counted_only = 0;                // classes taken only with a number: 有一个哥哥, never 有哥哥
};

// Verbs that take a verb phrase: 我爱学习编程, 我想去北京, 我会游泳.
enum class Complement { kGerund, kInfinitive, kModal };

struct Catenative {
  std::string_view zh, base, third;
  Complement complement;
};

struct Adjective {
  std::string_view zh, en;
  unsigned subjects;
  bool passing;  // a state that comes and goes (busy, hungry) takes a time; a lasting one (tall) does not
};

// The tables (zh_en_words.cpp). Their order is part of the data: the sampler draws entries by
// index, so reordering a table changes every generated corpus.
extern const std::span<const Noun> kNouns;
extern const std::span<const Pronoun> kPronouns;
extern const std::span<const Number> kNumbers;
extern const std::span<const Time> kTimes;
extern const std::span<const Place> kPlaces;
extern const std::span<const Transport> kTransports;
extern const std::span<const Verb> kVerbs;
extern const std::span<const Catenative> kCatenatives;
extern const std::span<const Adjective> kAdjectives;

// ---- noun phrases (zh_en_grammar.cpp) -------------------------------------------------------

struct NounPhrase {
  enum Form { kPronoun, kBare, kPossessive, kDemonstrative, kCounted } form;
  std::string subject_en, object_en;  // "i" / "me"; the same for every other form
  Agreement agreement;
  unsigned classes;
  int person = 0;       // of a pronoun, see Pronoun::person
  std::string_view zh;  // the pronoun's Chinese, to keep 我 from acting on 我
};

// Reads a noun phrase: 我 | 老师 (a role) | 猫 (generic) | 我的猫 / 老师的书 | 这本书 / 那只猫 |
// 三本书 / 一杯茶.
std::optional<NounPhrase> parse_noun_phrase(std::string_view zh);

// Two pronouns of the same person (我 ... 我, 我 ... 我们) would need a reflexive.
bool same_person(const NounPhrase& a, const NounPhrase& b);

// The entry of a table whose Chinese is zh, or nullptr.
template <class Table>
auto find_zh(const Table& table, std::string_view zh) -> const typename Table::value_type* {
  const auto it = std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.zh == zh; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace focus::data::zh_en_detail
