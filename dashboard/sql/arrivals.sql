-- Arrivals per weekday × hour of creation, with the median wait for a first response.
-- {minutes}: first_response_minutes or first_response_business_minutes.
select created_weekday, created_hour, count(*) as tickets, median({minutes}) as median_wait
from ticket_metrics t
where {where}
group by all
