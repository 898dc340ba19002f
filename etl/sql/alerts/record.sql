-- materialized: appended (alert_firings and alert_firing_tickets, stored tables of etl/sql/schema.sql)
-- grain: one row per firing (a rule starting to hold or clearing, for one subject); one row per ticket behind it
-- The evaluation's writes, all bound parameters, in one transaction of the build
-- (etl/alerts/evaluate.py record()).

-- step: next_id
select coalesce(max(firing_id), 0) + 1 as firing_id from alert_firings;

-- step: firing
insert into alert_firings by name
select
    $firing_id as firing_id, $rule as rule, $subject as subject, $per as per, $state as state,
    $metric as metric, $condition as condition, $threshold as threshold,
    $window_name as window_name, $window_start as window_start, $window_end as window_end,
    $previous_start as previous_start, $previous_end as previous_end,
    $value as value, $basis as basis, $previous_value as previous_value, $previous_basis as previous_basis,
    $tickets as tickets, $rule_text as rule_text, $note as note,
    $as_of as as_of, $evaluated_at as evaluated_at, $run_id as run_id, $version as version;

-- step: tickets
insert into alert_firing_tickets (firing_id, source, ticket_id)
select $firing_id, unnest($sources), unnest($ticket_ids);
