-- Data health: the last 20 load runs, newest first.
select run_id, command, status, started_at, finished_at, as_of, files,
       files_skipped, rows_read, rows_loaded, rows_rejected, rows_skipped
from load_runs
order by run_id desc
limit 20
