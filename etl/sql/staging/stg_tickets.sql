-- stg_tickets: one row per record of one tickets file ({raw}), typed, with the reason it
-- is rejected (NULL when it loads). Enumerations stay raw here; the merge maps them.
-- Parameters: $future_limit (later time stamps are rejected as "in the future").
with typed as (
    select
        {raw_columns},
        _skip,
        ticket_id,
        created_at        as created_at_text,
        updated_at        as updated_at_text,
        first_response_at as first_response_at_text,
        resolved_at       as resolved_at_text,
        closed_at         as closed_at_text,
        escalated_at      as escalated_at_text,
        escalation_level  as escalation_level_text,
        reopen_count      as reopen_count_text,
        csat              as csat_text,
        parse_ts(created_at)        as created_at,
        parse_ts(updated_at)        as updated_at,
        parse_ts(first_response_at) as first_response_at,
        parse_ts(resolved_at)       as resolved_at,
        parse_ts(closed_at)         as closed_at,
        parse_ts(escalated_at)      as escalated_at,
        parse_int(escalation_level) as escalation_level,
        parse_int(reopen_count)     as reopen_count,
        parse_int(csat)             as csat,
        channel   as channel_raw,
        category  as category_raw,
        priority  as priority_raw,
        status    as status_raw,
        frt_sla_reported as frt_sla_reported_raw,
        subcategory, team, agent_id, customer_id, language, subject
    from {raw}
),

checked as (
    select
        *,
        coalesce(resolved_at, closed_at) as resolution_at,
        case
            -- a row a mapping profile skips on purpose is neither loaded nor rejected
            when _skip is not null then null
            when ticket_id is null then
                {'code': 'missing_ticket_id', 'text': 'ticket_id is empty'}
            when created_at_text is null then
                {'code': 'missing_created_at', 'text': 'created_at is empty'}
            when created_at is null then
                {'code': 'bad_time', 'text': 'created_at is not a time stamp: ' || quoted(created_at_text)}
            when updated_at_text is not null and updated_at is null then
                {'code': 'bad_time', 'text': 'updated_at is not a time stamp: ' || quoted(updated_at_text)}
            when first_response_at_text is not null and first_response_at is null then
                {'code': 'bad_time', 'text': 'first_response_at is not a time stamp: ' || quoted(first_response_at_text)}
            when resolved_at_text is not null and resolved_at is null then
                {'code': 'bad_time', 'text': 'resolved_at is not a time stamp: ' || quoted(resolved_at_text)}
            when closed_at_text is not null and closed_at is null then
                {'code': 'bad_time', 'text': 'closed_at is not a time stamp: ' || quoted(closed_at_text)}
            when escalated_at_text is not null and escalated_at is null then
                {'code': 'bad_time', 'text': 'escalated_at is not a time stamp: ' || quoted(escalated_at_text)}
            when escalation_level_text is not null and (escalation_level is null or escalation_level not between 0 and 3) then
                {'code': 'bad_escalation_level', 'text': 'escalation_level must be 0, 1, 2 or 3, not ' || quoted(escalation_level_text)}
            when reopen_count_text is not null and (reopen_count is null or reopen_count < 0) then
                {'code': 'bad_reopen_count', 'text': 'reopen_count must be a whole number ≥ 0, not ' || quoted(reopen_count_text)}
            when csat_text is not null and (csat is null or csat not between 1 and 5) then
                {'code': 'bad_csat', 'text': 'csat must be a whole number from 1 to 5, not ' || quoted(csat_text)}
            when created_at < timestamptz '1990-01-01 00:00:00+00' then
                {'code': 'implausible_time', 'text': 'created_at ' || quoted(created_at_text) || ' is before 1990: not a real ticket time'}
            when greatest(created_at, updated_at, first_response_at, resolved_at, closed_at, escalated_at) > $future_limit then
                {'code': 'future_time', 'text': 'a time stamp is later than the data''s as_of (' || strftime($future_limit, '%Y-%m-%d %H:%M UTC') || ' with tolerance)'}
            when first_response_at < created_at then
                {'code': 'response_before_creation', 'text': 'first response ' || quoted(first_response_at_text) || ' is before creation ' || quoted(created_at_text)}
            when coalesce(resolved_at, closed_at) < first_response_at then
                {'code': 'resolution_before_first_response', 'text': 'resolution ' || quoted(coalesce(resolved_at_text, closed_at_text)) || ' is before the first response ' || quoted(first_response_at_text)}
            when resolved_at < created_at or closed_at < created_at then
                {'code': 'resolution_before_creation', 'text': 'resolution ' || quoted(coalesce(resolved_at_text, closed_at_text)) || ' is before creation ' || quoted(created_at_text)}
            when escalated_at < created_at then
                {'code': 'escalation_before_creation', 'text': 'escalation ' || quoted(escalated_at_text) || ' is before creation ' || quoted(created_at_text)}
        end as rejection
    from typed
)

select
    ticket_id, created_at, updated_at,
    channel_raw, category_raw, subcategory, priority_raw, status_raw, team, agent_id,
    first_response_at, resolved_at, closed_at,
    -- an escalation time without a level means at least the first level
    coalesce(escalation_level, case when escalated_at is not null then 1 end)::tinyint as escalation_level,
    escalated_at,
    reopen_count::integer as reopen_count,
    csat::tinyint as csat,
    customer_id, language, subject, frt_sla_reported_raw,
    rejection.code as reason_code,
    rejection.text as reason,
    -- the source record as JSON, built only for the rows set aside
    case when rejection is not null then {raw_json} end as raw_record,
    _skip as skip_reason
from checked
