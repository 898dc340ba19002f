-- Arrivals outside the human agents' schedule, by channel, and the share the assistant
-- answered at once (ticket_assistant: outside_human_hours, answered_at_once).
select t.channel as value,
       count(*) as arrivals,
       count(*) filter (where t.answered_at_once) as answered,
       cast(100 as double) * count(*) filter (where t.answered_at_once) / nullif(count(*), 0) as answered_pct
from ticket_assistant t
where {where} and t.outside_human_hours and t.channel is not null
group by 1
order by arrivals desc
