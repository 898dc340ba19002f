-- materialized: table
-- order: 2
-- grain: one row per ticket and escalation level reached (source, ticket_id, level)
-- escalation_steps: one row per ticket and escalation level it reached (1 second line /
-- specialist team, 2 formal appeal to a higher department, 3 external body), with the time
-- it reached that level and the minutes from creation and from the previous step. Times are
-- known from events, and for level 1 from the ticket's escalated_at; else NULL.
-- Materialised as a table at publish.
select
    m.source,
    m.ticket_id,
    l.level,
    case l.level
        when 1 then 'second_line'
        when 2 then 'formal_appeal'
        when 3 then 'external_body'
    end as step,
    l.reached_at,
    l.evidence,
    (epoch_us(l.reached_at) - epoch_us(m.created_at)) / 60e6 as minutes_from_creation,
    (epoch_us(l.reached_at) - epoch_us(
        case when l.level = 1 then m.created_at
             else lag(l.reached_at) over (partition by l.source, l.ticket_id order by l.level) end
    )) / 60e6 as minutes_from_previous_step,
    m.created_at, m.created_week, m.created_month, m.channel, m.category, m.priority, m.team, m.agent_id
from int_escalation_levels l
join ticket_metrics_in_scope m using (source, ticket_id)
-- only the levels the ticket's effective escalation_level says it reached
where l.level <= m.escalation_level
