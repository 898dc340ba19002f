-- Parsing helpers of the staging step (temporary: they live only in the ETL's session).
-- The session's TimeZone is the source's zone while a file is staged, so a time stamp
-- without an offset is read as local time of the source, one with an offset as that instant.

-- Text → instant. ISO 8601 with or without offset ('2026-01-05T09:30:00+08:00', '…Z'),
-- spreadsheet forms ('2026/1/5 9:30', '2026-01-05 09:30:00'), dates ('2026-01-05'),
-- and a blank before the offset ('2026-01-05 09:30:00 +0800').
-- (coalesce evaluates an argument only for the rows the ones before left NULL: the plain
-- cast, which takes most values, runs first; the trimmed one costs only the rest)
create or replace temp macro parse_ts(x) as coalesce(
    try_cast(x as timestamptz),
    try_cast(trim(x) as timestamptz),
    try_strptime(trim(x), ['%Y-%m-%d %H:%M:%S %z', '%Y/%m/%d %H:%M:%S %z', '%Y-%m-%d %H:%M %z'])
);

-- Text → whole number, accepting '3' and '3.0' (spreadsheets), refusing '3.5' and 'x'.
create or replace temp macro parse_int(x) as case
    when try_cast(x as double) = round(try_cast(x as double)) then try_cast(try_cast(x as double) as bigint)
end;

-- Text → an amount of money: '1234.5', '1,234.50', '¥ 1,234.50', '1234,5 元', 'USDT 20' (the
-- currency's sign or code dropped: it belongs in `currency`); NULL for anything else ('n/a',
-- 'inf', '1.2.3').
create or replace temp macro amount_text(x) as
    regexp_replace(upper(trim(x)), '\s|¥|￥|\$|€|£|元|RMB|CNY|USDT|USD|EUR', '', 'g');
create or replace temp macro parse_amount(x) as case
    when regexp_matches(amount_text(x), '^[+-]?[0-9]+,[0-9][0-9]?$') then
        try_cast(replace(amount_text(x), ',', '.') as double)
    when regexp_matches(amount_text(x), '^[+-]?[0-9][0-9,]*(\.[0-9]+)?$') then
        try_cast(replace(amount_text(x), ',', '') as double)
end;

-- Text → minutes of a duration: '90' or '1.5' in the given unit (minutes per unit), or
-- 'H:MM' / 'H:MM:SS' as hours, minutes and seconds. NULL when it is neither.
create or replace temp macro parse_duration_minutes(x, unit_minutes) as case
    when regexp_matches(trim(x), '^\d+:\d{1,2}(:\d{1,2}(\.\d+)?)?$') then
        try_cast(split_part(trim(x), ':', 1) as double) * 60
        + try_cast(split_part(trim(x), ':', 2) as double)
        + coalesce(try_cast(nullif(split_part(trim(x), ':', 3), '') as double), 0) / 60
    else try_cast(trim(x) as double) * unit_minutes
end;

-- Free text with personal data masked (docs/DECISIONS.md, "Personal data"): wallet addresses
-- (Ethereum, Bitcoin, Tron) → [wallet], e-mail addresses, also with non-ASCII names and
-- domains (josé@correo.es, 用户@例子.公司) → [email], IBANs → [iban], Chinese ID numbers (18
-- characters, birth date inside, last one maybe X) → [number], card numbers (16-19 digits,
-- also in groups of four) → [card], and phone numbers → [phone]: mainland mobiles, also glued
-- to letters (wxid_13812345678) or with +86, landlines with an area code (020-12345678,
-- (0755) 8888 6666), international forms, 3-4-4 groups. Full-width digits, ＠ and ＋ are read
-- as their ASCII forms (and a text that holds personal data is stored so). Chinese text around them stays, and so do time
-- stamps, amounts and shorter numbers (ticket 123456, 订单 20260105-7788).
-- RE2 has no look-around: a number's neighbours are matched as (^|[^0-9]) … ([^0-9]|$) and
-- put back (\1 … \N); the mobile pattern runs twice, for two numbers one character apart.
--
-- Performance: every pattern needs 4 digits in a row, an @, or a wallet's form; a text with
-- none of them (most subjects, event details and enumeration values) is returned as it is
-- after one regexp_matches, the rest go through the replacements. Binding the macro costs
-- ~2 ms a use (its regular expressions are compiled per use, not per row): a query uses it
-- once per stored column (a rejected row's JSON: once, over a list of its values).
create or replace temp macro scrub_pii_all(x) as
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        translate(x, '０１２３４５６７８９＠＋', '0123456789@+'),
        -- wallets: Ethereum, Bitcoin (bech32, legacy), Tron
        '0x[0-9a-fA-F]{40}|\bbc1[02-9ac-hj-np-z]{25,62}\b|\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b|\bT[1-9A-HJ-NP-Za-km-z]{33}\b',
        '[wallet]', 'g'),
        -- e-mail: a Latin local part (josé), or one in another script (Han, kana, Hangul,
        -- Greek, Cyrillic, Hebrew, Arabic) not glued to Latin letters; a domain in any script
        -- (character ranges, not \pL or \p{Script}: those cost ~5 ms to compile, and braces
        -- are placeholders in our SQL files)
        '(?:[A-Za-zÀ-ÖØ-öø-ɏ̀-ͯ0-9._%+-]+|[一-鿿㐀-䶿぀-ヿ가-힯Ͱ-ӿ֐-ۿ._%+-]+)@(?:[^\s@.,;:<>()\[\]"''，。；：、（）《》！？/]+\.)+(?:[A-Za-z]{2,}|[^\x00-\x7F\s，。；：、（）《》！？]{2,})',
        '[email]', 'g'),
        -- IBAN: country, check digits, 11-30 letters or digits, compact or in groups of four
        '(^|[^A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)([^A-Za-z0-9]|$)',
        '\1[iban]\2', 'g'),
        -- Chinese ID number: area (6), birth date (8), sequence (3), check digit or X
        '(^|[^0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]([^0-9A-Za-z]|$)',
        '\1[number]\2', 'g'),
        -- card: four groups of four (a space or - between) and up to 3 more, or 16-19 digits
        '(^|[^0-9])(?:(?:[0-9]{4}[ -]){3}[0-9]{4}(?:[ -]?[0-9]{1,3})?|[0-9]{16,19})([^0-9]|$)', '\1[card]\2', 'g'),
        -- mainland mobile, +86 or not, glued to letters or not
        '(^|[^0-9+])(?:\+?86[- ]?)?1[3-9][0-9]{9}([^0-9]|$)', '\1[phone]\2', 'g'),
        '(^|[^0-9+])(?:\+?86[- ]?)?1[3-9][0-9]{9}([^0-9]|$)', '\1[phone]\2', 'g'),
        -- international: +country, then groups (also +86 10 1234 5678)
        '\+[0-9]{1,3}[\s-]?\(?[0-9]{1,4}\)?(?:[\s-]?[0-9]{2,4}){2,4}\b', '[phone]', 'g'),
        -- a landline with an area code (020-12345678, (0755) 8888 6666), 3-4-4 groups
        -- (139 0000 1111, 415-555-0199)
        '(^|[^0-9])(?:(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})[ -]?[0-9]{3,4}[ -]?[0-9]{4}|[0-9]{3,4}[- .][0-9]{3,4}[- .][0-9]{4})([^0-9]|$)',
        '\1[phone]\2', 'g');

create or replace temp macro scrub_pii(x) as case
    -- fast path: text with no 4 digits in a row (ASCII or full-width), no @ and nothing of a
    -- wallet's form cannot hold any of the patterns and passes unchanged
    when not regexp_matches(x, '[0-9０-９]{4}|[@＠]|0x[0-9a-fA-F]{40}|\b[13T][1-9A-HJ-NP-Za-km-z]{25,34}\b') then x
    else scrub_pii_all(x)
end;

-- Free text as stored: scrubbed when `scrub` ([privacy] scrub_free_text, $scrub_text).
create or replace temp macro scrub_if(x, scrub) as case when scrub then scrub_pii(x) else x end;

-- A value quoted for a reason text, cut to 60 characters. (A reason is stored scrubbed: the
-- staging queries scrub the whole text once, not each quoted value: docs/DECISIONS.md.)
create or replace temp macro quoted(x) as '''' || left(x, 60) || case when length(x) > 60 then '…' else '' end || '''';

-- A customer identifier as stored: a salted SHA-256, so that the same customer is the same
-- key in every load, and the warehouse does not hold the identifier itself.
create or replace temp macro hash_customer(x, salt) as
    case when x is null then null else 'c_' || left(sha256(salt || x), 16) end;
