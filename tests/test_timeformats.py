"""Time stamps inferred per column: every form the exports use, day-first from the values,
placeholders empty; the SQL gives text that staging's parse_ts reads as the same instant."""

from __future__ import annotations

import duckdb
import pytest

from etl.ingest.timeformats import infer, is_placeholder


def _read(values: list[str], **kw: object) -> list[str | None]:
    """The values as staging would read them: inferred SQL, then parse_ts (UTC session)."""
    inference = infer(values, **kw)  # type: ignore[arg-type]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    rows = con.execute(f"select strftime(try_cast({inference.sql('v')} as timestamptz), '%Y-%m-%d %H:%M:%S') "
                       "from unnest(?) t(v)", [values]).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(("values", "expected", "label"), [
    (["2026-01-05T09:30:00+08:00", "2026-01-05 09:30"], ["2026-01-05 01:30:00", "2026-01-05 09:30:00"], "ISO"),
    (["2026-01-05T09:30:00Z"], ["2026-01-05 09:30:00"], "ISO"),
    (["2024/03/05 14:30", "2024/3/5"], ["2024-03-05 14:30:00", "2024-03-05 00:00:00"], "YYYY/MM/DD"),
    (["6/1/2023 12:15", "6/13/2023 9:05"], ["2023-06-01 12:15:00", "2023-06-13 09:05:00"], "M/D/YYYY"),
    (["13/1/2023 12:15", "6/1/2023 9:05"], ["2023-01-13 12:15:00", "2023-01-06 09:05:00"], "D/M/YYYY"),
    (["25-12-2023 08:00", "01-02-2023 10:00"], ["2023-12-25 08:00:00", "2023-02-01 10:00:00"], "D/M/YYYY"),
    (["25.12.2023 08:00:30", "01.02.2023"], ["2023-12-25 08:00:30", "2023-02-01 00:00:00"], "D/M/YYYY"),
    (["6/1/23 2:05 PM", "6/13/23 11:59 am"], ["2023-06-01 14:05:00", "2023-06-13 11:59:00"], "M/D/YY"),
    (["22-Apr-15", "3-Jan-16 10:00"], ["2015-04-22 00:00:00", "2016-01-03 10:00:00"], "D-Mon-Y"),
    (["Apr 22, 2015 10:00 AM"], ["2015-04-22 10:00:00"], "Mon D, Y"),
    (["2024年3月5日 14:30", "2024年3月5日 14时30分", "2024年12月31日"],
     ["2024-03-05 14:30:00", "2024-03-05 14:30:00", "2024-12-31 00:00:00"], "YYYY年"),
    (["Quarta-feira, 17 de Abril de 2019 - 15:48", "2 de março de 2019"],
     ["2019-04-17 15:48:00", "2019-03-02 00:00:00"], "D de Mês"),
    (["5 de diciembre de 2023 09:05"], ["2023-12-05 09:05:00"], "D de Mês"),
    (["45000.5", "45001"], ["2023-03-15 12:00:00", "2023-03-16 00:00:00"], "Excel"),
    (["1700000000", "1700003600"], ["2023-11-14 22:13:20", "2023-11-14 23:13:20"], "Unix seconds"),
    (["1700000000000"], ["2023-11-14 22:13:20"], "Unix milliseconds"),
])
def test_every_form_is_read(values: list[str], expected: list[str], label: str) -> None:
    assert _read(values) == expected
    assert infer(values).label.startswith(label)


@pytest.mark.parametrize("value", ["1900-01-01 00:00:00", "1899-12-30", "0000-00-00 00:00:00", "N/A", "-", "--",
                                   "?", "null", "None", "NaT", "\xa0", " ", "n/a"])
def test_placeholders_are_empty(value: str) -> None:
    assert is_placeholder(value)
    assert _read([value, "2026-01-05 09:30"])[0] is None
    assert _read([value, "6/13/2023 9:05"])[0] is None


def test_real_times_are_not_placeholders() -> None:
    assert not any(is_placeholder(v) for v in ("2026-01-05", "1901-01-01 00:00", "6/1/2023 12:15"))


def test_day_first_decided_from_the_values_and_reported() -> None:
    assert infer(["13/01/2024", "02/03/2024"]).day_first is True
    assert infer(["01/13/2024", "02/03/2024"]).day_first is False
    ambiguous = infer(["01/02/2024", "03/04/2024"])
    assert ambiguous.day_first is False and ambiguous.ambiguous
    assert "ambiguous" in ambiguous.label
    pinned = infer(["01/02/2024", "03/04/2024"], day_first=True)
    assert pinned.day_first is True
    assert _read(["01/02/2024"], day_first=True) == ["2024-02-01 00:00:00"]


def test_a_value_outside_the_layout_is_left_for_staging_to_judge() -> None:
    inference = infer(["6/1/2023 12:15", "6/2/2023 12:15", "not a time"])
    assert inference.layout == "numeric" and inference.unfit == ["not a time"]
    assert _read(["6/1/2023 12:15", "not a time"]) == ["2023-06-01 12:15:00", None]
    assert _read(["6/1/2023 12:15", "2/30/2023 10:00"])[1] is None  # no such day


def test_iso_needs_no_conversion_and_an_empty_column_has_no_layout() -> None:
    assert not infer(["2026-01-05 09:30:00"]).needs_conversion
    assert infer([None, "", "N/A"]).layout is None
