-- Merge one staged QA reviews file (temp table stg) into qa_reviews.
-- grain: one row per review (source, review_id) in qa_reviews
-- The last record of a review in the file wins; a stored review is replaced when the new
-- version differs. error_types become a list of canonical error types (enum_map, field
-- 'error_type'). Parameters: $source, $run_id, $source_tz, $source_file, $scrub_text.
-- Steps as in merge_tickets.sql.

-- step: repeats
select count(*) - count(distinct review_id) from stg
where reason_code is null and skip_reason is null;

-- step: dedupe
create or replace temp table stg_once as
select * from stg
where reason_code is null and skip_reason is null
qualify row_number() over (partition by review_id order by _record desc) = 1;

-- step: map
with latest as (
    select * from {rows}
    where reason_code is null and skip_reason is null
),
parts as (
    select review_id, trim(unnest(string_split_regex(error_types_raw, '[;,，；、|]'))) as part
    from latest
),
error_lists as (
    select p.review_id, list_distinct(list(coalesce(m.value, 'other') order by coalesce(m.value, 'other'))) as error_types
    from parts p
    left join enum_map m on m.field = 'error_type' and m.raw = p.part
    where p.part <> ''
    group by p.review_id
)
select
    l.review_id, l.ticket_id, l.agent_id, l.reviewed_at, l.reviewer_id, l.score,
    coalesce(m.error_types, []::varchar[]) as error_types,
    scrub_if(l.error_types_raw, $scrub_text) as error_types_raw,
    scrub_if(l.comment, $scrub_text) as comment,
    l._record,
    hash(l.review_id, l.ticket_id, l.agent_id, l.reviewed_at, l.reviewer_id, l.score,
         l.error_types_raw, l.comment) as row_hash
from latest l
left join error_lists m using (review_id);

-- step: compare
create or replace temp table incoming as
select
    i.*,
    case when q.review_id is null then 'insert'
         when q.row_hash <> i.row_hash then 'update'
         else 'skip' end as action
from ({mapped}) i
left join qa_reviews q on q.source = $source and q.review_id = i.review_id;

-- step: replace
delete from qa_reviews
where source = $source
  and review_id in (select review_id from incoming where action = 'update');

-- step: insert
insert into qa_reviews by name
select
    $source as source,
    i.* exclude (_record, action),
    $source_tz as source_tz,
    $source_file as source_file,
    i._record as source_record,
    $run_id as run_id
from {incoming} i
where i.action in ('insert', 'update');
