-- materialized: alert_query (read by every alert evaluation; not stored)
-- grain: one row per rule and subject whose last firing is a start: what is firing now
-- The state of each rule is its last firing: a rule (for a subject) is firing when its last
-- row in alert_firings has state 'started', and quiet otherwise (or before any firing).
select *
from (
    select
        f.*,
        row_number() over (partition by f.rule, f.subject order by f.firing_id desc) as nth_last
    from alert_firings f
) last_firing
where nth_last = 1 and state = 'started'
order by rule, subject
