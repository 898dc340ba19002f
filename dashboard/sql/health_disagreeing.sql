-- Data health: the 50 compared figures that disagree most (reported_comparisons holds them all).
select source, figure, ticket_id, reported_minutes, computed_minutes, difference_minutes,
       reported_verdict, computed_verdict
from reported_comparisons
where compared and not agrees
order by source, figure, abs(difference_minutes) desc nulls last, ticket_id
limit 50
