-- How many tickets are behind a chart.
select count(*) as n from ticket_metrics t where {where} and {extra}
