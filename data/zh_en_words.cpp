// The zh-en lexicon: every word and phrase of the grammar with its English forms and the
// semantic classes that say what can go with what (types in internal/zh_en_grammar.h).
// The lexicon is built so the unsegmented Chinese has one reading: no word is a prefix of a word
// that could stand in the same slot followed by something the grammar allows.
#include <focus/data/internal/zh_en_grammar.h>

#include <array>

namespace focus::data::zh_en_detail {

namespace {

// clang-format off
constexpr std::array kNounsList = {
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

constexpr std::array kPronounsList = {
    Pronoun{"我", "i", "me", "my", Agreement::kI, 1},
    Pronoun{"你", "you", "you", "your", Agreement::kPlural, 2},
    Pronoun{"他", "he", "him", "his", Agreement::kThirdSingular, 0},
    Pronoun{"她", "she", "her", "her", Agreement::kThirdSingular, 0},
    Pronoun{"我们", "we", "us", "our", Agreement::kPlural, 1},
    Pronoun{"你们", "you", "you", "your", Agreement::kPlural, 2},
    Pronoun{"他们", "they", "them", "their", Agreement::kPlural, 0},
    Pronoun{"她们", "they", "them", "their", Agreement::kPlural, 0},
};

constexpr std::array kNumbersList = {
    Number{"一", "a", 1},    Number{"两", "two", 2},  Number{"三", "three", 3}, Number{"四", "four", 4},
    Number{"五", "five", 5}, Number{"六", "six", 6},  Number{"七", "seven", 7}, Number{"八", "eight", 8},
    Number{"九", "nine", 9}, Number{"十", "ten", 10},
};

constexpr std::array kTimesList = {
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

constexpr std::array kPlacesList = {
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

constexpr std::array kTransportsList = {
    Transport{"坐公共汽车", "by bus"}, Transport{"坐火车", "by train"},  Transport{"坐飞机", "by plane"},
    Transport{"坐地铁", "by subway"},  Transport{"坐出租车", "by taxi"}, Transport{"坐船", "by boat"},
    Transport{"骑自行车", "by bike"},  Transport{"开车", "by car"},      Transport{"走路", "on foot"},
};

// clang-format off
constexpr std::array kVerbsList = {
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

// clang-format off
constexpr std::array kCatenativesList = {
    Catenative{"喜欢", "like", "likes", Complement::kGerund},
    Catenative{"爱", "love", "loves", Complement::kGerund},
    Catenative{"想", "want", "wants", Complement::kInfinitive},
    Catenative{"会", "can", "can", Complement::kModal},  // only skills follow 会
};
// clang-format on

constexpr std::array kAdjectivesList = {
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

}  // namespace

constinit const std::span<const Noun> kNouns = kNounsList;
constinit const std::span<const Pronoun> kPronouns = kPronounsList;
constinit const std::span<const Number> kNumbers = kNumbersList;
constinit const std::span<const Time> kTimes = kTimesList;
constinit const std::span<const Place> kPlaces = kPlacesList;
constinit const std::span<const Transport> kTransports = kTransportsList;
constinit const std::span<const Verb> kVerbs = kVerbsList;
constinit const std::span<const Catenative> kCatenatives = kCatenativesList;
constinit const std::span<const Adjective> kAdjectives = kAdjectivesList;

}  // namespace focus::data::zh_en_detail
