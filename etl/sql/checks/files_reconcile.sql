-- severity: error
-- Every loaded file reconciles: rows read = loaded + rejected + skipped.
select run_id, path, rows_read, rows_loaded, rows_rejected, rows_skipped
from load_files
where status = 'loaded'
  and rows_read <> rows_loaded + rows_rejected + rows_skipped
