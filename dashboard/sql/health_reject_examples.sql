-- Data health: up to three rejected rows per reason (the newest run's first), with the raw record.
select kind, reason_code, source_file, coalesce(record_no, line_no) as record_or_line, reason, raw_record
from rejects
qualify row_number() over (partition by reason_code order by run_id desc, source_file, record_no) <= 3
order by reason_code
