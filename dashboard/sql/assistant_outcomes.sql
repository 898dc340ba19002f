-- Contained against handed-off tickets of the assistant (ticket_assistant, the rate macros):
-- CSAT (share of 4 and 5), reopen rate, repeat-contact rate.
select t.outcome,
       count(*) as tickets,
       pct_csat_satisfied(t.csat) as csat_satisfied_pct,
       pct_reopened(t.reopen_count, t.is_resolved) as reopened_pct,
       pct_followed_by_repeat(t.followed_by_repeat) as repeat_pct
from ticket_assistant t
where {where} and t.outcome in ('contained', 'handed_off')
group by 1
order by 1
