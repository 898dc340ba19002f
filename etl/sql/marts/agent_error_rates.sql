-- materialized: view
-- order: 5
-- grain: one row per source, agent, month of review and error type
-- agent_error_rates: one row per agent, month of review and error type: how many of the
-- agent's reviews that month found that error, and the error rate per reviewed ticket
-- (reviews with the error / reviews). Every error type appears for every agent-month, with
-- zero where none was found, so that rates are comparable. A view.
with reviews as (
    select source, agent_id, team, reviewed_month, ticket_id, error_types
    from qa_reviews_scored
    where agent_id is not null
),

types as (
    select unnest(qa_error_types()) as error_type
)

select
    r.source,
    r.agent_id,
    any_value(r.team) as team,
    r.reviewed_month,
    t.error_type,
    count(*) as reviews,
    count(distinct r.ticket_id) as reviewed_tickets,
    count(*) filter (where list_contains(r.error_types, t.error_type)) as reviews_with_error,
    pct_reviews_with(r.error_types, t.error_type) / 100 as error_rate
from reviews r
cross join types t
group by r.source, r.agent_id, r.reviewed_month, t.error_type
