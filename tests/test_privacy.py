"""Personal data never reaches the warehouse as given: customer identifiers are salted
hashes, free text is scrubbed of phone numbers, e-mail and wallet addresses (the table of cases and
the rest of the security findings: tests/test_security_pii.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.core import sqlfiles
from etl.load.run import load
from tests.helpers import SAMPLE_AS_OF, query, settings_with


@pytest.fixture(scope="module")
def scrub():  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    sqlfiles.run(con, "staging/macros")
    yield lambda text: con.execute("select scrub_pii(?)", [text]).fetchall()[0][0]
    con.close()


@pytest.mark.parametrize("text, expected", [
    ("请联系我 13812345678 或 zhang.wei@example.com，钱包 0x52908400098527886E0F7030069857D2E4169EE7",
     "请联系我 [phone] 或 [email]，钱包 [wallet]"),
    ("手机+86 139 0000 1111，邮箱 li_na+wallet@qq.com", "手机[phone]，邮箱 [email]"),
    ("Call +1 (415) 555-0132 or 415-555-0199 about bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
     "Call [phone] or [phone] about [wallet]"),
    ("TRC20 地址 TJRabPrwbZy45sbavfcjinPJC18kjpRTv8 转账失败", "TRC20 地址 [wallet] 转账失败"),
    ("Tron TJRabPrwbZyxsbavfcjinPJCxxkjpRTvzQ without digits", "Tron [wallet] without digits"),
    ("BTC 1BoatSLRpgHbBbyJ5aLhSYd2fg1MxhNXs9 未到账", "BTC [wallet] 未到账"),
    ("身份证 11010519491231002X，银行卡 6222020200112233445", "身份证 [number]，银行卡 [card]"),
    # what must stay: amounts, dates, order numbers, Chinese text
    ("提现 500 USDT 订单 20260105-7788 于 2026-01-05 09:30 未到账", "提现 500 USDT 订单 20260105-7788 于 2026-01-05 09:30 未到账"),
    ("Withdrawal of 1,250.50 USDT pending since 3 days", "Withdrawal of 1,250.50 USDT pending since 3 days"),
])
def test_scrubbing(scrub, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert scrub(text) == expected


def test_load_hashes_customers_and_scrubs_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_CUSTOMER_SALT", raising=False)
    s = settings_with(tmp_path, {})
    export = tmp_path / "t.csv"
    export.write_text(
        "ticket_id,created_at,customer_id,subject\n"
        "P1,2026-01-05 09:00,C-13812345678,请回电 13812345678\n"
        "P2,2026-01-05 10:00,C-13812345678,wallet 0x52908400098527886E0F7030069857D2E4169EE7 stuck\n",
        encoding="utf-8")
    load([export], s, as_of=SAMPLE_AS_OF)
    rows = query(s, "select ticket_id, customer_id, subject from tickets order by 1")
    assert rows[0][1] == rows[1][1] and rows[0][1].startswith("c_") and len(rows[0][1]) == 18
    assert [r[2] for r in rows] == ["请回电 [phone]", "wallet [wallet] stuck"]
    warehouse_bytes = Path(s.warehouse_path).resolve().read_bytes()
    assert b"13812345678" not in warehouse_bytes and b"0x5290840009852788" not in warehouse_bytes
    salt = (s.warehouse_path.parent / ".customer-salt").read_text().strip()
    assert len(salt) == 64 and (s.warehouse_path.parent / ".customer-salt").stat().st_mode & 0o077 == 0
    # the same salt next time: the same customer keeps the same key
    again = tmp_path / "t2.csv"
    again.write_text("ticket_id,created_at,customer_id\nP3,2026-01-06 09:00,C-13812345678\n", encoding="utf-8")
    load([again], s, as_of=SAMPLE_AS_OF)
    assert query(s, "select count(distinct customer_id) from tickets") == [(1,)]


def test_salt_from_environment_and_switches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CUSTOMER_SALT", "pepper")
    s = settings_with(tmp_path, {})
    export = tmp_path / "t.csv"
    export.write_text("ticket_id,created_at,customer_id,subject\nP1,2026-01-05 09:00,C1,call 13812345678\n",
                      encoding="utf-8")
    load([export], s, as_of=SAMPLE_AS_OF)
    expected = "c_" + duckdb.sql("select sha256('pepperC1')").fetchall()[0][0][:16]
    assert query(s, "select customer_id from tickets") == [(expected,)]
    assert not (s.warehouse_path.parent / ".customer-salt").exists()
    plain = settings_with(tmp_path / "plain", {"privacy": {"hash_customer_ids": False, "scrub_free_text": False}})
    load([export], plain, as_of=SAMPLE_AS_OF)
    assert query(plain, "select customer_id, subject from tickets") == [("C1", "call 13812345678")]
