-- Merge one staged tickets file (temp table stg) into tickets.
-- grain: one row per ticket (source, ticket_id) in tickets
-- Within the file, the newest version of each ticket wins (updated_at, then the later
-- record). Against the warehouse, it replaces the stored version only when its updated_at
-- is newer; when neither version has an updated_at, a changed ticket replaces the stored one
-- (exports arrive in time order; docs/DECISIONS.md). Parameters: $source, $run_id,
-- $source_tz, $source_file, $salt, $hash_customers, $scrub_text.
-- Steps (etl/load/merge.py runs those a file needs): repeats → dedupe (only when the file
-- repeats a ticket) → map ({rows}: stg, or stg_once after the dedupe; a query, since a view
-- cannot hold parameters) → compare ({mapped}: the map step's query; only when the source
-- has stored tickets) → replace → insert ({incoming}: the compared rows, or when nothing is
-- stored load/first_load.sql over the map step, so that a first load is one pass).

-- step: repeats
select count(*) - count(distinct ticket_id) from stg
where reason_code is null and skip_reason is null;

-- step: dedupe
-- (the ticket's creation is the earliest of its rows: the same in every version of a
-- snapshot export, the first event's time in an event log of one row per change)
create or replace temp table stg_once as
select * replace (min(created_at) over (partition by ticket_id) as created_at) from stg
where reason_code is null and skip_reason is null
qualify row_number() over (partition by ticket_id order by updated_at desc nulls last, _record desc) = 1;

-- step: map
select
    s.ticket_id, s.created_at, s.updated_at,
    coalesce(mc.value, case when s.channel_raw is not null then 'other' end) as channel,
    case when $scrub_text then mc.stored else s.channel_raw end as channel_raw,
    coalesce(mk.value, case when s.category_raw is not null then 'other' end) as category,
    case when $scrub_text then mk.stored else s.category_raw end as category_raw,
    scrub_if(s.subcategory, $scrub_text) as subcategory,
    coalesce(mp.value, case when s.priority_raw is not null then 'other' end) as priority,
    case when $scrub_text then mp.stored else s.priority_raw end as priority_raw,
    coalesce(ms.value, case when s.status_raw is not null then 'other' end) as status,
    case when $scrub_text then ms.stored else s.status_raw end as status_raw,
    scrub_if(s.team, $scrub_text) as team, s.agent_id, s.first_response_at, s.resolved_at, s.closed_at,
    s.escalation_level, s.escalated_at, s.reopen_count, s.csat,
    -- personal data: a salted hash of the customer; free text (subject, subcategory, team,
    -- language, the *_raw values, through enum_map.stored) scrubbed of phones, e-mails, cards …
    case when $hash_customers then hash_customer(s.customer_id, $salt) else s.customer_id end as customer_id,
    scrub_if(s.language, $scrub_text) as language,
    scrub_if(s.subject, $scrub_text) as subject,
    mr.value as frt_sla_reported,
    case when $scrub_text then mr.stored else s.frt_sla_reported_raw end as frt_sla_reported_raw,
    s.first_response_minutes_reported, s.resolution_minutes_reported,
    -- the record's fields (issue 18): the account hashed with the customer's salt, the
    -- transaction reference and the resolution note scrubbed like other free text
    -- (docs/DECISIONS.md, "Record fields")
    case when $hash_customers then hash_customer(s.account_id, $salt) else s.account_id end as account_id,
    scrub_if(s.transaction_id, $scrub_text) as transaction_id,
    s.transaction_at, s.amount,
    scrub_if(s.currency, $scrub_text) as currency,
    scrub_if(s.resolution_note, $scrub_text) as resolution_note,
    s._record,
    hash(s.ticket_id, s.created_at, s.updated_at, s.channel_raw, s.category_raw, s.subcategory,
         s.priority_raw, s.status_raw, s.team, s.agent_id, s.first_response_at, s.resolved_at,
         s.closed_at, s.escalation_level, s.escalated_at, s.reopen_count, s.csat,
         s.customer_id, s.language, s.subject, s.frt_sla_reported_raw,
         s.first_response_minutes_reported, s.resolution_minutes_reported,
         s.account_id, s.transaction_id, s.transaction_at, s.amount, s.currency, s.resolution_note) as row_hash
from {rows} s
left join enum_map mc on mc.field = 'channel'  and mc.raw = s.channel_raw
left join enum_map mk on mk.field = 'category' and mk.raw = s.category_raw
left join enum_map mp on mp.field = 'priority' and mp.raw = s.priority_raw
left join enum_map ms on ms.field = 'status'   and ms.raw = s.status_raw
left join enum_map mr on mr.field = 'sla_reported' and mr.raw = s.frt_sla_reported_raw
where s.reason_code is null and s.skip_reason is null;

-- step: compare
create or replace temp table incoming as
select
    i.*,
    case
        when t.ticket_id is null then 'insert'
        when i.updated_at > t.updated_at then 'update'
        when t.updated_at is null and i.updated_at is not null then 'update'
        when t.updated_at is null and i.updated_at is null and i.row_hash <> t.row_hash then 'update'
        else 'skip'
    end as action
from ({mapped}) i
left join tickets t on t.source = $source and t.ticket_id = i.ticket_id;

-- step: replace
delete from tickets
where source = $source
  and ticket_id in (select ticket_id from incoming where action = 'update');

-- step: insert
insert into tickets by name
select
    $source as source,
    i.* exclude (_record, action),
    $source_tz as source_tz,
    $source_file as source_file,
    i._record as source_record,
    $run_id as run_id
from {incoming} i
where i.action in ('insert', 'update');
