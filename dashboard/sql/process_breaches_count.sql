-- How many of the filtered tickets breached the time point $target (process_breaches).
select count(*) as n
from process_breaches b
where {where} and b.target = $target
