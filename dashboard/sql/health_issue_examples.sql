-- Data health: up to three emptied fields per kind, rule and field, with the raw value.
select kind, rule, field, ticket_id, review_id, raw_value, source_file, source_record, reason
from data_issues
qualify row_number() over (partition by kind, rule, field
                           order by run_id desc, source_file, source_record) <= 3
order by kind, rule, field
