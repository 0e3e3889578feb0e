// The "dates" task: a date written the way people write it -> the same date in ISO 8601.
//   "tuesday, 3 march 1998" -> "1998-03-03",   "3/3/98" -> "1998-03-03"
// Dates are drawn uniformly from 1950-01-01 to 2049-12-31. Conventions that make every input
// mean exactly one date:
//   - slashes are month first (m/d/yy, mm/dd/yyyy) unless the year comes first (yyyy/mm/dd);
//   - dots are day first (d.m.yy, dd.mm.yyyy);
//   - a two-digit year yy means 19yy for 50-99 and 20yy for 00-49;
//   - a weekday, when written, is the date's real weekday.
// Formats with words come in lower case, Title Case or UPPER CASE.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <focus/data/tasks.h>

namespace focus::data {

enum class Casing { kLower, kTitle, kUpper };

// The format patterns, e.g. "{W}, {d} {Month} {yyyy}". Fields: {W} weekday, {Wa} weekday
// abbreviated, {Month} month name, {Mon} month abbreviated, {d} day, {dd} day in two digits,
// {dth} ordinal day ("3rd"), {m} month number, {mm} in two digits, {yy} two-digit year, {yyyy}.
[[nodiscard]] const std::vector<std::string_view>& date_formats();

// date written in date_formats()[format]. Throws ValueError for a format index out of range or
// a date outside 1950..2049 (the two-digit years would be ambiguous).
[[nodiscard]] std::string format_date(std::chrono::year_month_day date, std::size_t format,
                                      Casing casing = Casing::kLower);

// "1998-03-03".
[[nodiscard]] std::string iso_date(std::chrono::year_month_day date);

// Distinct sources: kDatesTrain train, kDatesValid valid, kDatesTest test. Each example is a
// uniformly drawn date in a uniformly drawn format (casing: 60% lower, 25% title, 15% upper).
inline constexpr std::size_t kDatesTrain = 20'000, kDatesValid = 1'000, kDatesTest = 2'000;
[[nodiscard]] Dataset make_dates(std::uint64_t seed);

}  // namespace focus::data
