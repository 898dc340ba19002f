-- Data health: every emptied field, for the CSV download.
select * from data_issues order by run_id, source_file, source_record
