-- The fields a file's loaded QA reviews had emptied (stg.data_issues: a score that is no
-- number from 0 to 100), one row each, for the records this run stored (the last record of a
-- review in the file, where it was new or changed). Raw values and texts are scrubbed of
-- personal data. Parameters: $run_id, $source, $source_file.
insert into data_issues (run_id, kind, source, source_file, source_record, ticket_id, field, raw_value,
                         rule, reason, review_id)
select $run_id, 'qa_reviews', $source, $source_file, s._record, s.ticket_id,
       s.issue.field, scrub_pii(left(s.issue.raw, 200)), s.issue.rule, scrub_pii(s.issue.text), s.review_id
from (
    select _record, review_id, ticket_id, unnest(data_issues) as issue
    from stg
    where data_issues is not null
) s
semi join (
    select review_id, source_record from qa_reviews
    where run_id = $run_id and source = $source and source_file = $source_file
) q on q.review_id = s.review_id and q.source_record = s._record;
