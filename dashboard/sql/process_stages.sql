-- Where the filtered tickets wait: the view stage_durations' own SQL
-- (etl/sql/marts/stage_durations.sql, filled in as {stage_durations}) over the rows of
-- ticket_stage_times that the filters select, so that the page and the view are one definition.
with ticket_stage_times as (
    select * from main.ticket_stage_times s where {where}
)
select * from (
{stage_durations}
) d
order by grouped_by, category, team, stage_order
