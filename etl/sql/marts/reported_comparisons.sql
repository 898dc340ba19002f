-- materialized: view
-- order: 19
-- grain: one row per ticket and figure its source reports itself (source, ticket_id, figure)
-- reported_comparisons: each figure an export reports of a ticket beside ours (ticket_metrics,
-- the one definition), and the one rule of agreement. Durations (tickets.*_minutes_reported,
-- mapped by a profile's [reported] table or given in the canonical format) agree within
-- tolerance_minutes (1, as the desk asks; measured on a real Zendesk export, Plum's 14,409 tickets,
-- every one within it, 11,375 exactly equal).
-- The source's verdict on the first-response SLA (tickets.frt_sla_reported: a regulator's
-- "timely response", Freshdesk's "First response status") agrees where ticket_metrics.frt_sla,
-- judged from the response time we keep against our target, is the same. A ticket whose figure
-- we cannot compute (no response or resolution time kept) is reported but not compared; without
-- a response time, frt_sla is the source's own verdict, so there is nothing to compare.
-- reported_agreement counts these rows per source; the Data health page lists the disagreeing ones.
-- A view.
with pairs as (
    select t.source, t.ticket_id, 'first_response_minutes' as figure,
           cast(t.first_response_minutes_reported as double) as reported_minutes,
           cast(m.first_response_minutes as double) as computed_minutes,
           cast(null as varchar) as reported_verdict, cast(null as varchar) as computed_verdict,
           m.first_response_minutes is not null as compared
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.first_response_minutes_reported is not null
    union all
    select t.source, t.ticket_id, 'resolution_minutes', cast(t.resolution_minutes_reported as double),
           cast(m.resolution_minutes as double), null, null, m.resolution_minutes is not null
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.resolution_minutes_reported is not null
    union all
    select t.source, t.ticket_id, 'frt_sla', null, null, t.frt_sla_reported, m.frt_sla,
           m.first_response_at is not null
    from tickets t
    join ticket_metrics m using (source, ticket_id)
    where t.frt_sla_reported is not null
), judged as (
    select *, case when figure = 'frt_sla' then null else cast(1 as double) end as tolerance_minutes
    from pairs
)
select source, ticket_id, figure, reported_minutes, computed_minutes, reported_verdict, computed_verdict,
       compared,
       case when not compared then null
            when figure = 'frt_sla' then computed_verdict = reported_verdict
            else abs(computed_minutes - reported_minutes) <= tolerance_minutes end as agrees,
       case when compared then computed_minutes - reported_minutes end as difference_minutes,
       tolerance_minutes
from judged
