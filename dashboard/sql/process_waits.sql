-- The waiting split of the filtered tickets per {dim} (ticket_process; {unit}: minutes or
-- business_minutes): mean minutes per ticket of the desk working on it (new, open, escalated),
-- on hold, and waiting on the customer (means add up to the whole), the medians (waiting on the
-- customer: of the tickets that did), and the mean handoffs of the tickets with an event log.
select
    p.{dim} as value,
    count(*) as tickets,
    avg(p.desk_wait_{unit} - p.on_hold_{unit}) as desk_working,
    avg(p.on_hold_{unit}) as on_hold,
    avg(p.customer_wait_{unit}) as customer,
    median(p.desk_wait_{unit}) as desk_median,
    median(p.customer_wait_{unit}) filter (where p.customer_wait_{unit} > 0) as customer_median,
    avg(p.agent_handoffs) as agent_handoffs,
    avg(p.team_handoffs) as team_handoffs
from ticket_process p
where {where} and p.{dim} is not null and p.desk_wait_{unit} is not null
group by 1
