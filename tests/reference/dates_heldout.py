#!/usr/bin/env python3
"""A held-out test set for the "dates" task, written apart from focus's generator (data/dates.cpp).

1,000 dates as people and programs write them -> ISO 8601, one "source<TAB>target" line each.
The forms come from Python's own strftime (the formats programs print: "%B %d, %Y", "%a, %d %b %Y",
"%m/%d/%Y", ...) and from templates written here by hand for what people type ("july 1 1952",
"wednesday 2 january 1985", "the 3rd of march, 1998", AP-style "Sept. 5, 1990"). The only thing
shared with the generator is its documented conventions (data/dates.h): dates in 1950..2049,
slashes month first unless the year leads, dots day first, two-digit years 50-99 -> 19xx and
00-49 -> 20xx, a written weekday is the real one. Cases: lower, as written (Title), UPPER.
Used by tests/check_dates_heldout.cmake (CTest, label long).
Run: /usr/bin/python3 tests/reference/dates_heldout.py > tests/reference/dates_heldout.tsv
"""
import datetime
import locale
import random

locale.setlocale(locale.LC_TIME, "C")  # English month and weekday names whatever the user's locale

FIRST = datetime.date(1950, 1, 1)
LAST = datetime.date(2049, 12, 31)

# Associated Press abbreviations: five months are never shortened, September takes four letters.
AP_MONTH = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


def nth(day):
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}" + {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def strf(fmt):
    return lambda d: d.strftime(fmt)


# Hand-written forms. Names come out in Title case (as strftime writes them); casing is applied later.
def month(d):
    return d.strftime("%B")


def mon(d):
    return d.strftime("%b")


def weekday(d):
    return d.strftime("%A")


def wkd(d):
    return d.strftime("%a")


def yy(d):
    return f"{d.year % 100:02d}"


FORMS = [
    # What programs print.
    strf("%B %d, %Y"),            # July 01, 1952
    strf("%d %B %Y"),             # 01 July 1952
    strf("%A, %B %d, %Y"),        # Tuesday, July 01, 1952
    strf("%a, %d %b %Y"),         # Tue, 01 Jul 1952 (e-mail headers)
    strf("%a %b %d %Y"),          # Tue Jul 01 1952 (JavaScript's toDateString)
    strf("%b %d, %Y"),            # Jul 01, 1952
    strf("%d %b %Y"),             # 01 Jul 1952
    strf("%d-%b-%Y"),             # 01-Jul-1952
    strf("%d-%b-%y"),             # 01-Jul-52
    strf("%m/%d/%Y"),             # 07/01/1952
    strf("%m/%d/%y"),             # 07/01/52 (%x in the C locale)
    strf("%Y-%m-%d"),             # 1952-07-01
    strf("%Y/%m/%d"),             # 1952/07/01
    strf("%d.%m.%Y"),             # 01.07.1952
    strf("%A %d %B %Y"),          # Tuesday 01 July 1952
    strf("%A, %d %B %Y"),         # Tuesday, 01 July 1952
    # What people type.
    lambda d: f"{month(d)} {d.day} {d.year}",                      # July 1 1952
    lambda d: f"{month(d)} {d.day}, {d.year}",                     # July 1, 1952
    lambda d: f"{d.day} {month(d)} {d.year}",                      # 1 July 1952
    lambda d: f"{d.day} {month(d)}, {d.year}",                     # 1 July, 1952
    lambda d: f"{weekday(d)} {d.day} {month(d)} {d.year}",         # Tuesday 1 July 1952
    lambda d: f"{weekday(d)}, {d.day} {month(d)} {d.year}",        # Tuesday, 1 July 1952
    lambda d: f"{weekday(d)}, {month(d)} {d.day}, {d.year}",       # Tuesday, July 1, 1952
    lambda d: f"{weekday(d)} {month(d)} {d.day} {d.year}",         # Tuesday July 1 1952
    lambda d: f"{wkd(d)} {d.day} {mon(d)} {d.year}",               # Tue 1 Jul 1952
    lambda d: f"{wkd(d)}, {mon(d)} {d.day}, {d.year}",             # Tue, Jul 1, 1952
    lambda d: f"{wkd(d)}. {mon(d)}. {d.day}, {d.year}",            # Tue. Jul. 1, 1952
    lambda d: f"{mon(d)} {d.day} {d.year}",                        # Jul 1 1952
    lambda d: f"{mon(d)} {d.day}, {d.year}",                       # Jul 1, 1952
    lambda d: f"{mon(d)}. {d.day}, {d.year}",                      # Jul. 1, 1952
    lambda d: f"{d.day} {mon(d)} {d.year}",                        # 1 Jul 1952
    lambda d: f"{d.day} {mon(d)}. {d.year}",                       # 1 Jul. 1952
    lambda d: f"{d.day} {mon(d)} {yy(d)}",                         # 1 Jul 52
    lambda d: f"{mon(d)} {d.day} '{yy(d)}",                        # Jul 1 '52
    lambda d: f"{AP_MONTH[d.month - 1]} {d.day}, {d.year}",        # Sept. 5, 1990 / July 1, 1952
    lambda d: f"{wkd(d)}., {AP_MONTH[d.month - 1]} {d.day}, {d.year}",  # Tue., Sept. 5, 1990
    lambda d: f"{month(d)} {nth(d.day)}, {d.year}",                # July 1st, 1952
    lambda d: f"{month(d)} {nth(d.day)} {d.year}",                 # July 1st 1952
    lambda d: f"{nth(d.day)} {month(d)} {d.year}",                 # 1st July 1952
    lambda d: f"{nth(d.day)} of {month(d)} {d.year}",              # 1st of July 1952
    lambda d: f"the {nth(d.day)} of {month(d)}, {d.year}",         # the 1st of July, 1952
    lambda d: f"{weekday(d)}, the {nth(d.day)} of {month(d)} {d.year}",  # Tuesday, the 1st of July 1952
    lambda d: f"{weekday(d)}, {month(d)} {nth(d.day)}, {d.year}",  # Tuesday, July 1st, 1952
    lambda d: f"{mon(d)} {nth(d.day)}, {d.year}",                  # Jul 1st, 1952
    lambda d: f"{nth(d.day)} {mon(d)} {d.year}",                   # 1st Jul 1952
    lambda d: f"{d.month}/{d.day}/{d.year}",                       # 7/1/1952
    lambda d: f"{d.month}/{d.day}/{yy(d)}",                        # 7/1/52
    lambda d: f"{d.day}.{d.month}.{d.year}",                       # 1.7.1952
    lambda d: f"{d.day}.{d.month}.{yy(d)}",                        # 1.7.52
]


def cased(text, rng):
    """Lower case half the time, as written (Title case names) a third, UPPER the rest; a
    sentence-initial "the" is capitalised when the names are."""
    u = rng.random()
    if u < 0.5:
        return text.lower()
    if u < 0.85:
        return "The" + text[3:] if text.startswith("the ") else text
    return text.upper()


def main():
    rng = random.Random(16)  # issue 16
    span = (LAST - FIRST).days + 1
    seen = set()
    lines = []
    while len(lines) < 1000:
        d = FIRST + datetime.timedelta(days=rng.randrange(span))
        form = FORMS[rng.randrange(len(FORMS))]
        source = cased(form(d), rng)
        if source in seen:
            continue
        seen.add(source)
        lines.append(f"{source}\t{d.isoformat()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
