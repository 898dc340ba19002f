-- Merge one staged events file (temp table stg) into ticket_events.
-- grain: one row per distinct event (source, ticket_id, event_at, event_type_raw, row_hash)
-- An event is identified by its whole content; one seen before (in this file or stored) is
-- skipped. Parameters: $source, $run_id, $source_tz, $source_file, $scrub_text, $salt,
-- $hash_customers.
-- Steps as in merge_tickets.sql.

-- step: repeats
select count(*) - count(distinct hash(ticket_id, event_at, event_type_raw, actor_id, actor_role_raw, detail))
from stg
where reason_code is null and skip_reason is null;

-- step: dedupe
create or replace temp table stg_once as
select * from stg
where reason_code is null and skip_reason is null
qualify row_number() over (
    partition by hash(ticket_id, event_at, event_type_raw, actor_id, actor_role_raw, detail),
                 ticket_id, event_at, event_type_raw
    order by _record) = 1;

-- step: map
select
    s.ticket_id, s.event_at,
    coalesce(me.value, 'other') as event_type,
    case when $scrub_text then me.stored else s.event_type_raw end as event_type_raw,
    -- a customer's id as the tickets' customer_id: the salted hash (the role as below)
    case when $hash_customers and coalesce(ma.value, case when s.actor_role_raw is null
              and coalesce(me.value, 'other') in ('customer_reply', 'created') then 'customer' end) = 'customer'
         then hash_customer(s.actor_id, $salt) else s.actor_id end as actor_id,
    -- a missing role follows from the event type: agent_reply is an agent's, and so on
    coalesce(
        ma.value,
        case when s.actor_role_raw is not null then 'other' end,
        case coalesce(me.value, 'other')
            when 'agent_reply' then 'agent'
            when 'customer_reply' then 'customer'
            when 'bot_reply' then 'bot'
            when 'created' then 'customer'
            else 'system'
        end
    ) as actor_role,
    case when $scrub_text then ma.stored else s.actor_role_raw end as actor_role_raw,
    scrub_if(s.detail, $scrub_text) as detail,
    s._record,
    hash(s.ticket_id, s.event_at, s.event_type_raw, s.actor_id, s.actor_role_raw, s.detail) as row_hash
from {rows} s
left join enum_map me on me.field = 'event_type' and me.raw = s.event_type_raw
left join enum_map ma on ma.field = 'actor_role' and ma.raw = s.actor_role_raw
where s.reason_code is null and s.skip_reason is null;

-- step: compare
create or replace temp table incoming as
select
    i.*,
    case when e.row_hash is null then 'insert' else 'skip' end as action
from ({mapped}) i
left join (
    select distinct row_hash, ticket_id, event_at, event_type_raw from ticket_events where source = $source
) e on e.row_hash = i.row_hash and e.ticket_id = i.ticket_id and e.event_at = i.event_at
   and e.event_type_raw is not distinct from i.event_type_raw;

-- step: insert
insert into ticket_events by name
select
    $source as source,
    i.* exclude (_record, action),
    $source_tz as source_tz,
    $source_file as source_file,
    i._record as source_record,
    $run_id as run_id
from {incoming} i
where i.action = 'insert';
