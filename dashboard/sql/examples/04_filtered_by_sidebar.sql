-- title: Tickets of the sidebar's period and categories ($since, $until, $category)
select category, channel, count(*) as tickets,
       round(median(resolution_minutes) / 60, 1) as median_resolution_h,
       round(pct_reopened(reopen_count, is_resolved), 1) as pct_reopened
from ticket_metrics
where created_date between $since and $until
  and list_contains($category, category)
group by all
order by tickets desc
