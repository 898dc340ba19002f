-- Data health: rows per stored table. {counts}: one `select '<table>' as table_name, count(*) as n
-- from <table>` per table of the page's allow-list (COUNTED) that the version holds, joined by union all.
{counts}
