-- materialized: view
-- order: 12
-- grain: one row per grouping (grouped_by: category_team, category, team, all), its category and team, and stage
-- stage_durations: where tickets wait. Per category and team, per category, per team and over
-- all tickets: for each stage, the tickets that entered it and the median and 90th percentile
-- of the minutes they spent there (calendar and business), and the stages ranked by median
-- (wait_rank 1 = the stage that holds the group's tickets longest; solved, a wait on no one,
-- and a stage fewer than 5 % of the group's tickets entered are not ranked). Over ticket_stage_times; the Process page reads this same SQL over the
-- tickets its filters select (dashboard/sql/process_stages.sql), so the figures are defined
-- once. Definitions in words: docs/METRICS.md (stage_durations).
with stage_quantiles as (
    select
        case
            when grouping(category) = 0 and grouping(team) = 0 then 'category_team'
            when grouping(category) = 0 then 'category'
            when grouping(team) = 0 then 'team'
            else 'all'
        end as grouped_by,
        category,
        team,
        stage,
        min(stage_order) as stage_order,
        count(*) as tickets,
        -- both quantiles of a column from one aggregate: DuckDB collects the values once
        quantile_cont(minutes, [0.5, 0.9]) as minutes_q,
        quantile_cont(business_minutes, [0.5, 0.9]) as business_minutes_q
    from ticket_stage_times
    group by grouping sets ((category, team, stage), (category, stage), (team, stage), (stage))
),

stage_groups as (
    select
        grouped_by, category, team, stage, stage_order, tickets,
        -- rounded to a thousandth of a minute: engines interpolate alike but not to the last bit
        round(minutes_q[1], 3) as median_minutes,
        round(minutes_q[2], 3) as p90_minutes,
        round(business_minutes_q[1], 3) as median_business_minutes,
        round(business_minutes_q[2], 3) as p90_business_minutes
    from stage_quantiles
),

group_sizes as (
    select
        case
            when grouping(category) = 0 and grouping(team) = 0 then 'category_team'
            when grouping(category) = 0 then 'category'
            when grouping(team) = 0 then 'team'
            else 'all'
        end as grouped_by,
        category,
        team,
        count(*) as tickets_in_group
    from (select distinct source, ticket_id, category, team from ticket_stage_times) per_ticket
    group by grouping sets ((category, team), (category), (team), ())
)

select
    s.grouped_by,
    s.category,
    s.team,
    s.stage,
    s.stage_order,
    s.tickets,
    g.tickets_in_group,
    cast(s.tickets as double) / g.tickets_in_group as share_of_tickets,
    s.median_minutes,
    s.p90_minutes,
    s.median_business_minutes,
    s.p90_business_minutes,
    case when s.stage <> 'solved' and cast(s.tickets as double) / g.tickets_in_group >= 0.05 then
        row_number() over (partition by s.grouped_by, s.category, s.team
                           order by case when s.stage = 'solved' or cast(s.tickets as double) / g.tickets_in_group < 0.05
                                         then 1 else 0 end,
                                    s.median_minutes desc, s.p90_minutes desc, s.stage_order)
    end as wait_rank
from stage_groups s
join group_sizes g
    on  g.grouped_by = s.grouped_by
    and g.category is not distinct from s.category
    and g.team is not distinct from s.team
