-- stg_agents: one row per record of one agents file ({raw}), typed, with the reason it is
-- rejected (NULL when it loads).
with typed as (
    select
        {raw_columns}, _skip, agent_id, name, team, tier, languages,
        hired_on as hired_on_text,
        coalesce(try_cast(hired_on as date), cast(parse_ts(hired_on) as date)) as hired_on
    from {raw}
),

checked as (
    select
        *,
        case
            when _skip is not null then null
            when agent_id is null then
                {'code': 'missing_agent_id', 'text': 'agent_id is empty'}
            when hired_on_text is not null and hired_on is null then
                {'code': 'bad_date', 'text': 'hired_on is not a date: ' || quoted(hired_on_text)}
        end as rejection
    from typed
)

select
    agent_id, name, team, tier, hired_on, languages,
    rejection.code as reason_code,
    -- the reason quotes values as given: scrubbed whatever the settings (a diagnostic, not
    -- the data; a misaligned record can put a phone number in any field)
    scrub_pii(rejection.text) as reason,
    -- the source record as JSON, built only for the rows set aside
    case when rejection is not null then {raw_json} end as raw_record,
    _skip as skip_reason
from checked
