-- materialized: view
-- order: 23
-- grain: one row per source and category
-- assistant_automation: "what to automate next" over all the data, per source and category:
-- volume, the share contained now, the assistant's reach (its containment on the tickets it
-- handles there), human handling minutes per human-handled ticket (from events where present,
-- else resolution time as a proxy), escalation rate, CSAT, and the agent hours the target
-- containment ([assistant] target_containment_pct) would free, ranked. The formula is the
-- macro assistant_hours_freed (metric_macros.sql); the AI assistant page computes the same
-- with its filters and its slider's target (dashboard/sql/assistant_automation.sql).
with settings as (
    select
        coalesce(max(case when key = 'assistant_target_pct' then try_cast(value as double) end), 60) as target_pct,
        coalesce(max(case when key = 'assistant_min_handled' then try_cast(value as bigint) end), 20) as min_handled
    from warehouse_meta
),

per_category as (
    select
        a.source,
        a.category,
        s.target_pct,
        count(*) as tickets,
        count(*) filter (where a.is_handled) as handled,
        count(*) filter (where a.is_contained) as contained,
        count(*) filter (where a.is_human_handled) as human_handled,
        pct_contained(a.is_contained, true) as contained_pct,
        pct_assistant_reach(a.is_contained, a.is_handled, s.min_handled) as reach_pct,
        -- rounded to a thousandth of a minute: engines sum in different orders, not alike to the last bit
        round(assistant_human_minutes(a.human_minutes, a.resolution_minutes, a.is_human_handled), 3) as human_minutes_per_ticket,
        assistant_minutes_basis(a.human_minutes, a.is_human_handled) as minutes_basis,
        pct_escalated(a.is_escalated) as escalated_pct,
        pct_csat_satisfied(a.csat) as csat_satisfied_pct,
        round(avg(a.csat), 3) as csat_mean
    from ticket_assistant a
    cross join settings s
    group by a.source, a.category, s.target_pct, s.min_handled
),

freed as (
    select
        *,
        round(assistant_hours_freed(target_pct, tickets, contained_pct, reach_pct, human_minutes_per_ticket), 3) as hours_freed
    from per_category
)

select
    *,
    row_number() over (partition by source order by hours_freed desc nulls last, tickets desc, category) as rank
from freed
