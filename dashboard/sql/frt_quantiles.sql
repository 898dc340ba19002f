-- First-response time quantiles (1 % … 99 %) per channel: the points of its ECDF.
-- {minutes}: first_response_minutes or first_response_business_minutes.
select channel, unnest(range(1, 100)) / 100 as share, unnest(quantile_cont({minutes}, {quantiles})) as minutes
from ticket_metrics t
where {where} and {minutes} is not null
group by channel
