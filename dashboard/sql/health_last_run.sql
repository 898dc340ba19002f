-- Data health: when the last load of this version finished, and its run.
select max(finished_at) as t, max(run_id) as run from load_runs
