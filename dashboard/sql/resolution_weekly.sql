-- Median resolution hours of the tickets created each week, per category.
select created_week, category, median(resolution_minutes) / 60 as median_hours
from ticket_metrics t
where {where} and category is not null and resolution_minutes is not null
group by all
order by 1
