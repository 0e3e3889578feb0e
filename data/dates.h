// The "dates" task: a date written the way people write it -> the same date in ISO 8601.
//   "tuesday, 3 march 1998" -> "1998-03-03",   "march 3 1998" -> "1998-03-03",   "3/3/98" -> "1998-03-03"
// Dates are drawn uniformly from 1950-01-01 to 2049-12-31. The forms (date_formats() lists every
// pattern; examples for 1998-03-03, a Tuesday):
//   - day, month, year in words: "3 march 1998", "03 mar 1998", "3rd mar. 98", "3 march, 1998",
//     "3rd of march 1998", "the 3rd of march, 1998", "3 mar '98"; month, day, year: "march 3 1998",
//     "march 3, 1998", "mar 03, 1998", "mar. 3rd 1998", AP style "sept. 5, 1990", "march 3, 1998";
//     any of these after a weekday: "tuesday 3 march 1998", "tuesday, march 3, 1998",
//     "tue 3 mar 98", "tue, mar 3, 1998", "tue. mar. 3, 1998", "tue., march 3, 1998";
//   - days in one or two digits (3, 03) or as ordinals (1st, 2nd, 3rd, 23rd), months in full,
//     in three letters with or without a dot, or AP style (jan. feb. march april may june july
//     aug. sept. oct. nov. dec.), years in four digits, two, or two after an apostrophe;
//     a comma before the year or not;
//   - dashes: "3-mar-1998", "03-mar-98";
//   - numbers: "3/3/98", "03/03/1998", "3.3.98", "03.03.1998", "1998-03-03", "1998/03/03", "1998/3/3".
// Conventions that make every input mean exactly one date:
//   - slashes are month first (m/d/yy, mm/dd/yyyy) unless the year comes first (yyyy/mm/dd);
//   - dots are day first (d.m.yy, dd.mm.yyyy); numeric dashes only in ISO order (yyyy-mm-dd);
//     day-first slashes (British 3/12/98) are not read, being the same text as month-first ones;
//   - a two-digit year yy means 19yy for 50-99 and 20yy for 00-49;
//   - a weekday, when written, is the date's real weekday.
// Formats come in lower case, Title Case (names capitalised: "Tuesday, the 3rd of March 1998") or
// UPPER CASE.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <focus/data/tasks.h>

namespace focus::data {

enum class Casing { kLower, kTitle, kUpper };

// Every pattern the task writes, e.g. "{W}, {d} {Month} {yyyy}". Fields: {W} weekday, {Wa}
// weekday in three letters, {Month} month name, {Mon} in three letters, {Map} AP style ("sept.",
// "march"), {d} day, {dd} day in two digits, {dth} ordinal day ("3rd"), {m} month number, {mm} in
// two digits, {yy} two-digit year, {yyyy}. Everything else is written as it is.
[[nodiscard]] const std::vector<std::string>& date_formats();

// date written in pattern. Throws ValueError "format_date: ..." for an unknown or unclosed field
// and for a date outside 1950..2049 (the two-digit years would be ambiguous).
[[nodiscard]] std::string format_date(std::chrono::year_month_day date, std::string_view pattern,
                                      Casing casing = Casing::kLower);

// "1998-03-03".
[[nodiscard]] std::string iso_date(std::chrono::year_month_day date);

// Distinct sources: kDatesTrain train, kDatesValid valid, kDatesTest test. Each example is a
// uniformly drawn date in a drawn form: a family (words day first 25%, words month first 25%,
// "the 3rd of" 20%, dashes 5%, numbers 25%), a pattern of it uniformly, and for the word
// families a weekday in front half the time (the full name in half of those); casing 60% lower,
// 25% title, 15% upper. Long forms are drawn that often, and train is 40,000, because a model
// trained on fewer of them swapped the year's digits at the end of "thursday, the 23rd of march
// 1978" (tests/reference/dates_heldout.tsv; docs/tasks.md has the numbers).
inline constexpr std::size_t kDatesTrain = 40'000, kDatesValid = 1'000, kDatesTest = 2'000;
[[nodiscard]] Dataset make_dates(std::uint64_t seed);

}  // namespace focus::data
