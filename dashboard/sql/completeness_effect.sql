-- The effect of an incomplete record: complete vs incomplete filtered tickets (of those a
-- rule applies to), with the warehouse's definitions: median resolution (ticket_metrics),
-- reopen rate (pct_reopened) and repeat-contact rate (pct_followed_by_repeat).
select t.is_complete,
       count(*) as tickets,
       median(t.resolution_minutes) / 60 as resolution_median_hours,
       pct_reopened(t.reopen_count, t.is_resolved) as pct_reopened,
       pct_followed_by_repeat(t.followed_by_repeat) as pct_repeat
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where} and t.required_items > 0
group by 1
order by 1 desc
