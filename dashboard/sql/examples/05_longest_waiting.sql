-- title: Open tickets waiting longest for a first response
select ticket_id, created_at, channel, category, priority, team,
       round(unanswered_wait_minutes / 60, 1) as waiting_h
from ticket_metrics
where unanswered_wait_minutes is not null
order by unanswered_wait_minutes desc
limit 50
