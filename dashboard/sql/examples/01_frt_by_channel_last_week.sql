-- title: First response by channel, last 7 days of data
select channel,
       count(*) as tickets,
       round(median(first_response_minutes), 1) as median_first_response_min,
       round(pct_frt_within_sla(frt_sla), 1) as pct_within_sla
from ticket_metrics
where created_date > (select max(created_date) from ticket_metrics) - interval 7 day
group by channel
order by pct_within_sla
