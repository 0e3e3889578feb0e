// The dates task: formatting a date in many human formats (conventions in dates.h).
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
  if (name == "d") return std::to_string(day);
  if (name == "dd") return two_digits(day);
  if (name == "dth") return ordinal(day);
  if (name == "m") return std::to_string(month);
  if (name == "mm") return two_digits(month);
  if (name == "yy") return two_digits(static_cast<unsigned>(year % 100));
  if (name == "yyyy") return std::to_string(year);
  throw ValueError("format_date: unknown field; got {" + std::string(name) + "}");
}

// Title case capitalises each word but "of" ("The 3rd of March, 1998"); "3rd" stays as it is.
void apply_casing(std::string& s, Casing casing) {
  const auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] < 'a' || s[i] > 'z') continue;
    const bool word_start = i == 0 || !is_alnum(s[i - 1]);
    const bool of = s.compare(i, 2, "of") == 0 && (i + 2 == s.size() || !is_alnum(s[i + 2]));
    if (casing == Casing::kUpper || (casing == Casing::kTitle && word_start && !of))
      s[i] = static_cast<char>(s[i] - 'a' + 'A');
  }
}

}  // namespace

const std::vector<std::string_view>& date_formats() {
  static const std::vector<std::string_view> formats = {
      "{W}, {d} {Month} {yyyy}",       // tuesday, 3 march 1998
      "{Mon} {dth}, {yyyy}",           // mar 3rd, 1998
      "{m}/{d}/{yy}",                  // 3/3/98
      "{dd}.{mm}.{yyyy}",              // 03.03.1998
      "{Month} {d}, {yyyy}",           // march 3, 1998
      "{d} {Mon} {yy}",                // 3 mar 98
      "{yyyy}/{mm}/{dd}",              // 1998/03/03
      "{Wa}, {Mon} {d}, {yyyy}",       // tue, mar 3, 1998
      "{d} {Month} {yyyy}",            // 3 march 1998
      "the {dth} of {Month}, {yyyy}",  // the 3rd of march, 1998
      "{mm}/{dd}/{yyyy}",              // 03/03/1998
      "{d}.{m}.{yy}",                  // 3.3.98
      "{W} {Month} {d} {yyyy}",        // tuesday march 3 1998
      "{dd}-{Mon}-{yyyy}",             // 03-mar-1998
      "{Month} {dth}, {yyyy}",         // march 3rd, 1998
      "{W}, {Month} {d}, {yyyy}",      // tuesday, march 3, 1998
      "{Wa} {d} {Mon} {yy}",           // tue 3 mar 98
  };
  return formats;
}

std::string format_date(std::chrono::year_month_day date, std::size_t format, Casing casing) {
  const auto& formats = date_formats();
  if (format >= formats.size()) {
    throw ValueError("format_date: format must be in [0, " + std::to_string(formats.size()) + "); got " +
                     std::to_string(format));
  }
  const auto year = static_cast<int>(date.year());
  if (!date.ok() || year < 1950 || year > 2049) {
    throw ValueError("format_date: date must be a valid day in 1950..2049; got " + iso_date(date));
  }
  const std::string_view pattern = formats[format];
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const std::size_t close = pattern.find('}', i);
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
    const std::size_t format = gen.below(date_formats().size());
    const double u = gen.uniform();
    const Casing casing = u < 0.6 ? Casing::kLower : u < 0.85 ? Casing::kTitle : Casing::kUpper;
    set.add({format_date(date, format, casing), iso_date(date)});
  }
  if (set.size() < total) throw std::logic_error("make_dates: too few distinct dates");
  return split_examples(set.take(), kDatesTest, kDatesValid, "dates", true);
}

}  // namespace focus::data
