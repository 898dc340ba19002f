-- severity: error
-- ticket_metrics has a row for every stored ticket and no other.
select 'tickets' as side, count(*) as n from tickets
having count(*) <> (select count(*) from ticket_metrics)
