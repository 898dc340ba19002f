-- Contained against handed-off tickets of the assistant (ticket_assistant, the rate macros):
-- CSAT (share of 4 and 5), reopen rate, repeat-contact rate.
select a.outcome,
       count(*) as tickets,
       pct_csat_satisfied(a.csat) as csat_satisfied_pct,
       pct_reopened(a.reopen_count, a.is_resolved) as reopened_pct,
       pct_followed_by_repeat(a.followed_by_repeat) as repeat_pct
from ticket_metrics t
join ticket_assistant a using (source, ticket_id)
where {where} and a.outcome in ('contained', 'handed_off')
group by 1
order by 1
