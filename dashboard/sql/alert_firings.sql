-- The Alerts page: the firings, newest first, with their values and the window they looked at.
select firing_id, evaluated_at, rule, subject, state, round(value, 2) as value,
       round(previous_value, 2) as previous_value, rule_text, tickets as behind, basis, threshold, condition,
       window_name, window_start, window_end, note, as_of, version
from alert_firings
order by firing_id desc
limit $limit
