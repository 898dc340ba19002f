-- materialized: view
-- order: 20
-- grain: one row per source and figure the source reports itself (first_response_minutes, resolution_minutes, frt_sla)
-- reported_agreement: where an export reports its own figures, how often ours (ticket_metrics,
-- the one definition) agree with them. Durations (tickets.*_minutes_reported, mapped by a
-- profile's [reported] table or given in the canonical format) agree within tolerance_minutes
-- (2: time stamps and figures rounded to the minute can differ by up to two). The source's
-- verdict on the first-response SLA (tickets.frt_sla_reported: a regulator's "timely response",
-- Freshdesk's "First response status") agrees where ticket_metrics.frt_sla, judged from the
-- response time we keep against our target, is the same. A ticket whose figure we cannot
-- compute (no response or resolution time kept) is reported but not compared.
-- A view.
with pairs as (
    select t.source, 'first_response_minutes' as figure,
           m.first_response_minutes is not null as compared,
           abs(m.first_response_minutes - t.first_response_minutes_reported) <= 2 as agrees,
           m.first_response_minutes - t.first_response_minutes_reported as difference
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.first_response_minutes_reported is not null
    union all
    select t.source, 'resolution_minutes' as figure,
           m.resolution_minutes is not null as compared,
           abs(m.resolution_minutes - t.resolution_minutes_reported) <= 2 as agrees,
           m.resolution_minutes - t.resolution_minutes_reported as difference
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.resolution_minutes_reported is not null
    union all
    -- without a response time, frt_sla is the source's own verdict: nothing to compare
    select t.source, 'frt_sla' as figure,
           m.first_response_at is not null as compared,
           m.frt_sla = t.frt_sla_reported as agrees,
           cast(null as double) as difference
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.frt_sla_reported is not null
)
select
    source,
    figure,
    count(*) as tickets_reported,
    count(*) filter (where compared) as tickets_compared,
    count(*) filter (where compared and agrees) as tickets_agreeing,
    cast(100 as double) * count(*) filter (where compared and agrees)
        / nullif(count(*) filter (where compared), 0) as agreeing_pct,
    median(difference) as median_difference_minutes,
    max(abs(difference)) as max_difference_minutes,
    case when figure = 'frt_sla' then null else cast(2 as double) end as tolerance_minutes
from pairs
group by source, figure
