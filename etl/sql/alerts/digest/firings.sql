-- materialized: digest_query (read by the weekly digest, etl/alerts/digest.py; not stored)
-- grain: one row per alert firing that started on data of the week (its as_of in the week)
select firing_id, rule, subject, value, rule_text, as_of
from alert_firings
where state = 'started' and as_of > $start and as_of <= $end
order by firing_id
