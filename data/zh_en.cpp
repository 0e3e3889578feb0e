// The zh-en grammar: the bilingual lexicon as tables, render_zh_en (where the word-order rules of
// the two languages sit side by side), and the sampler that draws clauses from it.
// The lexicon is built so the unsegmented Chinese has one reading: no word is a prefix of a word
// that could stand in the same slot followed by something the grammar allows.
#include <focus/data/zh_en.h>

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>

#include <focus/data/example_set.h>
#include <focus/tensor/error.h>
#include <focus/tensor/random.h>

namespace focus::data {

namespace {

// ---- lexicon -----------------------------------------------------------------------------------

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

// clang-format off
constexpr std::array kNouns = {
    // people
    Noun{"朋友", "friend", "friends", "个", "", kPerson},
    Noun{"老师", "teacher", "teachers", "个", "", kPerson | kRole},
    Noun{"学生", "student", "students", "个", "", kPerson | kRole},
    Noun{"医生", "doctor", "doctors", "个", "", kPerson | kRole},
    Noun{"老板", "boss", "bosses", "个", "", kPerson | kRole},
    Noun{"邻居", "neighbor", "neighbors", "个", "", kPerson | kRole},
    Noun{"妈妈", "mother", "mothers", "个", "", kPerson},
    Noun{"爸爸", "father", "fathers", "个", "", kPerson},
    Noun{"哥哥", "older brother", "older brothers", "个", "", kPerson},
    Noun{"姐姐", "older sister", "older sisters", "个", "", kPerson},
    Noun{"弟弟", "younger brother", "younger brothers", "个", "", kPerson},
    Noun{"妹妹", "younger sister", "younger sisters", "个", "", kPerson},
    Noun{"同学", "classmate", "classmates", "个", "", kPerson},
    Noun{"同事", "colleague", "colleagues", "个", "", kPerson},
    Noun{"孩子", "child", "children", "个", "", kPerson},
    Noun{"儿子", "son", "sons", "个", "", kPerson},
    Noun{"女儿", "daughter", "daughters", "个", "", kPerson},
    Noun{"奶奶", "grandmother", "grandmothers", "个", "", kPerson},
    Noun{"爷爷", "grandfather", "grandfathers", "个", "", kPerson},
    // animals
    Noun{"猫", "cat", "cats", "只", "", kAnimal},
    Noun{"狗", "dog", "dogs", "只", "", kAnimal | kWashable},
    Noun{"鸟", "bird", "birds", "只", "", kAnimal},
    Noun{"鱼", "fish", "fish", "条", "", kAnimal | kFood},
    Noun{"马", "horse", "horses", "匹", "", kAnimal},
    Noun{"兔子", "rabbit", "rabbits", "只", "", kAnimal},
    Noun{"熊猫", "panda", "pandas", "只", "", kAnimal},
    Noun{"老虎", "tiger", "tigers", "只", "", kAnimal},
    Noun{"猴子", "monkey", "monkeys", "只", "", kAnimal},
    Noun{"鸭子", "duck", "ducks", "只", "", kAnimal},
    // food
    Noun{"苹果", "apple", "apples", "个", "", kFood},
    Noun{"香蕉", "banana", "bananas", "根", "", kFood},
    Noun{"橙子", "orange", "oranges", "个", "", kFood},
    Noun{"鸡蛋", "egg", "eggs", "个", "", kFood},
    Noun{"西瓜", "watermelon", "watermelons", "个", "", kFood},
    Noun{"饺子", "dumpling", "dumplings", "个", "", kFood | kDish},
    Noun{"包子", "bun", "buns", "个", "", kFood | kDish},
    Noun{"汉堡", "hamburger", "hamburgers", "个", "", kFood},
    Noun{"饼干", "cookie", "cookies", "块", "", kFood | kDish},
    Noun{"葡萄", "grape", "grapes", "", "", kFood},
    Noun{"面包", "bread", "", "块", "piece", kFood | kDish},
    Noun{"米饭", "rice", "", "碗", "bowl", kFood},
    Noun{"面条", "noodles", "", "碗", "bowl", kFood | kDish},
    Noun{"蛋糕", "cake", "", "块", "piece", kFood | kDish},
    Noun{"巧克力", "chocolate", "", "块", "piece", kFood},
    Noun{"披萨", "pizza", "", "块", "slice", kFood | kDish},
    Noun{"冰淇淋", "ice cream", "", "", "", kFood},
    Noun{"鸡肉", "chicken", "", "", "", kFood},
    Noun{"牛肉", "beef", "", "", "", kFood},
    Noun{"水果", "fruit", "", "", "", kFood},
    Noun{"蔬菜", "vegetables", "", "", "", kFood},
    // drinks
    Noun{"茶", "tea", "", "杯", "cup", kDrink},
    Noun{"咖啡", "coffee", "", "杯", "cup", kDrink},
    Noun{"水", "water", "", "杯", "glass", kDrink},
    Noun{"牛奶", "milk", "", "杯", "glass", kDrink},
    Noun{"果汁", "juice", "", "杯", "glass", kDrink},
    Noun{"啤酒", "beer", "", "瓶", "bottle", kDrink},
    Noun{"可乐", "cola", "", "瓶", "bottle", kDrink},
    Noun{"汤", "soup", "", "碗", "bowl", kDrink},
    // things
    Noun{"书", "book", "books", "本", "", kThing | kReading},
    Noun{"小说", "novel", "novels", "本", "", kThing | kReading},
    Noun{"杂志", "magazine", "magazines", "本", "", kThing | kReading},
    Noun{"词典", "dictionary", "dictionaries", "本", "", kThing},
    Noun{"报纸", "newspaper", "newspapers", "份", "", kThing | kReading},
    Noun{"信", "letter", "letters", "封", "", kThing | kReading | kWritten},
    Noun{"电脑", "computer", "computers", "台", "", kThing | kDevice},
    Noun{"手机", "phone", "phones", "部", "", kThing | kDevice},
    Noun{"手表", "watch", "watches", "块", "", kThing | kDevice},
    Noun{"车", "car", "cars", "辆", "", kThing | kVehicle | kWashable},
    Noun{"自行车", "bike", "bikes", "辆", "", kThing | kVehicle | kWashable},
    Noun{"衬衫", "shirt", "shirts", "件", "", kThing | kWashable},
    Noun{"裙子", "skirt", "skirts", "条", "", kThing | kWashable},
    Noun{"鞋", "shoes", "", "双", "pair", kThing | kWashable},
    Noun{"帽子", "hat", "hats", "顶", "", kThing},
    Noun{"伞", "umbrella", "umbrellas", "把", "", kThing},
    Noun{"花", "flower", "flowers", "朵", "", kThing},
    Noun{"笔", "pen", "pens", "支", "", kThing | kDevice},
    Noun{"铅笔", "pencil", "pencils", "支", "", kThing | kDevice},
    Noun{"桌子", "table", "tables", "张", "", kThing | kWashable},
    Noun{"椅子", "chair", "chairs", "把", "", kThing},
    Noun{"票", "ticket", "tickets", "张", "", kThing},
    Noun{"照片", "photo", "photos", "张", "", kThing},
    Noun{"礼物", "gift", "gifts", "个", "", kThing},
    Noun{"房子", "house", "houses", "套", "", kThing},
    Noun{"包", "bag", "bags", "个", "", kThing},
    Noun{"钥匙", "key", "keys", "把", "", kThing},
    Noun{"杯子", "cup", "cups", "个", "", kThing | kWashable},
    Noun{"钱", "money", "", "", "", kThing},
    // what one studies, watches, hears, writes
    Noun{"中文", "chinese", "", "", "", kField | kLanguage},
    Noun{"英文", "english", "", "", "", kField | kLanguage},
    Noun{"法语", "french", "", "", "", kField | kLanguage},
    Noun{"日语", "japanese", "", "", "", kField | kLanguage},
    Noun{"德语", "german", "", "", "", kField | kLanguage},
    Noun{"西班牙语", "spanish", "", "", "", kField | kLanguage},
    Noun{"数学", "math", "", "", "", kField},
    Noun{"历史", "history", "", "", "", kField},
    Noun{"音乐", "music", "", "", "", kField | kAudio},
    Noun{"编程", "programming", "", "", "", kField},
    Noun{"物理", "physics", "", "", "", kField},
    Noun{"化学", "chemistry", "", "", "", kField},
    Noun{"艺术", "art", "", "", "", kField},
    Noun{"经济", "economics", "", "", "", kField},
    Noun{"地理", "geography", "", "", "", kField},
    Noun{"生物", "biology", "", "", "", kField},
    Noun{"文学", "literature", "", "", "", kField},
    Noun{"电影", "movie", "movies", "部", "", kShow},
    Noun{"电视", "tv", "", "", "", kShow},
    Noun{"比赛", "game", "games", "场", "", kShow},
    Noun{"节目", "show", "shows", "个", "", kShow},
    Noun{"新闻", "the news", "", "", "", kShow | kAudio},
    Noun{"广播", "the radio", "", "", "", kAudio},
    Noun{"歌", "song", "songs", "首", "", kAudio},
    Noun{"诗", "poem", "poems", "首", "", kReading | kWritten},
    Noun{"故事", "story", "stories", "个", "", kReading | kWritten},
    Noun{"汉字", "chinese character", "chinese characters", "个", "", kWritten},
};
// clang-format on

// "you" takes the plural verb forms (you are, you like), so it shares kPlural.
enum class Agreement { kI, kThirdSingular, kPlural };

struct Pronoun {
  std::string_view zh, subject, object, possessive;
  Agreement agreement;
  int person;  // 1 and 2 for first and second person (我 and 我们 never act on each other), else 0
};

constexpr std::array kPronouns = {
    Pronoun{"我", "i", "me", "my", Agreement::kI, 1},
    Pronoun{"你", "you", "you", "your", Agreement::kPlural, 2},
    Pronoun{"他", "he", "him", "his", Agreement::kThirdSingular, 0},
    Pronoun{"她", "she", "her", "her", Agreement::kThirdSingular, 0},
    Pronoun{"我们", "we", "us", "our", Agreement::kPlural, 1},
    Pronoun{"你们", "you", "you", "your", Agreement::kPlural, 2},
    Pronoun{"他们", "they", "them", "their", Agreement::kPlural, 0},
    Pronoun{"她们", "they", "them", "their", Agreement::kPlural, 0},
};

struct Number {
  std::string_view zh, en;  // en of 一 is the article, chosen by the next word
  int value;
};

constexpr std::array kNumbers = {
    Number{"一", "a", 1},    Number{"两", "two", 2},  Number{"三", "three", 3}, Number{"四", "four", 4},
    Number{"五", "five", 5}, Number{"六", "six", 6},  Number{"七", "seven", 7}, Number{"八", "eight", 8},
    Number{"九", "nine", 9}, Number{"十", "ten", 10},
};

enum class Tense { kPresent, kPast, kFuture };

struct Time {
  std::string_view zh, en;
  Tense tense;
  bool habitual;  // "every day": not negated (我每天不学习 would read "i do not study every day")
};

constexpr std::array kTimes = {
    Time{"今天", "today", Tense::kPresent, false},
    Time{"现在", "now", Tense::kPresent, false},
    Time{"早上", "in the morning", Tense::kPresent, false},
    Time{"下午", "in the afternoon", Tense::kPresent, false},
    Time{"晚上", "in the evening", Tense::kPresent, false},
    Time{"每天", "every day", Tense::kPresent, true},
    Time{"每天早上", "every morning", Tense::kPresent, true},
    Time{"每天晚上", "every evening", Tense::kPresent, true},
    Time{"每个周末", "every weekend", Tense::kPresent, true},
    Time{"周末", "on weekends", Tense::kPresent, true},
    Time{"昨天", "yesterday", Tense::kPast, false},
    Time{"昨天早上", "yesterday morning", Tense::kPast, false},
    Time{"昨天晚上", "last night", Tense::kPast, false},
    Time{"前天", "the day before yesterday", Tense::kPast, false},
    Time{"上个星期", "last week", Tense::kPast, false},
    Time{"上个月", "last month", Tense::kPast, false},
    Time{"去年", "last year", Tense::kPast, false},
    Time{"明天", "tomorrow", Tense::kFuture, false},
    Time{"明天早上", "tomorrow morning", Tense::kFuture, false},
    Time{"明天晚上", "tomorrow evening", Tense::kFuture, false},
    Time{"今天晚上", "tonight", Tense::kFuture, false},
    Time{"后天", "the day after tomorrow", Tense::kFuture, false},
    Time{"下个星期", "next week", Tense::kFuture, false},
    Time{"下个月", "next month", Tense::kFuture, false},
    Time{"明年", "next year", Tense::kFuture, false},
};

struct Place {
  std::string_view zh, at, to;  // 在P -> at; 去P -> to (empty: one does not say 去P)
};

constexpr std::array kPlaces = {
    Place{"学校", "at school", "to school"},
    Place{"家", "at home", ""},
    Place{"公园", "in the park", "to the park"},
    Place{"图书馆", "in the library", "to the library"},
    Place{"北京", "in beijing", "to beijing"},
    Place{"上海", "in shanghai", "to shanghai"},
    Place{"中国", "in china", "to china"},
    Place{"美国", "in america", "to america"},
    Place{"办公室", "at the office", "to the office"},
    Place{"饭馆", "at the restaurant", "to the restaurant"},
    Place{"超市", "at the supermarket", "to the supermarket"},
    Place{"医院", "at the hospital", "to the hospital"},
    Place{"商店", "at the shop", "to the shop"},
    Place{"教室", "in the classroom", "to the classroom"},
    Place{"厨房", "in the kitchen", "to the kitchen"},
    Place{"咖啡馆", "at the cafe", "to the cafe"},
    Place{"机场", "at the airport", "to the airport"},
    Place{"火车站", "at the train station", "to the train station"},
    Place{"电影院", "at the cinema", "to the cinema"},
    Place{"银行", "at the bank", "to the bank"},
    Place{"大学", "at the university", "to the university"},
    Place{"海边", "at the beach", "to the beach"},
};

struct Transport {
  std::string_view zh, en;
};

constexpr std::array kTransports = {
    Transport{"坐公共汽车", "by bus"}, Transport{"坐火车", "by train"},  Transport{"坐飞机", "by plane"},
    Transport{"坐地铁", "by subway"},  Transport{"坐出租车", "by taxi"}, Transport{"坐船", "by boat"},
    Transport{"骑自行车", "by bike"},  Transport{"开车", "by car"},      Transport{"走路", "on foot"},
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

// clang-format off
constexpr std::array kVerbs = {
    // transitive
    Verb{"学习", VerbKind::kTransitive, "study", "studies", "studied", "learning", kField, true},
    Verb{"教", VerbKind::kTransitive, "teach", "teaches", "taught", "teaching", kField},
    Verb{"说", VerbKind::kTransitive, "speak", "speaks", "spoke", "speaking", kLanguage, false, kPerson, true},
    Verb{"吃", VerbKind::kTransitive, "eat", "eats", "ate", "eating", kFood, false, kPerson | kAnimal},
    Verb{"喝", VerbKind::kTransitive, "drink", "drinks", "drank", "drinking", kDrink, false, kPerson | kAnimal},
    Verb{"看", VerbKind::kTransitive, "read", "reads", "read", "reading", kReading},
    Verb{"看", VerbKind::kTransitive, "watch", "watches", "watched", "watching", kShow},
    Verb{"读", VerbKind::kTransitive, "read", "reads", "read", "reading", kReading},
    Verb{"写", VerbKind::kTransitive, "write", "writes", "wrote", "writing", kWritten, false, kPerson, true},
    Verb{"听", VerbKind::kTransitive, "listen to", "listens to", "listened to", "listening to", kAudio},
    Verb{"买", VerbKind::kTransitive, "buy", "buys", "bought", "buying", kFood | kDrink | kThing | kAnimal},
    Verb{"卖", VerbKind::kTransitive, "sell", "sells", "sold", "selling", kFood | kDrink | kThing},
    Verb{"找", VerbKind::kTransitive, "look for", "looks for", "looked for", "looking for", kThing | kAnimal | kPerson},
    Verb{"帮助", VerbKind::kTransitive, "help", "helps", "helped", "helping", kPerson},
    Verb{"等", VerbKind::kTransitive, "wait for", "waits for", "waited for", "waiting for", kPerson},
    Verb{"见", VerbKind::kTransitive, "meet", "meets", "met", "meeting", kPerson},
    Verb{"问", VerbKind::kTransitive, "ask", "asks", "asked", "asking", kPerson},
    Verb{"照顾", VerbKind::kTransitive, "take care of", "takes care of", "took care of", "taking care of", kPerson | kAnimal},
    Verb{"喂", VerbKind::kTransitive, "feed", "feeds", "fed", "feeding", kAnimal},
    Verb{"画", VerbKind::kTransitive, "draw", "draws", "drew", "drawing", kAnimal | kThing, false, kPerson, true},
    Verb{"洗", VerbKind::kTransitive, "wash", "washes", "washed", "washing", kWashable},
    Verb{"用", VerbKind::kTransitive, "use", "uses", "used", "using", kDevice},
    Verb{"修", VerbKind::kTransitive, "fix", "fixes", "fixed", "fixing", kDevice | kVehicle, false, kPerson, true},
    Verb{"做", VerbKind::kTransitive, "make", "makes", "made", "making", kDish, false, kPerson, true},
    // activities: a Chinese verb-object compound, one English verb phrase
    Verb{"游泳", VerbKind::kActivity, "swim", "swims", "swam", "swimming", 0, false, kPerson | kAnimal, true},
    Verb{"跑步", VerbKind::kActivity, "run", "runs", "ran", "running", 0, false, kPerson | kAnimal},
    Verb{"唱歌", VerbKind::kActivity, "sing", "sings", "sang", "singing", 0, false, kPerson, true},
    Verb{"跳舞", VerbKind::kActivity, "dance", "dances", "danced", "dancing", 0, false, kPerson, true},
    Verb{"做饭", VerbKind::kActivity, "cook", "cooks", "cooked", "cooking", 0, false, kPerson, true},
    Verb{"睡觉", VerbKind::kActivity, "sleep", "sleeps", "slept", "sleeping", 0, false, kPerson | kAnimal},
    Verb{"工作", VerbKind::kActivity, "work", "works", "worked", "working"},
    Verb{"休息", VerbKind::kActivity, "rest", "rests", "rested", "resting"},
    Verb{"散步", VerbKind::kActivity, "take a walk", "takes a walk", "took a walk", "taking a walk"},
    Verb{"画画", VerbKind::kActivity, "draw", "draws", "drew", "drawing", 0, false, kPerson, true},
    Verb{"打篮球", VerbKind::kActivity, "play basketball", "plays basketball", "played basketball", "playing basketball", 0, false, kPerson, true},
    Verb{"踢足球", VerbKind::kActivity, "play football", "plays football", "played football", "playing football", 0, false, kPerson, true},
    Verb{"打网球", VerbKind::kActivity, "play tennis", "plays tennis", "played tennis", "playing tennis", 0, false, kPerson, true},
    Verb{"弹钢琴", VerbKind::kActivity, "play the piano", "plays the piano", "played the piano", "playing the piano", 0, false, kPerson, true},
    Verb{"弹吉他", VerbKind::kActivity, "play the guitar", "plays the guitar", "played the guitar", "playing the guitar", 0, false, kPerson, true},
    Verb{"上网", VerbKind::kActivity, "go online", "goes online", "went online", "going online"},
    Verb{"购物", VerbKind::kActivity, "go shopping", "goes shopping", "went shopping", "going shopping"},
    Verb{"钓鱼", VerbKind::kActivity, "go fishing", "goes fishing", "went fishing", "going fishing"},
    Verb{"爬山", VerbKind::kActivity, "climb mountains", "climbs mountains", "climbed mountains", "climbing mountains"},
    Verb{"做作业", VerbKind::kActivity, "do homework", "does homework", "did homework", "doing homework"},
    Verb{"起床", VerbKind::kActivity, "get up", "gets up", "got up", "getting up"},
    Verb{"洗澡", VerbKind::kActivity, "take a shower", "takes a shower", "took a shower", "taking a shower"},
    Verb{"开会", VerbKind::kActivity, "have a meeting", "has a meeting", "had a meeting", "having a meeting"},
    // motion: 去 / 来 take a destination, 回家 is one
    Verb{"去", VerbKind::kMotion, "go", "goes", "went", "going"},
    Verb{"来", VerbKind::kMotion, "come", "comes", "came", "coming"},
    Verb{"回家", VerbKind::kMotion, "go home", "goes home", "went home", "going home"},
    // states
    Verb{"喜欢", VerbKind::kState, "like", "likes", "", "", kConcrete | kField | kReading | kShow | kAudio, false, kPerson | kAnimal},
    Verb{"爱", VerbKind::kState, "love", "loves", "", "", kPerson | kAnimal | kFood | kDrink | kField, false, kPerson | kAnimal},
    Verb{"认识", VerbKind::kState, "know", "knows", "", "", kPerson},
    Verb{"想念", VerbKind::kState, "miss", "misses", "", "", kPerson | kAnimal},
    Verb{"有", VerbKind::kState, "have", "has", "", "", kPerson | kAnimal | kThing | kFood, false, kPerson, false, kPerson},
    Verb{"要", VerbKind::kState, "want", "wants", "", "", kFood | kDrink | kThing},
};
// clang-format on

// Verbs that take a verb phrase: 我爱学习编程, 我想去北京, 我会游泳.
enum class Complement { kGerund, kInfinitive, kModal };

struct Catenative {
  std::string_view zh, base, third;
  Complement complement;
};

// clang-format off
constexpr std::array kCatenatives = {
    Catenative{"喜欢", "like", "likes", Complement::kGerund},
    Catenative{"爱", "love", "loves", Complement::kGerund},
    Catenative{"想", "want", "wants", Complement::kInfinitive},
    Catenative{"会", "can", "can", Complement::kModal},  // only skills follow 会
};
// clang-format on

struct Adjective {
  std::string_view zh, en;
  unsigned subjects;
  bool passing;  // a state that comes and goes (busy, hungry) takes a time; a lasting one (tall) does not
};

constexpr std::array kAdjectives = {
    Adjective{"忙", "busy", kPerson, true},
    Adjective{"累", "tired", kPerson | kAnimal, true},
    Adjective{"饿", "hungry", kPerson | kAnimal, true},
    Adjective{"渴", "thirsty", kPerson | kAnimal, true},
    Adjective{"高兴", "happy", kPerson | kAnimal, true},
    Adjective{"难过", "sad", kPerson, true},
    Adjective{"生气", "angry", kPerson, true},
    Adjective{"紧张", "nervous", kPerson, true},
    Adjective{"高", "tall", kPerson, false},
    Adjective{"年轻", "young", kPerson, false},
    Adjective{"聪明", "smart", kPerson | kAnimal, false},
    Adjective{"冷", "cold", kPerson | kDrink, true},
    Adjective{"热", "hot", kPerson | kDrink, true},
    Adjective{"无聊", "bored", kPerson, true},
    Adjective{"无聊", "boring", kReading | kShow, false},
    Adjective{"好看", "good", kReading | kShow, false},
    Adjective{"漂亮", "beautiful", kPerson | kThing, false},
    Adjective{"可爱", "cute", kPerson | kAnimal, false},
    Adjective{"胖", "fat", kAnimal, false},
    Adjective{"瘦", "thin", kPerson | kAnimal, false},
    Adjective{"贵", "expensive", kThing | kFood | kDrink, false},
    Adjective{"便宜", "cheap", kThing | kFood | kDrink, false},
    Adjective{"好吃", "delicious", kFood, false},
    Adjective{"好喝", "good", kDrink, false},
    Adjective{"甜", "sweet", kFood | kDrink, false},
    Adjective{"辣", "spicy", kFood, false},
    Adjective{"新", "new", kThing, false},
    Adjective{"旧", "old", kThing, false},
    Adjective{"大", "big", kThing | kAnimal, false},
    Adjective{"小", "small", kThing | kAnimal, false},
    Adjective{"干净", "clean", kThing, true},
    Adjective{"脏", "dirty", kThing | kAnimal, true},
};

// ---- small helpers -----------------------------------------------------------------------------

[[noreturn]] void bad_clause(const std::string& rule, std::string_view got) {
  throw ValueError("render_zh_en: " + rule + "; got '" + std::string(got) + "'");
}

// The words joined by single spaces, empty ones left out.
std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (w.empty()) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string_view article(std::string_view next_word) {
  return std::string_view("aeiou").find(next_word.front()) != std::string_view::npos ? "an" : "a";
}

std::string plural_of(std::string_view container) {
  return std::string(container) + (container.back() == 's' ? "es" : "s");  // glass -> glasses
}

template <class Table>
auto find_zh(const Table& table, std::string_view zh) -> const typename Table::value_type* {
  const auto it = std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.zh == zh; });
  return it == table.end() ? nullptr : &*it;
}

// ---- noun phrases ------------------------------------------------------------------------------

struct NounPhrase {
  enum Form { kPronoun, kBare, kPossessive, kDemonstrative, kCounted } form;
  std::string subject_en, object_en;  // "i" / "me"; the same for every other form
  Agreement agreement;
  unsigned classes;
  int person = 0;       // of a pronoun, see Pronoun::person
  std::string_view zh;  // the pronoun's Chinese, to keep 我 from acting on 我
};

NounPhrase make_phrase(NounPhrase::Form form, std::string en, Agreement agreement, unsigned classes) {
  return {form, en, en, agreement, classes, 0, {}};
}

// 本书 (measure + noun) after 这/那/一/两 ...: the noun whose classifier it is.
const Noun* counted_noun(std::string_view rest) {
  for (const Noun& n : kNouns) {
    if (!n.measure.empty() && rest.size() == n.measure.size() + n.zh.size() && rest.starts_with(n.measure) &&
        rest.ends_with(n.zh)) {
      return &n;
    }
  }
  return nullptr;
}

// What a container holds or the noun itself: "cup of tea", "book".
std::string counted_singular(const Noun& n) {
  return n.container.empty() ? std::string(n.singular) : join({n.container, "of", n.singular});
}

// Reads a noun phrase: 我 | 老师 (a role) | 猫 (generic) | 我的猫 / 老师的书 | 这本书 / 那只猫 |
// 三本书 / 一杯茶.
std::optional<NounPhrase> parse_noun_phrase(std::string_view zh) {
  if (const Pronoun* p = find_zh(kPronouns, zh)) {
    return NounPhrase{
        NounPhrase::kPronoun, std::string(p->subject), std::string(p->object), p->agreement, kPerson, p->person, p->zh};
  }
  constexpr std::string_view kOf = "的";
  if (const std::size_t of = zh.find(kOf); of != std::string_view::npos) {
    const std::string_view owner = zh.substr(0, of), owned = zh.substr(of + kOf.size());
    const Noun* n = find_zh(kNouns, owned);
    if (n == nullptr || (n->classes & kConcrete) == 0) return std::nullopt;
    std::string possessive;
    if (const Pronoun* p = find_zh(kPronouns, owner)) {
      possessive = p->possessive;
    } else if (const Noun* o = find_zh(kNouns, owner); o != nullptr && (o->classes & kRole)) {
      possessive = join({"the", o->singular}) + "'s";
    } else {
      return std::nullopt;
    }
    return make_phrase(NounPhrase::kPossessive, join({possessive, n->singular}), Agreement::kThirdSingular, n->classes);
  }
  for (std::string_view demonstrative : {"这", "那"}) {
    if (!zh.starts_with(demonstrative)) continue;
    const Noun* n = counted_noun(zh.substr(demonstrative.size()));
    if (n == nullptr) return std::nullopt;
    const std::string_view en = demonstrative == "这" ? "this" : "that";
    return make_phrase(NounPhrase::kDemonstrative, join({en, counted_singular(*n)}), Agreement::kThirdSingular,
                       n->classes);
  }
  for (const Number& number : kNumbers) {
    if (!zh.starts_with(number.zh)) continue;
    const Noun* n = counted_noun(zh.substr(number.zh.size()));
    if (n == nullptr) return std::nullopt;
    if (number.value == 1) {
      const std::string what = counted_singular(*n);
      return make_phrase(NounPhrase::kCounted, join({article(what), what}), Agreement::kThirdSingular, n->classes);
    }
    const std::string what =
        n->container.empty() ? std::string(n->plural) : join({plural_of(n->container), "of", n->singular});
    return make_phrase(NounPhrase::kCounted, join({number.en, what}), Agreement::kPlural, n->classes);
  }
  const Noun* n = find_zh(kNouns, zh);
  if (n == nullptr) return std::nullopt;
  if (n->classes & kPerson) {
    // A bare person is definite, and only roles go bare: 老师 "the teacher", never 朋友.
    if ((n->classes & kRole) == 0) return std::nullopt;
    return make_phrase(NounPhrase::kBare, join({"the", n->singular}), Agreement::kThirdSingular, n->classes);
  }
  // Any other bare noun is generic: plural if counted (猫 cats), else as it is (茶 tea).
  if (n->plural.empty())
    return make_phrase(NounPhrase::kBare, std::string(n->singular), Agreement::kThirdSingular, n->classes);
  return make_phrase(NounPhrase::kBare, std::string(n->plural), Agreement::kPlural, n->classes);
}

NounPhrase noun_phrase(std::string_view zh, std::string_view role) {
  if (zh.empty()) bad_clause(std::string(role) + " must not be empty", zh);
  std::optional<NounPhrase> np = parse_noun_phrase(zh);
  if (!np) bad_clause(std::string(role) + " must be a noun phrase of the lexicon", zh);
  return *np;
}

// Two pronouns of the same person (我 ... 我, 我 ... 我们) would need a reflexive.
bool same_person(const NounPhrase& a, const NounPhrase& b) {
  return a.form == NounPhrase::kPronoun && b.form == NounPhrase::kPronoun &&
         (a.zh == b.zh || (a.person != 0 && a.person == b.person));
}

// ---- verbs -------------------------------------------------------------------------------------

// The English verb group: the auxiliary a question puts first, and the words after the subject.
struct VerbGroup {
  std::string front, rest;
};

// A lexical verb in a tense: "likes", "does not like", "does ... like"; "went", "did not go";
// "will go", "will not go".
VerbGroup conjugate(std::string_view base, std::string_view third, std::string_view past, Agreement agreement,
                    Tense tense, bool negated, bool question) {
  const bool singular = agreement == Agreement::kThirdSingular;
  // The auxiliary that carries the tense in questions and negations.
  const std::string_view aux = tense == Tense::kPast     ? "did"
                               : tense == Tense::kFuture ? "will"
                               : singular                ? "does"
                                                         : "do";
  if (question) return {std::string(aux), std::string(base)};
  if (negated) return {"", join({aux, "not", base})};
  if (tense == Tense::kFuture) return {"", join({aux, base})};
  if (tense == Tense::kPast) return {"", std::string(past)};
  return {"", std::string(singular ? third : base)};
}

// "am", "is not", "were", "will be": the copula of adjective sentences.
VerbGroup conjugate_be(Agreement agreement, Tense tense, bool negated, bool question) {
  std::string_view form = "will";
  if (tense == Tense::kPresent)
    form = agreement == Agreement::kI ? "am" : agreement == Agreement::kThirdSingular ? "is" : "are";
  if (tense == Tense::kPast) form = agreement == Agreement::kPlural ? "were" : "was";
  const std::string_view be = tense == Tense::kFuture ? "be" : "";
  if (question) return {std::string(form), std::string(be)};
  return {"", join({form, negated ? "not" : "", be})};
}

// The one verb entry for zh that takes this object (看 reads a book but watches a movie).
const Verb* find_verb(std::string_view zh, const std::optional<NounPhrase>& object) {
  const Verb* found = nullptr;
  for (const Verb& v : kVerbs) {
    if (v.zh != zh) continue;
    const bool fits = v.kind == VerbKind::kMotion ||
                      (object ? (object->classes & v.objects) != 0 : v.objects == 0 || v.object_optional);
    if (!fits) continue;
    if (found != nullptr) throw std::logic_error("render_zh_en: two verb entries fit " + std::string(zh));
    found = &v;
  }
  return found;
}

// A verb, its object and (for motion) destination, both languages, as a verb phrase after the
// subject: object_zh is the Chinese object or destination, object_en the English one.
struct VerbPhrase {
  const Verb* verb = nullptr;
  std::string object_zh, object_en;
  bool counted_object = false;
};

VerbPhrase verb_phrase(std::string_view verb_zh, std::string_view object_zh, const NounPhrase& subject) {
  std::optional<NounPhrase> object;
  const Place* destination = nullptr;
  if (!object_zh.empty()) {
    object = parse_noun_phrase(object_zh);
    destination = find_zh(kPlaces, object_zh);
  }
  VerbPhrase vp;
  vp.verb = find_verb(verb_zh, object);
  if (vp.verb == nullptr) {
    if (!object_zh.empty() && !object) bad_clause("the object must be a noun phrase of the lexicon", object_zh);
    bad_clause("the verb must be in the lexicon and fit its object", join({verb_zh, object_zh}));
  }
  const Verb& v = *vp.verb;
  if ((subject.classes & v.subjects) == 0) bad_clause("the subject must be able to do the verb", verb_zh);
  vp.object_zh = object_zh;
  if (v.kind == VerbKind::kMotion) {
    if (v.zh == "回家") {
      if (!object_zh.empty()) bad_clause("回家 takes no destination", object_zh);
    } else if (destination == nullptr || destination->to.empty()) {
      bad_clause("去 and 来 take a destination (去北京)", object_zh);
    } else {
      vp.object_en = destination->to;
    }
    return vp;
  }
  if (object) {
    if (same_person(subject, *object)) bad_clause("a pronoun object must differ from the subject", object_zh);
    if ((object->classes & v.counted_only) && object->form != NounPhrase::kCounted) {
      bad_clause("this verb takes people only with a number (有一个哥哥)", object_zh);
    }
    vp.object_en = object->object_en;
    vp.counted_object = object->form == NounPhrase::kCounted;
  }
  return vp;
}

// ---- clauses -----------------------------------------------------------------------------------

// 我很累 -> i am tired. Chinese: S T (很|非常|不) ADJ (吗). English: (be) S (be) (very|not) ADJ T (?).
Example render_adjective(const ZhEnClause& c, const NounPhrase& subject, const Time* time) {
  const Adjective* adjective = nullptr;
  for (const Adjective& a : kAdjectives) {
    if (a.zh == c.verb && (a.subjects & subject.classes)) adjective = &a;
  }
  if (adjective == nullptr) bad_clause("the adjective must fit the subject", c.verb);
  if (!c.object.empty() || !c.place.empty() || !c.companion.empty() || !c.transport.empty() || !c.inner_verb.empty()) {
    bad_clause("an adjective takes no object, place, companion, transport or verb", c.verb);
  }
  if (c.very && (c.negated || c.question)) bad_clause("非常 goes only in statements", c.verb);
  if (time && !adjective->passing) bad_clause("a lasting quality takes no time phrase", c.time + c.verb);
  const Tense tense = time ? time->tense : Tense::kPresent;
  // 很 is the plain link of a Chinese adjective statement; English leaves it out.
  const std::string_view degree = c.negated ? "不" : c.question ? "" : c.very ? "非常" : "很";
  const std::string source = c.subject + c.time + std::string(degree) + c.verb + (c.question ? "吗" : "");
  const VerbGroup be = conjugate_be(subject.agreement, tense, c.negated, c.question);
  const std::string tail = join({c.very ? "very" : "", adjective->en, time ? time->en : ""});
  if (c.question) return {source, join({be.front, subject.subject_en, be.rest, tail, "?"})};
  return {source, join({subject.subject_en, be.rest, tail})};
}

// 我爱学习编程 -> i love learning programming. Chinese: S (不) CAT (在P | X) V O (吗).
// English: (do|does|can) S (do not) CAT V-ing / to V / V  O  (by X) (at P) (?).
Example render_catenative(const ZhEnClause& c, const NounPhrase& subject) {
  const Catenative* cat = find_zh(kCatenatives, c.verb);
  if (cat == nullptr) bad_clause("only 喜欢, 爱, 想 and 会 take a verb phrase", c.verb);
  if (!c.time.empty() || !c.companion.empty())
    bad_clause("喜欢, 爱, 想 and 会 take no time or companion", c.time + c.companion);
  if ((subject.classes & kPerson) == 0) bad_clause("a verb phrase after 喜欢, 爱, 想, 会 needs a person", c.subject);
  const VerbPhrase vp = verb_phrase(c.inner_verb, c.object, subject);
  const Verb& v = *vp.verb;
  if (v.kind == VerbKind::kState) bad_clause("the inner verb must be an action", c.inner_verb);
  if (cat->complement == Complement::kModal && (!v.skill || !c.place.empty() || !c.transport.empty())) {
    bad_clause("会 takes a skill alone (会游泳, 会说中文)", c.inner_verb);
  }
  if (vp.counted_object && (cat->complement != Complement::kInfinitive || c.negated)) {
    bad_clause("a counted object goes only after 想 in a statement", c.object);
  }
  const Place* place = c.place.empty() ? nullptr : find_zh(kPlaces, c.place);
  const Transport* transport = c.transport.empty() ? nullptr : find_zh(kTransports, c.transport);
  if (!c.place.empty() && (place == nullptr || v.kind == VerbKind::kMotion))
    bad_clause("the place must be in the lexicon and not with 去", c.place);
  if (!c.transport.empty() && (transport == nullptr || v.kind != VerbKind::kMotion))
    bad_clause("a transport goes with 去, 来, 回家", c.transport);

  const std::string source = c.subject + (c.negated ? "不" : "") + c.verb + (place ? "在" + c.place : c.transport) +
                             c.inner_verb + c.object + (c.question ? "吗" : "");
  VerbGroup group;
  std::string inner;
  switch (cat->complement) {
    case Complement::kGerund:
      inner = v.ing;
      break;
    case Complement::kInfinitive:
      inner = join({"to", v.base});
      break;
    case Complement::kModal:
      inner = v.base;
      break;
  }
  if (cat->complement == Complement::kModal) {
    group = c.question ? VerbGroup{"can", ""} : VerbGroup{"", c.negated ? "cannot" : "can"};
  } else {
    group = conjugate(cat->base, cat->third, "", subject.agreement, Tense::kPresent, c.negated, c.question);
  }
  const std::string tail =
      join({group.rest, inner, vp.object_en, transport ? transport->en : "", place ? place->at : ""});
  if (c.question) return {source, join({group.front, subject.subject_en, tail, "?"})};
  return {source, join({subject.subject_en, tail})};
}

// 我喜欢猫 -> i like cats. Chinese: S (不 | 没 before 有) V O (吗). English: (do|does) S V O (?).
Example render_state(const ZhEnClause& c, const NounPhrase& subject, const VerbPhrase& vp) {
  const Verb& v = *vp.verb;
  if (!c.time.empty() || !c.place.empty() || !c.companion.empty() || !c.transport.empty()) {
    bad_clause("a state verb takes no time, place, companion or transport", c.verb);
  }
  if (c.object.empty()) bad_clause("a state verb needs an object", c.verb);
  if (vp.counted_object && c.negated) bad_clause("a counted object goes only in a statement or question", c.object);
  const std::string_view negation = !c.negated ? "" : v.zh == "有" ? "没" : "不";
  const std::string source = c.subject + std::string(negation) + c.verb + c.object + (c.question ? "吗" : "");
  const VerbGroup group = conjugate(v.base, v.third, v.past, subject.agreement, Tense::kPresent, c.negated, c.question);
  if (c.question) return {source, join({group.front, subject.subject_en, group.rest, vp.object_en, "?"})};
  return {source, join({subject.subject_en, group.rest, vp.object_en})};
}

// The main rule, where the two word orders differ most:
//   Chinese:  S  T  (不|没)  (和X一起)  (在P | transport)  V (了)  O  (了)  (吗)
//   English:  (do|does|did|will)  S  V  O  (with X)  (by transport)  (at P)  T  (?)
// 了 marks a past statement or question: right after the verb when an object follows (我昨天吃了
// 苹果), at the end otherwise (我昨天游泳了). A past negation uses 没 and no 了.
Example render_action(const ZhEnClause& c, const NounPhrase& subject, const VerbPhrase& vp, const Time* time) {
  const Verb& v = *vp.verb;
  const Tense tense = time ? time->tense : Tense::kPresent;
  if (c.negated && time && time->habitual) bad_clause("a habit (每天) is not negated", c.time);
  if (c.negated && vp.counted_object) bad_clause("a counted object goes only in a statement or question", c.object);
  if (v.kind == VerbKind::kTransitive && c.object.empty() && !v.object_optional)
    bad_clause("this verb needs an object", c.verb);
  std::optional<NounPhrase> companion;
  if (!c.companion.empty()) {
    companion = noun_phrase(c.companion, "the companion");
    if ((companion->classes & kPerson) == 0 || same_person(subject, *companion)) {
      bad_clause("the companion must be another person", c.companion);
    }
  }
  const Place* place = c.place.empty() ? nullptr : find_zh(kPlaces, c.place);
  const Transport* transport = c.transport.empty() ? nullptr : find_zh(kTransports, c.transport);
  if (!c.place.empty() && (place == nullptr || v.kind == VerbKind::kMotion))
    bad_clause("the place must be in the lexicon and not with 去", c.place);
  if (!c.transport.empty() && (transport == nullptr || v.kind != VerbKind::kMotion))
    bad_clause("a transport goes with 去, 来, 回家", c.transport);

  const bool past_done = tense == Tense::kPast && !c.negated;
  const std::string_view negation = !c.negated ? "" : tense == Tense::kPast ? "没" : "不";
  const bool has_object = !c.object.empty();
  const std::string source = c.subject + c.time + std::string(negation) +
                             (companion ? "和" + c.companion + "一起" : "") + (place ? "在" + c.place : c.transport) +
                             c.verb + (past_done && has_object ? "了" : "") + c.object +
                             (past_done && !has_object ? "了" : "") + (c.question ? "吗" : "");

  const VerbGroup group = conjugate(v.base, v.third, v.past, subject.agreement, tense, c.negated, c.question);
  const std::string tail = join({group.rest, vp.object_en, companion ? join({"with", companion->object_en}) : "",
                                 transport ? transport->en : "", place ? place->at : "", time ? time->en : ""});
  if (c.question) return {source, join({group.front, subject.subject_en, tail, "?"})};
  return {source, join({subject.subject_en, tail})};
}

}  // namespace

Example render_zh_en(const ZhEnClause& c) {
  const NounPhrase subject = noun_phrase(c.subject, "the subject");
  if (subject.form == NounPhrase::kCounted) bad_clause("the subject must not be counted", c.subject);
  const Time* time = nullptr;
  if (!c.time.empty()) {
    time = find_zh(kTimes, c.time);
    if (time == nullptr) bad_clause("the time must be in the lexicon", c.time);
  }
  if (c.negated && c.question) bad_clause("a question is not negated", c.subject + c.verb);
  if (find_zh(kAdjectives, c.verb) != nullptr) return render_adjective(c, subject, time);
  if (c.very) bad_clause("非常 goes only with adjectives", c.verb);
  if (!c.inner_verb.empty()) return render_catenative(c, subject);
  const VerbPhrase vp = verb_phrase(c.verb, c.object, subject);
  if (vp.verb->kind == VerbKind::kState) return render_state(c, subject, vp);
  return render_action(c, subject, vp, time);
}

std::size_t zh_en_lexicon_size() {
  return kNouns.size() + kPronouns.size() + kNumbers.size() + kTimes.size() + kPlaces.size() + kTransports.size() +
         kVerbs.size() + kCatenatives.size() + kAdjectives.size();
}

// ---- sampling ----------------------------------------------------------------------------------

namespace {

// Draws clauses the grammar makes, with the mix of constructions below.
class ClauseSampler {
 public:
  explicit ClauseSampler(Generator& gen) : gen_(gen) {}

  ZhEnClause sample() {
    const double kind = gen_.uniform();
    if (kind < 0.32) return action(VerbKind::kTransitive);
    if (kind < 0.44) return action(VerbKind::kActivity);
    if (kind < 0.54) return action(VerbKind::kMotion);
    if (kind < 0.72) return state();
    if (kind < 0.88) return catenative();
    return adjective();
  }

 private:
  bool chance(double p) { return gen_.uniform() < p; }

  template <class T>
  const T& pick(std::span<const T> items) {
    return items[gen_.below(items.size())];
  }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return pick(std::span<const T>(items));
  }

  std::vector<const Noun*> nouns_of(unsigned classes) const {
    std::vector<const Noun*> out;
    for (const Noun& n : kNouns) {
      if (n.classes & classes) out.push_back(&n);
    }
    return out;
  }

  std::vector<const Verb*> verbs_of(VerbKind kind, bool skills_only = false) const {
    std::vector<const Verb*> out;
    for (const Verb& v : kVerbs) {
      if (v.kind == kind && (!skills_only || v.skill)) out.push_back(&v);
    }
    return out;
  }

  std::string possessor() {
    if (chance(0.8)) return std::string(pick(kPronouns).zh);
    std::vector<const Noun*> roles;
    for (const Noun& n : kNouns) {
      if (n.classes & kRole) roles.push_back(&n);
    }
    return std::string(pick(std::span<const Noun* const>(roles))->zh);
  }

  std::string counted(const Noun& n, bool demonstrative) {
    const std::string_view first = demonstrative ? (chance(0.5) ? "这" : "那") : pick(kNumbers).zh;
    return std::string(first) + std::string(n.measure) + std::string(n.zh);
  }

  // A person: pronoun, role (老师) or someone's person (我的朋友).
  std::string person() {
    const double r = gen_.uniform();
    if (r < 0.55) return std::string(pick(kPronouns).zh);
    const std::vector<const Noun*> people = nouns_of(kPerson);
    const Noun& n = *pick(std::span<const Noun* const>(people));
    if (r < 0.7 && (n.classes & kRole)) return std::string(n.zh);
    return possessor() + "的" + std::string(n.zh);
  }

  // A noun phrase of one of the classes, never a pronoun. counted_ok lets it take a number;
  // nouns of the counted_only classes come only with one (有一个哥哥).
  std::string thing(unsigned classes, bool counted_ok, unsigned counted_only = 0) {
    const std::vector<const Noun*> candidates = nouns_of(classes);
    for (;;) {
      const Noun& n = *pick(std::span<const Noun* const>(candidates));
      if (n.classes & counted_only) {
        if (!counted_ok) continue;
        return counted(n, false);
      }
      const bool countable = !n.measure.empty();
      const double r = gen_.uniform();
      // Counted people ("he meets five fathers") read oddly; only 有 counts them.
      if (countable && counted_ok && r < 0.2 && (n.classes & kPerson) == 0) return counted(n, false);
      if (countable && r < 0.35) return counted(n, true);
      const bool needs_owner = (n.classes & kPerson) && (n.classes & kRole) == 0;
      if (((n.classes & kConcrete) && r < 0.55) || needs_owner) return possessor() + "的" + std::string(n.zh);
      return std::string(n.zh);
    }
  }

  // A subject that can do the verb: mostly people, sometimes an animal (我的猫, 这只狗).
  std::string subject(unsigned can_do) {
    if ((can_do & kAnimal) && chance(0.15)) {
      const std::vector<const Noun*> animals = nouns_of(kAnimal);
      const Noun& n = *pick(std::span<const Noun* const>(animals));
      return chance(0.5) ? possessor() + "的" + std::string(n.zh) : counted(n, true);
    }
    return person();
  }

  // An object of the verb for this subject (no 我 ... 我).
  std::string object(const Verb& v, const std::string& subject_zh, bool counted_ok) {
    for (;;) {
      std::string zh = (v.objects & kPerson) && chance(0.35) ? person() : thing(v.objects, counted_ok, v.counted_only);
      const std::optional<NounPhrase> s = parse_noun_phrase(subject_zh), o = parse_noun_phrase(zh);
      if (o && (o->classes & v.counted_only) && o->form != NounPhrase::kCounted) continue;
      if (s && o && !same_person(*s, *o)) return zh;
    }
  }

  // Questions from 我 / 我们 ("do i like cats ?") are left out: they read oddly.
  bool asks(const std::string& subject_zh) { return subject_zh != "我" && subject_zh != "我们" && chance(0.2); }

  ZhEnClause action(VerbKind kind) {
    const std::vector<const Verb*> verbs = verbs_of(kind);
    const Verb& v = *pick(std::span<const Verb* const>(verbs));
    ZhEnClause c;
    c.verb = v.zh;
    c.subject = subject(v.subjects);
    if (chance(0.6)) c.time = pick(kTimes).zh;
    const Time* time = c.time.empty() ? nullptr : find_zh(kTimes, c.time);
    c.negated = !(time && time->habitual) && chance(0.2);
    c.question = !c.negated && asks(c.subject);
    const bool person_subject = (parse_noun_phrase(c.subject)->classes & kPerson) != 0;
    if (person_subject && chance(0.12)) {
      do {
        c.companion = person();
      } while (same_person(*parse_noun_phrase(c.subject), *parse_noun_phrase(c.companion)));
    }
    if (kind == VerbKind::kMotion) {
      if (chance(0.45)) c.transport = pick(kTransports).zh;
      if (v.zh != "回家") c.object = destination();
    } else {
      if (chance(0.35)) c.place = pick(kPlaces).zh;
      if (kind == VerbKind::kTransitive && !(v.object_optional && chance(0.25))) {
        c.object = object(v, c.subject, !c.negated);
      }
    }
    return c;
  }

  std::string destination() {
    for (;;) {
      const Place& p = pick(kPlaces);
      if (!p.to.empty()) return std::string(p.zh);
    }
  }

  ZhEnClause state() {
    const std::vector<const Verb*> verbs = verbs_of(VerbKind::kState);
    const Verb& v = *pick(std::span<const Verb* const>(verbs));
    ZhEnClause c;
    c.verb = v.zh;
    c.subject = subject(v.subjects);
    c.negated = chance(0.2);
    c.question = !c.negated && asks(c.subject);
    c.object = object(v, c.subject, !c.negated && (v.zh == "有" || v.zh == "要"));
    return c;
  }

  ZhEnClause catenative() {
    const Catenative& cat = pick(kCatenatives);
    const bool modal = cat.complement == Complement::kModal;
    std::vector<const Verb*> verbs = verbs_of(VerbKind::kTransitive, modal);
    for (VerbKind kind : {VerbKind::kActivity, VerbKind::kMotion}) {
      for (const Verb* v : verbs_of(kind, modal)) verbs.push_back(v);
    }
    const Verb& v = *pick(std::span<const Verb* const>(verbs));
    ZhEnClause c;
    c.verb = cat.zh;
    c.inner_verb = v.zh;
    c.subject = person();
    c.negated = chance(0.2);
    c.question = !c.negated && asks(c.subject);
    if (v.kind == VerbKind::kMotion) {
      if (v.zh != "回家") c.object = destination();
      if (!modal && chance(0.4)) c.transport = pick(kTransports).zh;
    } else {
      if (!modal && chance(0.2)) c.place = pick(kPlaces).zh;
      if (v.kind == VerbKind::kTransitive && !(v.object_optional && chance(0.25))) {
        c.object = object(v, c.subject, !c.negated && cat.complement == Complement::kInfinitive);
      }
    }
    return c;
  }

  ZhEnClause adjective() {
    const Adjective& a = pick(kAdjectives);
    ZhEnClause c;
    c.verb = a.zh;
    const unsigned things = a.subjects & ~kPerson;
    if ((a.subjects & kPerson) && (things == 0 || chance(0.5))) {
      c.subject = person();
    } else {
      // A particular thing: 这本书, 那杯茶, 我的猫 (possessed only if counted, so agreement is
      // singular: "my cat is", never "my noodles is").
      for (;;) {
        const std::vector<const Noun*> candidates = nouns_of(things);
        const Noun& n = *pick(std::span<const Noun* const>(candidates));
        if (!n.measure.empty() && chance(0.6)) {
          c.subject = counted(n, true);
          break;
        }
        if (!n.plural.empty() && (n.classes & kConcrete)) {
          c.subject = possessor() + "的" + std::string(n.zh);
          break;
        }
      }
    }
    if (a.passing && chance(0.5)) c.time = pick(kTimes).zh;
    const Time* time = c.time.empty() ? nullptr : find_zh(kTimes, c.time);
    c.negated = !(time && time->habitual) && chance(0.2);
    c.question = !c.negated && asks(c.subject);
    c.very = !c.negated && !c.question && chance(0.2);
    return c;
  }

  Generator& gen_;
};

}  // namespace

std::vector<Example> sample_zh_en(std::uint64_t seed, std::size_t count) {
  Generator gen(seed);
  ClauseSampler sampler(gen);
  std::vector<Example> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(render_zh_en(sampler.sample()));
  return out;
}

Dataset make_zh_en(std::uint64_t seed) {
  const Example seed_example = render_zh_en({.subject = "我", .verb = "爱", .inner_verb = "学习", .object = "编程"});
  if (seed_example != kZhEnSeed)
    throw std::logic_error("make_zh_en: the seed sentence renders as " + seed_example.target);
  Generator gen(seed);
  ClauseSampler sampler(gen);
  ExampleSet set;
  set.add(seed_example);
  const std::size_t max_draws = 50 * kZhEnTotal;
  for (std::size_t draw = 0; set.size() < kZhEnTotal && draw < max_draws; ++draw) {
    set.add(render_zh_en(sampler.sample()));
  }
  if (set.size() < kZhEnTotal) throw std::logic_error("make_zh_en: the grammar makes too few distinct sentences");
  // The seed came first, so it opens the test split; the rest were drawn in random order.
  return split_examples(set.take(), kZhEnTest, kZhEnValid, "zh-en", false);
}

}  // namespace focus::data
