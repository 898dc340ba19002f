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

-- A value quoted for a reason text, cut to 60 characters.
create or replace temp macro quoted(x) as '''' || left(x, 60) || case when length(x) > 60 then '…' else '' end || '''';

-- Text → minutes of a duration: '90' or '1.5' in the given unit (minutes per unit), or
-- 'H:MM' / 'H:MM:SS' as hours, minutes and seconds. NULL when it is neither.
create or replace temp macro parse_duration_minutes(x, unit_minutes) as case
    when regexp_matches(trim(x), '^\d+:\d{1,2}(:\d{1,2}(\.\d+)?)?$') then
        try_cast(split_part(trim(x), ':', 1) as double) * 60
        + try_cast(split_part(trim(x), ':', 2) as double)
        + coalesce(try_cast(nullif(split_part(trim(x), ':', 3), '') as double), 0) / 60
    else try_cast(trim(x) as double) * unit_minutes
end;

-- Free text with personal data masked: wallet addresses (Ethereum, Bitcoin, Tron), e-mail
-- addresses, ID and card numbers (long digit runs), and phone numbers (mainland mobiles with
-- or without +86, international forms, 3-4-4 groups). Chinese text around them stays.
create or replace temp macro scrub_pii(x) as case
    -- every pattern below holds a digit or an @, but for a Tron address (base58, maybe without
    -- a digit): text with none of them passes unchanged, and fast
    when not regexp_matches(x, '[0-9@]|\bT[1-9A-HJ-NP-Za-km-z]{33}\b') then x
    else regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(x,
        '0x[0-9a-fA-F]{40}', '[wallet]', 'g'),
        '\bbc1[02-9ac-hj-np-z]{25,62}\b', '[wallet]', 'g'),
        '\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b', '[wallet]', 'g'),
        '\bT[1-9A-HJ-NP-Za-km-z]{33}\b', '[wallet]', 'g'),
        '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[email]', 'g'),
        '\b\d{17}[\dXx]\b|\b\d{16,19}\b', '[number]', 'g'),
        '(\+?86[- ]?)?\b1[3-9]\d{9}\b', '[phone]', 'g'),
        '\+\d{1,3}[\s-]?\(?\d{1,4}\)?([\s-]?\d{2,4}){2,4}\b|\b\d{3,4}[- .]\d{3,4}[- .]\d{4}\b', '[phone]', 'g')
end;

-- A customer identifier as stored: a salted SHA-256, so that the same customer is the same
-- key in every load, and the warehouse does not hold the identifier itself.
create or replace temp macro hash_customer(x, salt) as
    case when x is null then null else 'c_' || left(sha256(salt || x), 16) end;
