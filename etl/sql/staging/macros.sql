-- Parsing helpers of the staging step (temporary: they live only in the ETL's session).
-- The session's TimeZone is the source's zone while a file is staged, so a time stamp
-- without an offset is read as local time of the source, one with an offset as that instant.

-- Text → instant. ISO 8601 with or without offset ('2026-01-05T09:30:00+08:00', '…Z'),
-- spreadsheet forms ('2026/1/5 9:30', '2026-01-05 09:30:00'), dates ('2026-01-05'),
-- and a blank before the offset ('2026-01-05 09:30:00 +0800').
create or replace temp macro parse_ts(x) as coalesce(
    try_cast(x as timestamptz),
    try_strptime(x, ['%Y-%m-%d %H:%M:%S %z', '%Y/%m/%d %H:%M:%S %z', '%Y-%m-%d %H:%M %z'])
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
