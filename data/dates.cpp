// The dates task: the forms a date is written in, built from its parts (day, month, year,
// separators, a weekday in front), and formatting a date in one of them (conventions in dates.h).
#include <focus/data/dates.h>

#include <array>
#include <stdexcept>

#include <focus/data/example_set.h>
#include <focus/tensor/error.h>
#include <focus/tensor/random.h>

namespace focus::data {

namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"january",   "february", "march",    "april",
                                                      "may",       "june",     "july",     "august",
                                                      "september", "october",  "november", "december"};
// Associated Press style: five months are never shortened, September keeps four letters.
constexpr std::array<std::string_view, 12> kMonthsAp = {"jan.", "feb.",  "march", "april", "may",  "june",
                                                        "july", "aug.",  "sept.", "oct.",  "nov.", "dec."};

std::string two_digits(unsigned n) {
  return std::string{static_cast<char>('0' + n / 10 % 10), static_cast<char>('0' + n % 10)};
}

std::string ordinal(unsigned day) {
  const char* suffix = "th";
  if (day < 11 || day > 13) {
    if (day % 10 == 1) suffix = "st";
    if (day % 10 == 2) suffix = "nd";
    if (day % 10 == 3) suffix = "rd";
  }
  return std::to_string(day) + suffix;
}

// The text of one {field} of the pattern.
std::string field(std::string_view name, std::chrono::year_month_day date) {
  const auto year = static_cast<int>(date.year());
  const auto month = static_cast<unsigned>(date.month()), day = static_cast<unsigned>(date.day());
  const std::string_view weekday = kWeekdays[std::chrono::weekday{std::chrono::sys_days{date}}.c_encoding()];
  const std::string_view month_name = kMonths[month - 1];
  if (name == "W") return std::string(weekday);
  if (name == "Wa") return std::string(weekday.substr(0, 3));
  if (name == "Month") return std::string(month_name);
  if (name == "Mon") return std::string(month_name.substr(0, 3));
  if (name == "Map") return std::string(kMonthsAp[month - 1]);
  if (name == "d") return std::to_string(day);
  if (name == "dd") return two_digits(day);
  if (name == "dth") return ordinal(day);
  if (name == "m") return std::to_string(month);
  if (name == "mm") return two_digits(month);
  if (name == "yy") return two_digits(static_cast<unsigned>(year % 100));
  if (name == "yyyy") return std::to_string(year);
  throw ValueError("format_date: unknown field; got {" + std::string(name) + "}");
}

// Title case capitalises the names and a "the" that starts the text, as people write them ("The
// 3rd of March, 1998", "Tuesday, the 3rd of March 1998"); "3rd" stays as it is.
void apply_casing(std::string& s, Casing casing) {
  const auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  const auto word_is = [&](std::size_t i, std::string_view word) {
    return s.compare(i, word.size(), word) == 0 && (i + word.size() == s.size() || !is_alnum(s[i + word.size()]));
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] < 'a' || s[i] > 'z') continue;
    const bool word_start = i == 0 || !is_alnum(s[i - 1]);
    const bool small_word = word_is(i, "of") || (i > 0 && word_is(i, "the"));
    if (casing == Casing::kUpper || (casing == Casing::kTitle && word_start && !small_word))
      s[i] = static_cast<char>(s[i] - 'a' + 'A');
  }
}

// A family of forms: the patterns it writes, how often make_dates draws it, and whether a
// weekday may stand in front ("tuesday, 3 march 1998"; never before numbers or dashes).
struct Family {
  double weight;
  bool weekday;
  std::vector<std::string> patterns;
};

const std::array<std::string_view, 6> kWeekdayPrefixes = {"{W} ", "{W}, ", "{Wa} ", "{Wa}, ", "{Wa}. ", "{Wa}., "};
constexpr double kWeekdayShare = 0.5;

// The forms, built from their parts so that every combination of day (3, 03, 3rd), month (march,
// mar, mar., AP style), year (1998, 98, '98) and comma before the year is there: a model that saw
// "march 3, 1998" and "3 march 1998" but never "march 3 1998" doubled the day in the last.
const std::vector<Family>& families() {
  static const std::vector<Family> all = [] {
    const std::array<std::string_view, 3> days = {"{d}", "{dd}", "{dth}"};
    const std::array<std::string_view, 4> months = {"{Month}", "{Mon}", "{Mon}.", "{Map}"};
    const std::array<std::string_view, 3> years = {"{yyyy}", "{yy}", "'{yy}"};
    const std::array<std::string_view, 2> before_year = {" ", ", "};
    Family day_first{0.25, true, {}}, month_first{0.25, true, {}}, ordinal_of{0.20, true, {}};
    for (std::string_view y : years) {
      for (std::string_view sep : before_year) {
        for (std::string_view m : months) {
          for (std::string_view d : days) {
            day_first.patterns.push_back(std::string(d) + " " + std::string(m) + std::string(sep) + std::string(y));
            month_first.patterns.push_back(std::string(m) + " " + std::string(d) + std::string(sep) + std::string(y));
          }
          for (std::string_view lead : {"", "the "}) {
            ordinal_of.patterns.push_back(std::string(lead) + "{dth} of " + std::string(m) + std::string(sep) +
                                          std::string(y));
          }
        }
      }
    }
    Family dashes{0.05, false, {"{d}-{Mon}-{yyyy}", "{dd}-{Mon}-{yyyy}", "{d}-{Mon}-{yy}", "{dd}-{Mon}-{yy}"}};
    Family numbers{0.25,
                   false,
                   {"{m}/{d}/{yy}", "{m}/{d}/{yyyy}", "{mm}/{dd}/{yy}", "{mm}/{dd}/{yyyy}", "{d}.{m}.{yy}",
                    "{d}.{m}.{yyyy}", "{dd}.{mm}.{yy}", "{dd}.{mm}.{yyyy}", "{yyyy}-{mm}-{dd}", "{yyyy}/{mm}/{dd}",
                    "{yyyy}/{m}/{d}", "{yyyy}-{m}-{d}"}};
    return std::vector<Family>{day_first, month_first, ordinal_of, dashes, numbers};
  }();
  return all;
}

// A family by its weight, one of its patterns uniformly, and for the word families a weekday in
// front kWeekdayShare of the time.
std::string draw_pattern(Generator& gen) {
  const std::vector<Family>& all = families();
  double u = gen.uniform();
  const Family* family = &all.back();
  for (const Family& f : all) {
    if (u < f.weight) {
      family = &f;
      break;
    }
    u -= f.weight;
  }
  std::string pattern = family->patterns[gen.below(family->patterns.size())];
  if (family->weekday && gen.uniform() < kWeekdayShare) {
    // Half of them the full name (the first two prefixes): the longest sources, and the ones a
    // model gets wrong when it has seen too few.
    const std::size_t prefix = gen.uniform() < 0.5 ? gen.below(2) : 2 + gen.below(kWeekdayPrefixes.size() - 2);
    pattern = std::string(kWeekdayPrefixes[prefix]) + pattern;
  }
  return pattern;
}

}  // namespace

const std::vector<std::string>& date_formats() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    for (const Family& f : families()) {
      for (const std::string& p : f.patterns) {
        out.push_back(p);
        if (!f.weekday) continue;
        for (std::string_view prefix : kWeekdayPrefixes) out.push_back(std::string(prefix) + p);
      }
    }
    return out;
  }();
  return all;
}

std::string format_date(std::chrono::year_month_day date, std::string_view pattern, Casing casing) {
  const auto year = static_cast<int>(date.year());
  if (!date.ok() || year < 1950 || year > 2049) {
    throw ValueError("format_date: date must be a valid day in 1950..2049; got " + iso_date(date));
  }
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const std::size_t close = pattern.find('}', i);
    if (close == std::string_view::npos)
      throw ValueError("format_date: a field must end with '}'; got '" + std::string(pattern) + "'");
    out += field(pattern.substr(i + 1, close - i - 1), date);
    i = close;
  }
  apply_casing(out, casing);
  return out;
}

std::string iso_date(std::chrono::year_month_day date) {
  const int year = static_cast<int>(date.year());
  const std::string y = std::to_string(year);
  return std::string(y.size() < 4 ? 4 - y.size() : 0, '0') + y + "-" + two_digits(static_cast<unsigned>(date.month())) +
         "-" + two_digits(static_cast<unsigned>(date.day()));
}

Dataset make_dates(std::uint64_t seed) {
  using namespace std::chrono;
  const sys_days first{1950y / January / 1}, last{2049y / December / 31};
  const auto n_days = static_cast<std::uint64_t>((last - first).count() + 1);
  const std::size_t total = kDatesTrain + kDatesValid + kDatesTest;
  Generator gen(seed);
  ExampleSet set;
  for (std::size_t draw = 0; set.size() < total && draw < 20 * total; ++draw) {
    const year_month_day date{first + days{static_cast<int>(gen.below(n_days))}};
    const std::string pattern = draw_pattern(gen);
    const double u = gen.uniform();
    const Casing casing = u < 0.6 ? Casing::kLower : u < 0.85 ? Casing::kTitle : Casing::kUpper;
    set.add({format_date(date, pattern, casing), iso_date(date)});
  }
  if (set.size() < total) throw std::logic_error("make_dates: too few distinct dates");
  return split_examples(set.take(), kDatesTest, kDatesValid, "dates", true);
}

}  // namespace focus::data
