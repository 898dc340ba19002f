-- The fields a file's loaded tickets had emptied (stg.data_issues), one row each, for the
-- records that were stored by this run (an older version of a ticket in the same file, or
-- one the stored version supersedes, stores nothing, so it records nothing). Raw values and
-- texts are scrubbed of personal data: a misaligned record can put a phone number anywhere.
-- Parameters: $run_id, $source, $source_file.
insert into data_issues (run_id, kind, source, source_file, source_record, ticket_id, field, raw_value,
                         rule, reason)
select $run_id, 'tickets', $source, $source_file, s._record, s.ticket_id,
       s.issue.field, scrub_pii(left(s.issue.raw, 200)), s.issue.rule, scrub_pii(s.issue.text)
from (
    select _record, ticket_id, unnest(data_issues) as issue
    from stg
    where data_issues is not null
) s
semi join (
    select ticket_id, source_record from tickets
    where run_id = $run_id and source = $source and source_file = $source_file
) t on t.ticket_id = s.ticket_id and t.source_record = s._record;
