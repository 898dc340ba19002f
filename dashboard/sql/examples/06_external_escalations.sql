-- title: Tickets that reached an external body, with time to each step
select s.ticket_id, s.category, s.channel, s.team,
       max(s.minutes_from_creation) filter (where s.level = 1) / 60 as hours_to_second_line,
       max(s.minutes_from_creation) filter (where s.level = 2) / 60 as hours_to_appeal,
       max(s.minutes_from_creation) filter (where s.level = 3) / 60 as hours_to_external
from escalation_steps s
group by all
having max(s.level) = 3
order by hours_to_external nulls last
