-- Data health: the views and tables the published version holds (the counts show those present).
select view_name as n from duckdb_views()
union all
select table_name from duckdb_tables()
