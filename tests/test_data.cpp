// Data: the task generators (SCAN counts, splits, length cutoffs and interpretations checked by hand
// against Lake & Baroni 2018; the zh-en grammar's reorderings, 的, measure words, 吗 and negation; dates with
// weekdays and two-digit years; reverse and copy), their determinism and disjoint splits, and the
// reader of TSV / SCAN files with every error it reports (seed corpus in tests/corpus/data).
#include <doctest/doctest.h>

#include "error_text.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <focus/data/dates.h>
#include <focus/data/scan.h>
#include <focus/data/tasks.h>
#include <focus/data/zh_en.h>
#include <focus/tensor/error.h>

using namespace focus;
using namespace focus::data;
using namespace std::chrono_literals;

namespace {

std::filesystem::path corpus_dir() { return std::filesystem::path(__FILE__).parent_path() / "corpus" / "data"; }

// The tasks are made once and shared by the test cases, so the file stays fast.
const Dataset& task(const std::string& name) {
  static std::map<std::string, Dataset> made;
  auto it = made.find(name);
  if (it == made.end()) it = made.emplace(name, make_task(name, 1234)).first;
  return it->second;
}

std::unordered_set<std::string> sources(const std::vector<Example>& examples) {
  std::unordered_set<std::string> out;
  for (const Example& e : examples) out.insert(e.source);
  return out;
}

// No source twice within a split or across splits.
void check_disjoint(const Dataset& d) {
  const std::unordered_set<std::string> train = sources(d.train), valid = sources(d.valid), test = sources(d.test);
  CHECK(train.size() == d.train.size());
  CHECK(valid.size() == d.valid.size());
  CHECK(test.size() == d.test.size());
  for (const Example& e : d.test) {
    if (train.count(e.source) || valid.count(e.source)) FAIL("test source also in train or valid: " << e.source);
  }
  for (const Example& e : d.valid) {
    if (train.count(e.source)) FAIL("valid source also in train: " << e.source);
  }
}

std::size_t count_words(const std::string& s) {
  return s.empty() ? 0 : 1 + static_cast<std::size_t>(std::count(s.begin(), s.end(), ' '));
}

void check_render(const ZhEnClause& clause, const std::string& zh, const std::string& en) {
  const Example e = render_zh_en(clause);
  CHECK(e.source == zh);
  CHECK(e.target == en);
}

}  // namespace

// ---- SCAN ----------------------------------------------------------------------------------------

TEST_CASE("data: SCAN has exactly 20,910 distinct commands") {
  const std::vector<std::string> commands = scan_commands();
  CHECK(commands.size() == 20'910);
  CHECK(std::set<std::string>(commands.begin(), commands.end()).size() == 20'910);
  CHECK(kScanCommands == 20'910);
  // Action sequences run from 1 to 48 actions, as in the paper.
  std::size_t shortest = 100, longest = 0;
  const Dataset& d = task("scan-simple");
  for (const auto* split : {&d.train, &d.valid, &d.test}) {
    for (const Example& e : *split) {
      shortest = std::min(shortest, count_words(e.target));
      longest = std::max(longest, count_words(e.target));
    }
  }
  CHECK(shortest == 1);
  CHECK(longest == 48);
}

TEST_CASE("data: SCAN interprets commands as the paper does") {
  CHECK(scan_actions("jump") == "I_JUMP");
  CHECK(scan_actions("walk left") == "I_TURN_LEFT I_WALK");
  CHECK(scan_actions("turn right") == "I_TURN_RIGHT");
  CHECK(scan_actions("look thrice") == "I_LOOK I_LOOK I_LOOK");
  CHECK(scan_actions("run opposite right") == "I_TURN_RIGHT I_TURN_RIGHT I_RUN");
  CHECK(scan_actions("turn opposite left") == "I_TURN_LEFT I_TURN_LEFT");
  CHECK(scan_actions("jump around left") ==
        "I_TURN_LEFT I_JUMP I_TURN_LEFT I_JUMP I_TURN_LEFT I_JUMP I_TURN_LEFT I_JUMP");
  CHECK(scan_actions("turn around right") == "I_TURN_RIGHT I_TURN_RIGHT I_TURN_RIGHT I_TURN_RIGHT");
  CHECK(scan_actions("turn left twice") == "I_TURN_LEFT I_TURN_LEFT");
  CHECK(scan_actions("walk after run") == "I_RUN I_WALK");
  CHECK(scan_actions("walk and run") == "I_WALK I_RUN");
  // The examples of the paper's Figure 1.
  CHECK(scan_actions("jump opposite left and walk thrice") == "I_TURN_LEFT I_TURN_LEFT I_JUMP I_WALK I_WALK I_WALK");
  CHECK(scan_actions("jump opposite left after walk around left") ==
        "I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_WALK I_TURN_LEFT I_TURN_LEFT I_JUMP");
  CHECK(scan_actions("look right twice after turn left") == "I_TURN_LEFT I_TURN_RIGHT I_LOOK I_TURN_RIGHT I_LOOK");
}

TEST_CASE("data: SCAN rejects commands outside the grammar") {
  CHECK(error_of<ValueError>([] { (void)scan_actions("turn"); }) == "scan_actions: turn needs a direction; got 'turn'");
  CHECK(error_of<ValueError>([] { (void)scan_actions("fly"); }) ==
        "scan_actions: a verb phrase starts with walk, look, run, jump or turn; got 'fly'");
  CHECK(error_of<ValueError>([] { (void)scan_actions("walk and run and jump"); }) ==
        "scan_actions: a command has at most one 'and' or 'after'; got 'walk and run and jump'");
  CHECK(error_of<ValueError>([] { (void)scan_actions("walk up"); }) ==
        "scan_actions: a direction is left or right; got 'walk up'");
  CHECK(error_of<ValueError>([] { (void)scan_actions(""); }) == "scan_actions: a verb phrase is 1 to 3 words; got ''");
}

TEST_CASE("data: SCAN simple split is 16,728 train+valid and 4,182 test") {
  const Dataset& d = task("scan-simple");
  CHECK(d.name == "scan-simple");
  CHECK_FALSE(d.char_level);
  CHECK(d.train.size() + d.valid.size() == 16'728);
  CHECK(d.test.size() == 4'182);
  CHECK(d.valid.size() == 16'728 / 20);
  check_disjoint(d);
  for (const Example& e : d.test) CHECK(e.target == scan_actions(e.source));
  CHECK(make_task("scan", 1234).test == d.test);  // "scan" is the simple split
}

TEST_CASE("data: SCAN length split trains on at most 22 actions: 16,990 / 3,920") {
  const Dataset& d = task("scan-length");
  CHECK(d.train.size() + d.valid.size() == 16'990);
  CHECK(d.test.size() == 3'920);
  check_disjoint(d);
  for (const auto* split : {&d.train, &d.valid}) {
    for (const Example& e : *split) CHECK(count_words(e.target) <= 22);
  }
  std::size_t shortest_test = 100;
  for (const Example& e : d.test) shortest_test = std::min(shortest_test, count_words(e.target));
  CHECK(shortest_test == 24);
}

TEST_CASE("data: SCAN length split at cutoff 26 trains on at most 26 actions, tests on 27 to 48: 18,286 / 2,624") {
  const Dataset d = make_scan(ScanSplit::kLength, 1234, 26);
  CHECK(d.name == "scan-length");
  CHECK(d.train.size() == 17'372);
  CHECK(d.valid.size() == 18'286 / 20);
  CHECK(d.test.size() == 2'624);
  CHECK(d.train.size() + d.valid.size() + d.test.size() == kScanCommands);
  check_disjoint(d);
  std::size_t longest_train = 0, shortest_test = 100;
  for (const auto* split : {&d.train, &d.valid}) {
    for (const Example& e : *split) longest_train = std::max(longest_train, count_words(e.target));
  }
  for (const Example& e : d.test) shortest_test = std::min(shortest_test, count_words(e.target));
  CHECK(longest_train == 26);
  CHECK(shortest_test == 27);
  for (const Example& e : d.test) CHECK(e.target == scan_actions(e.source));
}

TEST_CASE("data: SCAN length split sizes follow the cutoff, the default is the paper's 22") {
  // train+valid and test by cutoff, counted apart from make_scan by enumerating the grammar's
  // output lengths (python, 20,910 commands); 23 equals 22 because no output has 23 actions.
  const std::vector<std::array<std::size_t, 3>> sizes = {{1, 6, 20'904},      {22, 16'990, 3'920}, {23, 16'990, 3'920},
                                                         {24, 17'326, 3'584}, {28, 19'182, 1'728}, {30, 19'758, 1'152},
                                                         {32, 20'206, 704},   {36, 20'526, 384},   {40, 20'782, 128},
                                                         {47, 20'782, 128}};
  for (const std::array<std::size_t, 3>& row : sizes) {
    CAPTURE(row[0]);
    const Dataset d = make_scan(ScanSplit::kLength, 7, static_cast<std::int64_t>(row[0]));
    CHECK(d.train.size() + d.valid.size() == row[1]);
    CHECK(d.valid.size() == row[1] / 20);
    CHECK(d.test.size() == row[2]);
  }
  const Dataset paper = make_scan(ScanSplit::kLength, 1234, 22);
  CHECK(make_scan(ScanSplit::kLength, 1234).train == paper.train);
  CHECK(make_scan(ScanSplit::kLength, 1234).test == paper.test);
  CHECK(task("scan-length").valid == paper.valid);
}

TEST_CASE("data: SCAN length cutoff must leave train and test non-empty") {
  const auto cut = [](std::int64_t n) {
    return error_of<ValueError>([n] { (void)make_scan(ScanSplit::kLength, 1, n); });
  };
  CHECK(cut(60) == "make_scan: length cutoff must leave both splits non-empty (1 <= N < 48); got N=60");
  CHECK(cut(48) == "make_scan: length cutoff must leave both splits non-empty (1 <= N < 48); got N=48");
  CHECK(cut(0) == "make_scan: length cutoff must leave both splits non-empty (1 <= N < 48); got N=0");
  CHECK(cut(-3) == "make_scan: length cutoff must leave both splits non-empty (1 <= N < 48); got N=-3");
  CHECK(cut(1).empty());
  CHECK(cut(47).empty());
  // The random split has no cutoff to move.
  CHECK(error_of<ValueError>([] { (void)make_scan(ScanSplit::kRandom, 1, 26); }) ==
        "make_scan: the length cutoff applies to the length split only; got N=26 with the random split");
  CHECK(make_scan(ScanSplit::kRandom, 1, 22).test == make_scan(ScanSplit::kRandom, 1).test);
}

// ---- zh-en ---------------------------------------------------------------------------------------

TEST_CASE("data: zh-en puts the seed sentence in test, never in train or valid") {
  const Dataset& d = task("zh-en");
  CHECK(d.name == "zh-en");
  CHECK_FALSE(d.char_level);
  CHECK(d.train.size() == kZhEnTotal - kZhEnTest - kZhEnValid);
  CHECK(d.valid.size() == kZhEnValid);
  CHECK(d.test.size() == kZhEnTest);
  CHECK(d.train.size() >= 10'000);
  const Example seed{"我爱学习编程", "i love learning programming"};
  CHECK(std::count(d.test.begin(), d.test.end(), seed) == 1);
  for (const auto* split : {&d.train, &d.valid}) {
    CHECK(std::none_of(split->begin(), split->end(), [](const Example& e) { return e.source == "我爱学习编程"; }));
  }
  check_disjoint(d);
}

TEST_CASE("data: zh-en sentences are unsegmented Chinese and lowercase English") {
  const Dataset& d = task("zh-en");
  for (const auto* split : {&d.train, &d.valid, &d.test}) {
    for (const Example& e : *split) {
      const bool ascii_free =
          std::none_of(e.source.begin(), e.source.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      const bool english = std::all_of(e.target.begin(), e.target.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || c == ' ' || c == '\'' || c == '?';
      });
      const bool question = e.source.ends_with("吗");
      if (!ascii_free || !english || question != e.target.ends_with(" ?")) FAIL(e.source << " -> " << e.target);
    }
  }
  CHECK(zh_en_lexicon_size() >= 250);
}

TEST_CASE("data: zh-en is the same for the same seed and differs for another") {
  CHECK(make_task("zh-en", 1234).train == task("zh-en").train);
  CHECK(sample_zh_en(1, 50) == sample_zh_en(1, 50));
  CHECK(sample_zh_en(1, 50) != sample_zh_en(2, 50));
}

TEST_CASE("data: zh-en gives each Chinese sentence one translation") {
  std::map<std::string, std::string> seen;
  for (const Example& e : sample_zh_en(99, 20'000)) {
    const auto [it, added] = seen.emplace(e.source, e.target);
    if (!added && it->second != e.target) FAIL(e.source << " -> " << it->second << " and " << e.target);
  }
}

TEST_CASE("data: zh-en moves time and place after the object") {
  check_render({.subject = "我", .time = "今天", .place = "学校", .verb = "学习", .object = "中文"},
               "我今天在学校学习中文", "i study chinese at school today");
  check_render({.subject = "我们", .time = "每天", .place = "公园", .verb = "跑步"}, "我们每天在公园跑步",
               "we run in the park every day");
  check_render({.subject = "我", .time = "明天", .transport = "坐火车", .verb = "去", .object = "北京"},
               "我明天坐火车去北京", "i will go to beijing by train tomorrow");
  check_render({.subject = "我", .companion = "我的朋友", .place = "家", .verb = "看", .object = "电影"},
               "我和我的朋友一起在家看电影", "i watch movies with my friend at home");
  // Tense follows the time phrase: 了 after the verb before an object, at the end without one.
  check_render({.subject = "他们", .time = "昨天", .verb = "吃", .object = "两个苹果"}, "他们昨天吃了两个苹果",
               "they ate two apples yesterday");
  check_render({.subject = "我", .time = "昨天晚上", .verb = "游泳"}, "我昨天晚上游泳了", "i swam last night");
  check_render({.subject = "她", .time = "去年", .verb = "去", .object = "美国"}, "她去年去了美国",
               "she went to america last year");
}

TEST_CASE("data: zh-en possessives with 的") {
  check_render({.subject = "我的朋友", .verb = "喜欢", .object = "老师的书"}, "我的朋友喜欢老师的书",
               "my friend likes the teacher's book");
  check_render({.subject = "他的妈妈", .verb = "照顾", .object = "我们的猫"}, "他的妈妈照顾我们的猫",
               "his mother takes care of our cat");
  // A bare role is definite; other people need an owner.
  check_render({.subject = "老师", .verb = "教", .object = "数学"}, "老师教数学", "the teacher teaches math");
  CHECK(error_of<ValueError>([] { (void)render_zh_en({.subject = "朋友", .verb = "累"}); }) ==
        "render_zh_en: the subject must be a noun phrase of the lexicon; got '朋友'");
}

TEST_CASE("data: zh-en measure words and English plurals") {
  check_render({.subject = "我", .verb = "有", .object = "三本书"}, "我有三本书", "i have three books");
  check_render({.subject = "她", .verb = "有", .object = "一只猫"}, "她有一只猫", "she has a cat");
  check_render({.subject = "他", .verb = "有", .object = "一个哥哥"}, "他有一个哥哥", "he has an older brother");
  check_render({.subject = "你", .verb = "要", .object = "两杯茶"}, "你要两杯茶", "you want two cups of tea");
  check_render({.subject = "我", .verb = "吃", .object = "一个鸡蛋"}, "我吃一个鸡蛋", "i eat an egg");
  check_render({.subject = "他", .verb = "买", .object = "五条鱼"}, "他买五条鱼", "he buys five fish");
  check_render({.subject = "这杯水", .verb = "冷"}, "这杯水很冷", "this glass of water is cold");
  // Bare nouns are generic: plural if counted, as they are if not.
  check_render({.subject = "我", .verb = "喜欢", .object = "猫"}, "我喜欢猫", "i like cats");
  check_render({.subject = "我", .verb = "喝", .object = "咖啡"}, "我喝咖啡", "i drink coffee");
}

TEST_CASE("data: zh-en questions with 吗") {
  check_render({.subject = "你", .verb = "喜欢", .object = "猫", .question = true}, "你喜欢猫吗", "do you like cats ?");
  check_render({.subject = "他", .verb = "喜欢", .object = "猫", .question = true}, "他喜欢猫吗",
               "does he like cats ?");
  check_render({.subject = "你", .time = "昨天", .verb = "游泳", .question = true}, "你昨天游泳了吗",
               "did you swim yesterday ?");
  check_render({.subject = "他", .time = "明天", .verb = "去", .object = "北京", .question = true}, "他明天去北京吗",
               "will he go to beijing tomorrow ?");
  check_render({.subject = "他们", .time = "昨天", .verb = "忙", .question = true}, "他们昨天忙吗",
               "were they busy yesterday ?");
  check_render({.subject = "你", .verb = "会", .inner_verb = "说", .object = "中文", .question = true}, "你会说中文吗",
               "can you speak chinese ?");
}

TEST_CASE("data: zh-en negation with 不 and 没") {
  check_render({.subject = "我", .negated = true, .verb = "喜欢", .object = "猫"}, "我不喜欢猫", "i do not like cats");
  check_render({.subject = "他", .negated = true, .verb = "喜欢", .object = "猫"}, "他不喜欢猫",
               "he does not like cats");
  check_render({.subject = "她", .negated = true, .verb = "喜欢", .object = "狗"}, "她不喜欢狗",
               "she does not like dogs");
  check_render({.subject = "我", .time = "昨天", .negated = true, .verb = "去", .object = "学校"}, "我昨天没去学校",
               "i did not go to school yesterday");
  check_render({.subject = "她", .negated = true, .verb = "有", .object = "钱"}, "她没有钱", "she does not have money");
  check_render({.subject = "我", .time = "明天", .negated = true, .verb = "工作"}, "我明天不工作",
               "i will not work tomorrow");
  check_render({.subject = "我", .time = "明天", .negated = true, .verb = "忙"}, "我明天不忙",
               "i will not be busy tomorrow");
  check_render({.subject = "她", .negated = true, .verb = "会", .inner_verb = "游泳"}, "她不会游泳", "she cannot swim");
}

TEST_CASE("data: zh-en verbs agree with their subjects") {
  check_render({.subject = "他", .verb = "学习", .object = "中文"}, "他学习中文", "he studies chinese");
  check_render({.subject = "他们", .verb = "学习", .object = "中文"}, "他们学习中文", "they study chinese");
  check_render({.subject = "我", .verb = "累"}, "我很累", "i am tired");
  check_render({.subject = "你们", .verb = "累"}, "你们很累", "you are tired");
  check_render({.subject = "这本书", .verb = "贵", .very = true}, "这本书非常贵", "this book is very expensive");
  check_render({.subject = "我", .verb = "看", .object = "书"}, "我看书", "i read books");  // 看 by its object
  check_render({.subject = "我", .verb = "看", .object = "电视"}, "我看电视", "i watch tv");
}

TEST_CASE("data: zh-en verbs that take a verb phrase") {
  check_render({.subject = "我", .verb = "爱", .inner_verb = "学习", .object = "编程"}, "我爱学习编程",
               "i love learning programming");
  check_render({.subject = "我", .verb = "爱", .inner_verb = "吃", .object = "苹果"}, "我爱吃苹果",
               "i love eating apples");
  check_render({.subject = "他", .verb = "想", .inner_verb = "去", .object = "北京"}, "他想去北京",
               "he wants to go to beijing");
  check_render({.subject = "我", .place = "家", .verb = "喜欢", .inner_verb = "看", .object = "书"}, "我喜欢在家看书",
               "i like reading books at home");
  check_render({.subject = "她", .negated = true, .verb = "想", .inner_verb = "回家"}, "她不想回家",
               "she does not want to go home");
}

TEST_CASE("data: zh-en rejects what the grammar does not make") {
  const auto rule = [](const ZhEnClause& c) { return error_of<ValueError>([&] { (void)render_zh_en(c); }); };
  CHECK(rule({.subject = "我", .time = "昨天", .verb = "喜欢", .object = "猫"}) ==
        "render_zh_en: a state verb takes no time, place, companion or transport; got '喜欢'");
  CHECK(rule({.subject = "我", .verb = "飞"}) ==
        "render_zh_en: the verb must be in the lexicon and fit its object; got '飞'");
  CHECK(rule({.subject = "我", .verb = "喜欢", .object = "我"}) ==
        "render_zh_en: a pronoun object must differ from the subject; got '我'");
  CHECK(rule({.subject = "我", .place = "学校", .verb = "去", .object = "北京"}) ==
        "render_zh_en: the place must be in the lexicon and not with 去; got '学校'");
  CHECK(rule({.subject = "他", .time = "昨天", .verb = "高"}) ==
        "render_zh_en: a lasting quality takes no time phrase; got '昨天高'");
  CHECK(rule({.subject = "我", .verb = "会", .inner_verb = "睡觉"}) ==
        "render_zh_en: 会 takes a skill alone (会游泳, 会说中文); got '睡觉'");
}

// ---- dates ---------------------------------------------------------------------------------------

TEST_CASE("data: dates are written in each pattern as documented") {
  const std::chrono::year_month_day d = 1998y / 3 / 3;  // a Tuesday
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"{W}, {d} {Month} {yyyy}", "tuesday, 3 march 1998"},
      {"{Mon} {dth}, {yyyy}", "mar 3rd, 1998"},
      {"{m}/{d}/{yy}", "3/3/98"},
      {"{dd}.{mm}.{yyyy}", "03.03.1998"},
      {"{Month} {d} {yyyy}", "march 3 1998"},
      {"{Wa} {d} {Mon} {yy}", "tue 3 mar 98"},
      {"{yyyy}/{mm}/{dd}", "1998/03/03"},
      {"{Wa}. {Mon}. {d}, {yyyy}", "tue. mar. 3, 1998"},
      {"the {dth} of {Month}, {yyyy}", "the 3rd of march, 1998"},
      {"{Mon} {d} '{yy}", "mar 3 '98"},
      {"{dd}-{Mon}-{yy}", "03-mar-98"},
      {"{yyyy}-{mm}-{dd}", "1998-03-03"},
      {"{Wa}., {Map} {d}, {yyyy}", "tue., march 3, 1998"},
  };
  for (const auto& entry : expected) {  // not a structured binding: CAPTURE's lambda captures it (clang 14)
    const auto& pattern = entry.first;
    const auto& text = entry.second;
    CAPTURE(pattern);
    CHECK(format_date(d, pattern) == text);
    // Each of these is one the task writes.
    CHECK(std::find(date_formats().begin(), date_formats().end(), pattern) != date_formats().end());
  }
  CHECK(iso_date(d) == "1998-03-03");
  CHECK(format_date(d, "the {dth} of {Month}, {yyyy}", Casing::kTitle) == "The 3rd of March, 1998");
  CHECK(format_date(d, "{W}, the {dth} of {Month} {yyyy}", Casing::kTitle) == "Tuesday, the 3rd of March 1998");
  CHECK(format_date(d, "{W}, {d} {Month} {yyyy}", Casing::kUpper) == "TUESDAY, 3 MARCH 1998");
  CHECK(format_date(d, "{m}/{d}/{yy}", Casing::kUpper) == "3/3/98");
  // AP style shortens only some months, September to four letters.
  CHECK(format_date(1990y / 9 / 5, "{Map} {d}, {yyyy}", Casing::kTitle) == "Sept. 5, 1990");
  CHECK(format_date(1990y / 7 / 5, "{Map} {d}, {yyyy}") == "july 5, 1990");
  CHECK(format_date(1990y / 8 / 5, "{Map} {d}, {yyyy}") == "aug. 5, 1990");
}

TEST_CASE("data: dates cover one- and two-digit days with and without a comma, with any weekday prefix") {
  // The forms a model trained on the first generator got wrong ("july 1 1952" -> 1952-07-11):
  // every day style, month style and year style, with and without the comma before the year.
  const std::vector<std::string>& formats = date_formats();
  const auto has = [&](const std::string& p) { return std::find(formats.begin(), formats.end(), p) != formats.end(); };
  for (const std::string d : {"{d}", "{dd}", "{dth}"}) {
    for (const std::string m : {"{Month}", "{Mon}", "{Mon}.", "{Map}"}) {
      for (const std::string y : {"{yyyy}", "{yy}", "'{yy}"}) {
        for (const std::string sep : {" ", ", "}) {
          CHECK(has(d + " " + m + sep + y));
          CHECK(has(m + " " + d + sep + y));
          CHECK(has("{W} " + d + " " + m + sep + y));
          CHECK(has("{Wa}, " + m + " " + d + sep + y));
        }
      }
    }
  }
  CHECK(has("{W} {d} {Month} {yyyy}"));   // wednesday 2 january 1985
  CHECK(has("{W}, the {dth} of {Month} {yyyy}"));
  CHECK_FALSE(has("{W} {m}/{d}/{yy}"));   // no weekday before numbers
  CHECK_FALSE(has("{d}/{m}/{yyyy}"));     // day-first slashes would read as month-first ones
  // No pattern twice.
  std::set<std::string> distinct(formats.begin(), formats.end());
  CHECK(distinct.size() == formats.size());
  MESSAGE("dates: " << formats.size() << " patterns");
}

TEST_CASE("data: dates use the real weekday, month-first slashes, day-first dots") {
  CHECK(format_date(2000y / 1 / 1, "{W}, {d} {Month} {yyyy}") == "saturday, 1 january 2000");
  CHECK(format_date(1969y / 7 / 20, "{W}, {Month} {d}, {yyyy}") == "sunday, july 20, 1969");
  CHECK(format_date(2049y / 12 / 31, "{Wa}, {Mon} {d}, {yyyy}") == "fri, dec 31, 2049");
  CHECK(format_date(2024y / 2 / 29, "{W} {Month} {d} {yyyy}") == "thursday february 29 2024");
  CHECK(format_date(2007y / 11 / 21, "{m}/{d}/{yy}") == "11/21/07");
  CHECK(format_date(2007y / 11 / 21, "{mm}/{dd}/{yyyy}") == "11/21/2007");
  CHECK(format_date(2007y / 11 / 21, "{d}.{m}.{yy}") == "21.11.07");
  CHECK(format_date(2007y / 11 / 21, "{dd}.{mm}.{yyyy}") == "21.11.2007");
  CHECK(format_date(2007y / 1 / 2, "{yyyy}/{m}/{d}") == "2007/1/2");
  // Two-digit years: 50-99 are 19xx, 00-49 are 20xx.
  CHECK(format_date(1950y / 1 / 1, "{m}/{d}/{yy}") == "1/1/50");
  CHECK(format_date(2049y / 12 / 31, "{d} {Mon} {yy}") == "31 dec 49");
  CHECK(format_date(2000y / 6 / 5, "{d}.{m}.{yy}") == "5.6.00");
  // Ordinals.
  for (auto [day, text] : std::vector<std::pair<unsigned, std::string>>{{1, "1st"},
                                                                        {2, "2nd"},
                                                                        {3, "3rd"},
                                                                        {4, "4th"},
                                                                        {11, "11th"},
                                                                        {12, "12th"},
                                                                        {13, "13th"},
                                                                        {21, "21st"},
                                                                        {22, "22nd"},
                                                                        {23, "23rd"},
                                                                        {31, "31st"}}) {
    CHECK(format_date(std::chrono::year_month_day{2001y / 1 / day}, "{Month} {dth}, {yyyy}") ==
          "january " + text + ", 2001");
  }
  CHECK(error_of<ValueError>([] { (void)format_date(1949y / 12 / 31, "{d}"); }) ==
        "format_date: date must be a valid day in 1950..2049; got 1949-12-31");
  CHECK(error_of<ValueError>([] { (void)format_date(2001y / 2 / 29, "{d}"); }) ==
        "format_date: date must be a valid day in 1950..2049; got 2001-02-29");
  CHECK(error_of<ValueError>([] { (void)format_date(2001y / 2 / 28, "{day}"); }) ==
        "format_date: unknown field; got {day}");
  CHECK(error_of<ValueError>([] { (void)format_date(2001y / 2 / 28, "{d} {Mon"); }) ==
        "format_date: a field must end with '}'; got '{d} {Mon'");
}

TEST_CASE("data: dates task: sizes, unique sources, every source means its target") {
  const Dataset& d = task("dates");
  CHECK(d.char_level);
  CHECK(d.train.size() == kDatesTrain);
  CHECK(d.valid.size() == kDatesValid);
  CHECK(d.test.size() == kDatesTest);
  check_disjoint(d);
  // Each of the first 300 test sources is its target's date in one of the patterns, in lower
  // case once lowered (every pattern tried: about 1,400 each).
  for (std::size_t i = 0; i < 300; ++i) {
    const Example& e = d.test[i];
    const int y = std::stoi(e.target.substr(0, 4));
    const unsigned m = static_cast<unsigned>(std::stoi(e.target.substr(5, 2)));
    const unsigned day = static_cast<unsigned>(std::stoi(e.target.substr(8, 2)));
    const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{day}};
    REQUIRE(iso_date(date) == e.target);
    std::string lower = e.source;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
    bool found = false;
    for (std::size_t f = 0; f < date_formats().size() && !found; ++f) found = format_date(date, date_formats()[f]) == lower;
    if (!found) FAIL(e.source << " -> " << e.target);
  }
  CHECK(make_task("dates", 1234).test == d.test);
}

TEST_CASE("data: dates task draws every family, weekdays, and all three casings") {
  const Dataset& d = task("dates");
  std::size_t slashes = 0, dots = 0, iso = 0, dashes = 0, ordinal_of = 0, weekday = 0, title = 0, upper = 0,
              no_comma_one_digit = 0;
  for (const Example& e : d.train) {
    const std::string& s = e.source;
    slashes += s.find('/') != std::string::npos;
    dots += s.find('.') != std::string::npos && s.find_first_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos;
    iso += s.size() == 10 && s[4] == '-' && s[7] == '-';
    dashes += s.find("-") != std::string::npos && s.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
    ordinal_of += s.find(" of ") != std::string::npos || s.find(" OF ") != std::string::npos;
    const std::string lower = [&] {
      std::string l = s;
      for (char& c : l) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      return l;
    }();
    for (const char* w : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
      if (lower.starts_with(w)) {
        ++weekday;
        break;
      }
    }
    title += s.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos &&
             s.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos;
    upper += s.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos &&
             s.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos;
    // "july 1 1952": a month name, a one-digit day, a space, a four-digit year.
    for (const std::string_view m : {"january ", "february ", "march ", "april ", "may ", "june ", "july ", "august ",
                                     "september ", "october ", "november ", "december "}) {
      const std::size_t at = lower.find(m);
      if (at == std::string::npos) continue;
      const std::string rest = lower.substr(at + m.size());
      no_comma_one_digit += rest.size() == 6 && rest[0] >= '1' && rest[0] <= '9' && rest[1] == ' ';
    }
  }
  const auto share = [&](std::size_t n) { return static_cast<double>(n) / static_cast<double>(d.train.size()); };
  MESSAGE("dates train: slashes " << share(slashes) << ", dots " << share(dots) << ", iso " << share(iso) << ", dashes "
                                  << share(dashes) << ", 'of' " << share(ordinal_of) << ", weekday " << share(weekday)
                                  << ", title " << share(title) << ", upper " << share(upper) << ", 'july 1 1952' "
                                  << no_comma_one_digit);
  // Expected shares from dates.h's weights, with room for sampling noise on 40,000 draws: slashes
  // 0.25 * 6/12, dots 0.25 * 4/12, iso 0.25 * 2/12, dashes 0.05, "of" 0.2, weekday 0.7 * 0.5,
  // title 0.25 and upper 0.15 of the 75% with words; "july 1 1952" about 0.25 * 1/72 * 9/30 *
  // 40,000 = 42, plus the AP months written in full.
  CHECK(share(slashes) > 0.10);
  CHECK(share(dots) > 0.06);
  CHECK(share(iso) > 0.02);
  CHECK(share(dashes) > 0.03);
  CHECK(share(ordinal_of) > 0.17);
  CHECK(share(weekday) > 0.3);
  CHECK(share(title) > 0.16);
  CHECK(share(upper) > 0.09);
  CHECK(no_comma_one_digit > 30);
}

// ---- reverse and copy ----------------------------------------------------------------------------

TEST_CASE("data: reverse and copy map 10 random digits to themselves") {
  for (const std::string name : {"reverse", "copy"}) {
    CAPTURE(name);
    const Dataset& d = task(name);
    CHECK(d.char_level);
    CHECK(d.train.size() == 20'000);
    CHECK(d.valid.size() == 1'000);
    CHECK(d.test.size() == 1'000);
    check_disjoint(d);
    for (const auto* split : {&d.train, &d.valid, &d.test}) {
      for (const Example& e : *split) {
        std::string expected = e.source;
        if (name == "reverse") std::reverse(expected.begin(), expected.end());
        const bool digits = std::all_of(e.source.begin(), e.source.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (e.source.size() != 10 || !digits || e.target != expected) FAIL(e.source << " -> " << e.target);
      }
    }
  }
  CHECK(make_task("reverse", 1234).train == task("reverse").train);
}

// ---- reading files -------------------------------------------------------------------------------

TEST_CASE("data: parse_examples reads tab-separated pairs") {
  const std::vector<Example> e =
      parse_examples("我爱学习编程\ti love learning programming\n\n  \n你好\thello\r\n", "x.tsv");
  CHECK(e == std::vector<Example>{{"我爱学习编程", "i love learning programming"}, {"你好", "hello"}});
  // Spaces inside a field are kept; a line starting "IN: " is still TSV when others are not SCAN.
  CHECK(parse_examples("IN: a\tb c\n", "x") == std::vector<Example>{{"IN: a", "b c"}});
  CHECK(parse_examples("a\tb", "x").size() == 1);  // no final line feed
  CHECK(parse_examples("\xEF\xBB\xBF"
                       "a\tb\n",
                       "x") == std::vector<Example>{{"a", "b"}});  // byte order mark
}

TEST_CASE("data: parse_examples reads SCAN's IN/OUT lines") {
  const std::vector<Example> e =
      parse_examples("IN: jump OUT: I_JUMP\r\nIN: walk after run  OUT: I_RUN I_WALK \n\n", "tasks.txt");
  CHECK(e == std::vector<Example>{{"jump", "I_JUMP"}, {"walk after run", "I_RUN I_WALK"}});
}

TEST_CASE("data: parse_examples reports each malformed input with its line") {
  const auto error = [](std::string_view text) {
    return error_of<FormatError>([&] { (void)parse_examples(text, "data.tsv"); });
  };
  std::string sixteen;
  for (int i = 0; i < 16; ++i) sixteen += "a\tb\n";
  CHECK(error(sixteen + "a\tb\tc\n") == "read_examples: data.tsv:17: expected 'source<TAB>target'; got 3 fields");
  CHECK(error("a\tb\nno tab\n") == "read_examples: data.tsv:2: expected 'source<TAB>target'; got 1 fields");
  CHECK(error("a\tb\n\tb\n") == "read_examples: data.tsv:2: the source must not be empty; got '\\tb'");
  CHECK(error("a\tb\nc\t  \n") == "read_examples: data.tsv:2: the target must not be empty; got 'c\\t  '");
  CHECK(error("a\tb\nc\xff\td\n") == "read_examples: data.tsv:2: text must be valid UTF-8; got byte 0xff at column 2");
  CHECK(error("a\tb\n" + std::string(10'001, 'x')) ==
        "read_examples: data.tsv:2: lines must be at most 10000 bytes; got 10001");
  CHECK(error("") == "read_examples: data.tsv: no examples; got an empty file");
  CHECK(error("\n  \r\n") == "read_examples: data.tsv: no examples; got only blank lines");
  CHECK(error("IN:  OUT: I_JUMP\n") ==
        "read_examples: data.tsv:1: the command after 'IN: ' must not be empty; got 'IN:  OUT: I_JUMP'");
  CHECK(error("IN: OUT: I_JUMP\n") ==
        "read_examples: data.tsv:1: the command after 'IN: ' must not be empty; got 'IN: OUT: I_JUMP'");
  CHECK(error("IN: jump OUT: \n") ==
        "read_examples: data.tsv:1: the actions after ' OUT: ' must not be empty; got 'IN: jump OUT: '");
  // One line that is not SCAN makes the file TSV, and the SCAN lines are then malformed.
  CHECK(error("IN: jump OUT: I_JUMP\nwalk\tI_WALK\n") ==
        "read_examples: data.tsv:1: expected 'source<TAB>target'; got 1 fields");
}

TEST_CASE("data: read_examples names a file it cannot read") {
  CHECK(error_of<FormatError>([] { (void)read_examples("/nonexistent/data.tsv"); }) ==
        "read_examples: /nonexistent/data.tsv: cannot open file: No such file or directory");
  const std::string dir = corpus_dir().string();
  CHECK(error_of<FormatError>([&] { (void)read_examples(dir); }) ==
        "read_examples: " + dir + ": cannot open file: it is a directory");
}

TEST_CASE("data: the data seed corpus reads or fails as its file name says") {
  int valid = 0, bad = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir())) {
    const std::string path = entry.path().string(), name = entry.path().filename().string();
    CAPTURE(name);
    if (name.starts_with("valid_")) {
      CHECK_FALSE(read_examples(path).empty());
      ++valid;
    } else {
      const std::string message = error_of<FormatError>([&] { (void)read_examples(path); });
      CHECK(message.starts_with("read_examples: " + path + ":"));
      ++bad;
    }
  }
  CHECK(valid >= 3);
  CHECK(bad >= 10);
  CHECK(read_examples((corpus_dir() / "valid_scan.txt").string()).at(2) == Example{"walk after run", "I_RUN I_WALK"});
  CHECK(read_examples((corpus_dir() / "valid_crlf.tsv").string()).at(1) == Example{"3/3/98", "1998-03-03"});
  CHECK(read_examples((corpus_dir() / "valid_tsv.tsv").string()).size() == 3);
}
