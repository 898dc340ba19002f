-- materialized: build_view
-- order: 4
-- grain: one row per distinct (channel, team, priority, category) of the tickets
-- int_ticket_policy: one row per distinct (channel, team, priority, category) of the
-- (Build-time view: *_in_scope are the whole tables for a full build, or the rows of the
-- tickets a load touched for an incremental one; see etl/warehouse/models.py.)
-- stored tickets, with the working schedule and the first-response target that apply.
-- Rules come from the configuration (tables schedule_rules and sla_rules); the first
-- matching rule wins, NULL in a rule matches anything.
with combos as (
    select distinct channel, team, priority, category from tickets_in_scope
),

schedules as (
    select
        c.channel, c.team, c.priority, c.category,
        coalesce(arg_min(r.schedule_id, r.rule_order), 'default') as schedule_id
    from combos c
    left join schedule_rules r
        on (r.channel is null or r.channel = c.channel)
       and (r.team is null or r.team = c.team)
    group by all
),

targets as (
    select
        c.channel, c.team, c.priority, c.category,
        arg_min(r.target_minutes, r.rule_order) as frt_target_minutes,
        arg_min(r.clock, r.rule_order) as frt_clock
    from combos c
    join sla_rules r
        on (r.priority is null or r.priority = c.priority)
       and (r.category is null or r.category = c.category)
       and (r.channel is null or r.channel = c.channel)
       and (r.team is null or r.team = c.team)
    group by all
)

select s.*, t.frt_target_minutes, t.frt_clock
from schedules s
join targets t
    on  t.channel  is not distinct from s.channel
    and t.team     is not distinct from s.team
    and t.priority is not distinct from s.priority
    and t.category is not distinct from s.category
