-- How many tickets are behind a chart: the rows of {base} (ticket_metrics, or a per-ticket mart
-- with its filter columns: dashboard/behind.py BEHIND_MARTS) where the filters and {extra} hold.
select count(*) as n from {base} t where {where} and {extra}
