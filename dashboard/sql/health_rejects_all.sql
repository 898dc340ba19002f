-- Data health: every rejected row, for the CSV download.
select * from rejects order by run_id, source_file, record_no, line_no
