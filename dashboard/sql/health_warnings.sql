-- Data health: the warnings of the last load run.
select warnings from load_runs order by run_id desc limit 1
