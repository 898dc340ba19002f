-- The Process page's tiles over the filtered tickets (ticket_process): how many have no event
-- log, the medians of the waiting split ({unit}: minutes or business_minutes; waiting on the
-- customer: of the tickets that did), and the tickets reassigned (known from events only).
select
    count(*) as tickets,
    count(*) filter (where p.evidence = 'timestamps') as without_events,
    count(*) filter (where p.evidence = 'events') as with_events,
    median(p.desk_wait_{unit}) as desk_wait_median,
    -- most tickets never wait on the customer: the median of those that did
    median(p.customer_wait_{unit}) filter (where p.customer_wait_{unit} > 0) as customer_wait_median,
    count(*) filter (where p.customer_wait_{unit} > 0) as waited_on_customer,
    count(*) filter (where p.agent_handoffs > 0) as reassigned,
    count(*) filter (where p.team_handoffs > 0) as team_handed
from ticket_process p
where {where}
