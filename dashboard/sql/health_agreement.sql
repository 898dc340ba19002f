-- Data health: how often our figures agree with the ones the exports report (reported_agreement).
select source, figure, tickets_reported, tickets_compared, tickets_agreeing,
       agreeing_pct, median_difference_minutes, max_difference_minutes
from reported_agreement
order by source, figure
