-- Tickets per week of creation and channel.
select created_week, coalesce(channel, 'other') as channel, count(*) as tickets
from ticket_metrics t
where {where}
group by all
order by 1
