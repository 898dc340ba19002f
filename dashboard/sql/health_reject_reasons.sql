-- Data health: rejected rows per reason, the most frequent first.
select reason_code, count(*) as rows from rejects group by 1 order by 2 desc
