-- Data health: fields emptied at load (data_issues), per kind, rule and field.
select kind, rule, field, count(*) as n from data_issues group by 1, 2, 3 order by 4 desc, 1, 2, 3
