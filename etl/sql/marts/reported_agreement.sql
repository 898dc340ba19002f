-- materialized: view
-- order: 20
-- grain: one row per source and figure the source reports itself (first_response_minutes, resolution_minutes, frt_sla)
-- reported_agreement: how often ours agree with what an export reports of its own tickets,
-- counted from reported_comparisons (where the rules of agreement are defined).
-- A view.
select
    source,
    figure,
    count(*) as tickets_reported,
    count(*) filter (where compared) as tickets_compared,
    count(*) filter (where compared and agrees) as tickets_agreeing,
    cast(100 as double) * count(*) filter (where compared and agrees)
        / nullif(count(*) filter (where compared), 0) as agreeing_pct,
    median(difference_minutes) as median_difference_minutes,
    max(abs(difference_minutes)) as max_difference_minutes,
    any_value(tolerance_minutes) as tolerance_minutes
from reported_comparisons
group by source, figure
