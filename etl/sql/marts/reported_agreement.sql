-- materialized: view
-- order: 20
-- grain: one row per source and figure the source reports itself (first_response_minutes, resolution_minutes)
-- reported_agreement: where an export reports its own durations (tickets.*_minutes_reported,
-- mapped by a profile's [reported] table or given in the canonical format), how often ours
-- (ticket_metrics, the one definition) agree with them: within tolerance_minutes (2: time
-- stamps and figures rounded to the minute can differ by up to two). A ticket whose figure
-- we cannot compute (no response or resolution time kept) is reported but not compared.
-- A view.
with pairs as (
    select t.source, 'first_response_minutes' as figure, t.first_response_minutes_reported as reported,
           m.first_response_minutes as computed
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.first_response_minutes_reported is not null
    union all
    select t.source, 'resolution_minutes' as figure, t.resolution_minutes_reported as reported,
           m.resolution_minutes as computed
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.resolution_minutes_reported is not null
)
select
    source,
    figure,
    count(*) as tickets_reported,
    count(computed) as tickets_compared,
    count(*) filter (where abs(computed - reported) <= 2) as tickets_agreeing,
    cast(100 as double) * count(*) filter (where abs(computed - reported) <= 2)
        / nullif(count(computed), 0) as agreeing_pct,
    median(computed - reported) as median_difference_minutes,
    max(abs(computed - reported)) as max_difference_minutes,
    cast(2 as double) as tolerance_minutes
from pairs
group by source, figure
