-- stg_events: one row per record of one events file ({raw}), typed, with the reason it is
-- rejected (NULL when it loads). Parameters: $future_limit.
with typed as (
    select
        {raw_columns}, _skip, ticket_id,
        event_at as event_at_text,
        parse_ts(event_at) as event_at,
        event_type as event_type_raw,
        actor_id,
        actor_role as actor_role_raw,
        detail
    from {raw}
),

checked as (
    select
        *,
        case
            -- a row a mapping profile skips on purpose is neither loaded nor rejected
            when _skip is not null then null
            when ticket_id is null then
                {'code': 'missing_ticket_id', 'text': 'ticket_id is empty'}
            when event_at_text is null then
                {'code': 'missing_event_at', 'text': 'event_at is empty'}
            when event_at is null then
                {'code': 'bad_time', 'text': 'event_at is not a time stamp: ' || quoted(event_at_text)}
            when event_type_raw is null then
                {'code': 'missing_event_type', 'text': 'event_type is empty'}
            when event_at < timestamptz '1990-01-01 00:00:00+00' then
                {'code': 'implausible_time', 'text': 'event_at ' || quoted(event_at_text) || ' is before 1990'}
            when event_at > $future_limit then
                {'code': 'future_time', 'text': 'event_at is later than the data''s as_of (' || strftime($future_limit, '%Y-%m-%d %H:%M UTC') || ' with tolerance)'}
        end as rejection
    from typed
)

select
    ticket_id, event_at, event_type_raw, actor_id, actor_role_raw, detail,
    rejection.code as reason_code,
    -- the reason quotes values as given: scrubbed whatever the settings (a diagnostic, not
    -- the data; a misaligned record can put a phone number in any field)
    scrub_pii(rejection.text) as reason,
    -- the source record as JSON, built only for the rows set aside
    case when rejection is not null then {raw_json} end as raw_record,
    _skip as skip_reason
from checked
