-- The Alerts page and the sidebar: what is firing now, one row per rule and subject whose last
-- firing is a start (the state the ETL keeps: etl/sql/alerts/state.sql).
select firing_id, rule, subject, per, evaluated_at as since, round(value, 2) as value, rule_text,
       tickets as behind, threshold, condition, window_name
from (
    select f.*, row_number() over (partition by f.rule, f.subject order by f.firing_id desc) as nth_last
    from alert_firings f
) last_firing
where nth_last = 1 and state = 'started'
order by since desc, rule, subject
