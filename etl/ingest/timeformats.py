"""Time stamps inferred per column from the column's own values.

Helpdesk exports write times in whatever form the tool or the spreadsheet that re-saved
them chose: ISO 8601, `6/1/2023 12:15`, `01.06.2023 12:15`, `22-Apr-15`, `2024年3月5日
14时30分`, Excel serial numbers, Unix seconds or milliseconds. One fixed format per profile
reads none of the others, so the format is decided per column from a sample of its values:
the layout that reads the most of them wins, and for numeric dates day-first or month-first
is decided from the values themselves (a first field above 12 can only be a day, a second
above 12 only a day). When nothing tells them apart the column is read month-first and the
decision is reported as ambiguous; a profile can pin it (`[time] day_first = true`).

Placeholders are empty, not times: `1900-01-01…`, `1899-12-30`, `0000-00-00`, `N/A`, `-`,
`--`, `?`, `null`, `None`, `NaT`, a lone non-breaking space.

`Inference.sql(expr)` turns a column's text into text that the staging step's `parse_ts`
reads (ISO 8601; naive local time, or UTC with `+00:00` for Unix times), and leaves a
value that does not fit the layout as it is, so that staging judges it (and says why).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from etl.core.sqlfiles import quote_literal

# lower-cased, trimmed values that mean "no time"
_PLACEHOLDER_WORDS = ("", "n/a", "na", "-", "--", "---", "?", "null", "none", "nat", "nan", "nil", "0")
_PLACEHOLDER_PREFIXES = ("1900-01-01", "1899-12-30", "1899-12-31", "0000-00-00", "0001-01-01",
                         "1900/01/01", "1/1/1900", "01/01/1900")
# the same, as one SQL condition over lower(trim(x)) (with a non-breaking space trimmed too)
_PLACEHOLDER_SQL = ("regexp_matches(lower(trim(replace({x}, chr(160), ' '))), "
                    + quote_literal("^(" + "|".join(re.escape(w) for w in _PLACEHOLDER_WORDS) + ")$|^("
                                    + "|".join(re.escape(p) for p in _PLACEHOLDER_PREFIXES) + ")")
                    + ")")

_TIME = r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# month names written out, Portuguese and Spanish ("17 de Abril de 2019"), lower case
MONTH_WORDS = {
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "abril": 4, "maio": 5, "junho": 6, "julho": 7,
    "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "mayo": 5, "junio": 6, "julio": 7, "septiembre": 9,
    "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}


def is_placeholder(value: str | None) -> bool:
    """True for a value that stands for "no time" (see the module docstring)."""
    if value is None:
        return True
    text = value.replace("\xa0", " ").strip().lower()
    return text in _PLACEHOLDER_WORDS or text.startswith(_PLACEHOLDER_PREFIXES)


@dataclass(frozen=True)
class Layout:
    """A way time stamps are written: how to recognise one, and how to read it in SQL."""

    name: str
    label: str                     # for people: "M/D/YYYY H:MM"
    pattern: re.Pattern[str]

    def fits(self, value: str) -> bool:
        return bool(self.pattern.match(value))


LAYOUTS = (
    Layout("iso", "ISO 8601 (YYYY-MM-DD[ HH:MM[:SS]][offset])",
           re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$")),
    Layout("ymd", "YYYY/MM/DD[ HH:MM[:SS]]", re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _TIME + "$")),
    Layout("numeric", "D/M/Y or M/D/Y", re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})" + _TIME + "$")),
    Layout("day_month_name", "D-Mon-Y", re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ,]+(\d{2}|\d{4})" + _TIME + "$")),
    Layout("month_name_day", "Mon D, Y", re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})" + _TIME + "$")),
    Layout("chinese", "YYYY年M月D日 H时M分",
           re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：时点](\d{1,2})分?(?:(\d{1,2})秒?)?)?$")),
    Layout("words", "D de Mês de YYYY (Portuguese / Spanish)",
           re.compile(r"^(?:[^\d,]+,\s*)?(\d{1,2}) de ([^\d\s]+) de (\d{4})(?:\s*[-–,]?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?$",
                      re.IGNORECASE)),
    Layout("excel", "Excel serial number", re.compile(r"^\d{5}(?:\.\d+)?$")),
    Layout("unix_s", "Unix seconds", re.compile(r"^\d{9,10}(?:\.\d+)?$")),
    Layout("unix_ms", "Unix milliseconds", re.compile(r"^\d{12,13}$")),
)
_BY_NAME = {layout.name: layout for layout in LAYOUTS}


def _plausible(layout: str, value: str) -> bool:
    """Beyond the pattern: numbers in the range a time of a helpdesk can have."""
    if layout == "excel":
        return 20000 <= float(value) <= 80000        # 1954 … 2119
    if layout == "unix_s":
        return 1e8 <= float(value) <= 4.2e9          # 1973 … 2103
    if layout == "unix_ms":
        return 1e11 <= float(value) <= 4.2e12
    if layout == "words":
        m = _BY_NAME[layout].pattern.match(value)
        assert m is not None
        return m.group(2).lower() in MONTH_WORDS
    if layout in ("day_month_name", "month_name_day"):
        m = _BY_NAME[layout].pattern.match(value)
        assert m is not None
        name = (m.group(2) if layout == "day_month_name" else m.group(1)).lower()
        return name[:3] in _MONTHS
    return True


@dataclass
class Inference:
    """What a column's sampled values say about how its times are written."""

    layout: str | None                  # None: no value read as a time (or the column is empty)
    day_first: bool | None = None       # numeric layout only
    two_digit_year: bool = False
    twelve_hour: bool = False
    has_time: bool = False              # some values carry a time of day
    ambiguous: bool = False             # numeric dates none of whose fields exceeds 12
    sampled: int = 0                    # distinct non-placeholder values looked at
    placeholders: int = 0
    unfit: list[str] = field(default_factory=list)  # sampled values the layout does not read

    @property
    def label(self) -> str:
        if self.layout is None:
            return "no time stamps"
        if self.layout == "numeric":
            order = "D/M/Y" if self.day_first else "M/D/Y"
            text = order.replace("Y", "YY" if self.two_digit_year else "YYYY")
            text += " H:MM AM/PM" if self.twelve_hour else " H:MM" if self.has_time else ""
            if self.ambiguous:
                text += " (ambiguous: no day above 12; read month first)"
            return text
        return _BY_NAME[self.layout].label

    @property
    def needs_conversion(self) -> bool:
        """False when staging reads the values as they are (ISO 8601)."""
        return self.layout not in (None, "iso")

    def sql(self, expr: str) -> str:
        """SQL over the text `expr`: NULL for a placeholder, the time as ISO text for a value
        in the layout, the value itself otherwise (staging then judges it)."""
        placeholder = _PLACEHOLDER_SQL.format(x=expr)
        if not self.needs_conversion:
            return f"case when {placeholder} then null else {expr} end"
        layout = _BY_NAME[self.layout or "iso"]
        text = f"trim({expr})"
        converted = self._convert(text)
        return (f"case when {placeholder} then null "
                f"when regexp_matches({text}, {quote_literal(layout.pattern.pattern)}) "
                f"then coalesce({converted}, {expr}) else {expr} end")

    def _convert(self, text: str) -> str:
        iso = "'%Y-%m-%d %H:%M:%S'"
        if self.layout == "excel":
            return (f"strftime(timestamp '1899-12-30' + to_microseconds(cast(round(cast({text} as double) "
                    f"* 86400e6) as bigint)), {iso})")
        if self.layout in ("unix_s", "unix_ms"):
            scale = "1e6" if self.layout == "unix_s" else "1e3"
            return f"strftime(make_timestamp(cast(cast({text} as double) * {scale} as bigint)), {iso}) || '+00:00'"
        if self.layout == "words":
            pattern = quote_literal(_BY_NAME["words"].pattern.pattern)
            part = lambda n: f"regexp_extract({text}, {pattern}, {n}, 'i')"  # noqa: E731
            month = ("case lower(" + part(2) + ") "
                     + " ".join(f"when {quote_literal(k)} then {v}" for k, v in MONTH_WORDS.items()) + " end")
            return (f"strftime(try_cast(make_timestamp(try_cast({part(3)} as bigint), {month}, "
                    f"try_cast({part(1)} as bigint), coalesce(try_cast(nullif({part(4)}, '') as bigint), 0), "
                    f"coalesce(try_cast(nullif({part(5)}, '') as bigint), 0), "
                    f"coalesce(try_cast(nullif({part(6)}, '') as double), 0)) as timestamp), {iso})")
        if self.layout == "chinese":
            normal = (f"regexp_replace(regexp_replace(regexp_replace({text}, '[年月]', '-', 'g'), '日\\s*', ' '), "
                      "'[时点：]', ':', 'g')")
            normal = f"rtrim(regexp_replace(regexp_replace({normal}, '分', ':'), '秒', ''), ': ')"
            return f"strftime(try_strptime({normal}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d']), {iso})"
        formats = self._formats()
        source = text
        if self.layout in ("numeric", "ymd"):  # one separator for the formats
            source = f"regexp_replace({text}, '^(\\d+)[/.-](\\d+)[/.-](\\d+)', '\\1/\\2/\\3')"
        elif self.layout == "day_month_name":
            source = f"regexp_replace({text}, '^(\\d+)[- ]([A-Za-z]+)\\.?[- ,]+(\\d+)', '\\1-\\2-\\3')"
        elif self.layout == "month_name_day":
            source = f"regexp_replace({text}, '^([A-Za-z]+)\\.? (\\d+),? (\\d+)', '\\1 \\2 \\3')"
        source = f"regexp_replace({source}, '([AaPp])\\.?[Mm]\\.?$', '\\1M')"
        listed = "[" + ", ".join(quote_literal(f) for f in formats) + "]"
        return f"strftime(try_strptime({source}, {listed}), {iso})"

    def _formats(self) -> list[str]:
        clock = (["%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p"] if self.twelve_hour else [])
        clock += ["%H:%M:%S", "%H:%M"]
        year = "%y" if self.two_digit_year else "%Y"
        if self.layout == "ymd":
            dates = ["%Y/%m/%d"]
        elif self.layout == "numeric":
            dates = [f"%d/%m/{year}" if self.day_first else f"%m/%d/{year}"]
        elif self.layout == "day_month_name":
            dates = [f"%d-%b-{year}", f"%d-%B-{year}"]
        else:
            dates = ["%b %d %Y", "%B %d %Y"]
        return [f"{d} {c}" for d in dates for c in clock] + dates


def infer(values: Iterable[str | None], *, day_first: bool | None = None) -> Inference:
    """The layout that reads the most of `values` (distinct values of one column, a sample
    is enough), with day-first decided from them unless `day_first` pins it."""
    texts: list[str] = []
    placeholders = 0
    for value in values:
        if is_placeholder(value):
            placeholders += value is not None and bool(value.strip())
            continue
        assert value is not None
        texts.append(value.replace("\xa0", " ").strip())
    if not texts:
        return Inference(layout=None, placeholders=placeholders)
    counts: dict[str, int] = {}
    for layout in LAYOUTS:
        counts[layout.name] = sum(1 for t in texts if layout.fits(t) and _plausible(layout.name, t))
        if counts[layout.name] == len(texts):
            break  # it reads every value: no later layout can beat it, and ties go to the earlier
    best = max(LAYOUTS[:len(counts)], key=lambda layout: counts[layout.name])  # ties: the earlier layout
    if counts[best.name] == 0:
        return Inference(layout=None, sampled=len(texts), placeholders=placeholders, unfit=texts[:5])
    fitting = [t for t in texts if best.fits(t) and _plausible(best.name, t)]
    # what staging reads as it is (ISO 8601, YYYY/MM/DD) is not "unfit" in another layout:
    # such values pass through the conversion unchanged
    as_is = (_BY_NAME["iso"], _BY_NAME["ymd"])
    unfit = [t for t in texts if not (best.fits(t) and _plausible(best.name, t))
             and not any(layout.fits(t) for layout in as_is)]
    result = Inference(layout=best.name, sampled=len(texts), placeholders=placeholders, unfit=unfit[:5])
    matches = [best.pattern.match(t) for t in fitting]
    if best.name in ("numeric", "ymd", "day_month_name", "month_name_day"):
        result.twelve_hour = any(m is not None and m.group(7) for m in matches)
        result.has_time = any(m is not None and m.group(4) for m in matches)
    if best.name in ("numeric", "day_month_name"):
        result.two_digit_year = all(m is not None and len(m.group(3)) == 2 for m in matches)
    if best.name == "numeric":
        firsts = [int(m.group(1)) for m in matches if m is not None]
        seconds = [int(m.group(2)) for m in matches if m is not None]
        if day_first is not None:
            result.day_first = day_first
        elif any(f > 12 for f in firsts) and not any(s > 12 for s in seconds):
            result.day_first = True
        elif any(s > 12 for s in seconds) and not any(f > 12 for f in firsts):
            result.day_first = False
        else:  # nothing tells them apart (or both exceed 12: mixed; the majority's reading)
            result.day_first = False
            result.ambiguous = not any(f > 12 for f in firsts)
    return result
