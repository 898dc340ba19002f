-- Data health: the last 100 files loaded, with what became of their rows.
select run_id, file_name, kind, source, rows_read, rows_loaded,
       rows_inserted, rows_updated, rows_rejected, rows_skipped,
       skipped_reasons
from load_files
order by run_id desc, file_name
limit 100
