-- title: Weekly arrivals, resolutions and open backlog
with weeks as (
    select unnest(range(min(created_week), max(created_week) + interval 7 day, interval 7 day))::date as week
    from ticket_metrics
),
arrived as (select created_week as week, count(*) as n from ticket_metrics group by 1),
solved as (
    select cast(date_trunc('week', resolution_at) as date) as week, count(*) as n
    from ticket_metrics where is_resolved group by 1
)
select w.week, coalesce(a.n, 0) as arrived, coalesce(s.n, 0) as resolved,
       sum(coalesce(a.n, 0) - coalesce(s.n, 0)) over (order by w.week) as open_backlog
from weeks w left join arrived a using (week) left join solved s using (week)
order by w.week
