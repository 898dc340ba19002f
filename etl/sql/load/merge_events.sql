-- Merge one staged events file (temp table stg) into ticket_events. An event is identified
-- by its whole content; one seen before (in this file or stored) is skipped.
-- Parameters: $source, $run_id, $source_tz, $source_file, $scrub_text. Placeholders as in
-- merge_tickets.sql: {dedupe}, {stored}.

create or replace temp table incoming as
with staged as (
    select
        s.ticket_id, s.event_at,
        coalesce(me.value, 'other') as event_type,
        s.event_type_raw,
        s.actor_id,
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
        s.actor_role_raw,
        case when $scrub_text then scrub_pii(s.detail) else s.detail end as detail,
        s._record,
        hash(s.ticket_id, s.event_at, s.event_type_raw, s.actor_id, s.actor_role_raw, s.detail) as row_hash
    from stg s
    left join enum_map me on me.field = 'event_type' and me.raw = s.event_type_raw
    left join enum_map ma on ma.field = 'actor_role' and ma.raw = s.actor_role_raw
    where s.reason_code is null and s.skip_reason is null
    {dedupe} qualify row_number() over (partition by row_hash, s.ticket_id, s.event_at, s.event_type_raw order by s._record) = 1
)
select
    i.*,
    case when e.row_hash is null then 'insert' else 'skip' end as action
from staged i
left join (
    select distinct row_hash, ticket_id, event_at, event_type_raw from {stored} where source = $source
) e on e.row_hash = i.row_hash and e.ticket_id = i.ticket_id and e.event_at = i.event_at
   and e.event_type_raw is not distinct from i.event_type_raw;

insert into ticket_events by name
select
    $source as source,
    i.* exclude (_record, action),
    $source_tz as source_tz,
    $source_file as source_file,
    i._record as source_record,
    $run_id as run_id
from incoming i
where i.action = 'insert';
