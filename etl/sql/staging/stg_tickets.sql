-- stg_tickets: one row per record of one tickets file ({raw}), typed, with the reason it
-- is rejected (NULL when it loads: only a missing or unreadable id or creation time rejects)
-- and the fields emptied for it (data_issues: field, raw value, rule, text). Enumerations
-- stay raw here; the merge maps them. Parameters: $future_limit (as_of with tolerance).
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
        first_response_minutes_reported as frt_reported_text,
        resolution_minutes_reported     as resolution_reported_text,
        transaction_at    as transaction_at_text,
        amount            as amount_text,
        parse_ts(transaction_at)    as transaction_at,
        parse_amount(amount)        as amount,
        try_cast(trim(first_response_minutes_reported) as double) as first_response_minutes_reported,
        try_cast(trim(resolution_minutes_reported) as double)     as resolution_minutes_reported,
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
        subcategory, team, agent_id, customer_id, language, subject,
        account_id, transaction_id, currency, resolution_note
    from {raw}
),

checked as (
    select
        *,
        -- only a missing or unreadable identifier or creation time rejects the ticket
        case
            -- a row a mapping profile skips on purpose is neither loaded nor rejected
            when _skip is not null then null
            when ticket_id is null then
                {'code': 'missing_ticket_id', 'text': 'ticket_id is empty'}
            when created_at_text is null then
                {'code': 'missing_created_at', 'text': 'created_at is empty'}
            when created_at is null then
                {'code': 'bad_time', 'text': 'created_at is not a time stamp: ' || quoted(created_at_text)}
            when created_at < timestamptz '1990-01-01 00:00:00+00' then
                {'code': 'implausible_time', 'text': 'created_at ' || quoted(created_at_text) || ' is before 1990: not a real ticket time'}
            when created_at > $future_limit then
                {'code': 'future_time', 'text': 'created_at ' || quoted(created_at_text) || ' is later than the data''s as_of (' || strftime($future_limit, '%Y-%m-%d %H:%M UTC') || ' with tolerance)'}
        end as rejection,
        -- every other field that cannot be read, or breaks an ordering rule, is emptied for
        -- this ticket and recorded (data_issues): one issue per field, the first rule that
        -- holds (docs/DECISIONS.md lists which rule empties which field)
        case
            when updated_at_text is not null and updated_at is null then
                {'rule': 'bad_time', 'text': 'updated_at is not a time stamp: ' || quoted(updated_at_text)}
            when updated_at > $future_limit then
                {'rule': 'future_time', 'text': 'updated_at ' || quoted(updated_at_text) || ' is later than the data''s as_of'}
        end as issue_updated_at,
        case
            when first_response_at_text is not null and first_response_at is null then
                {'rule': 'bad_time', 'text': 'first_response_at is not a time stamp: ' || quoted(first_response_at_text)}
            when first_response_at > $future_limit then
                {'rule': 'future_time', 'text': 'first_response_at ' || quoted(first_response_at_text) || ' is later than the data''s as_of'}
            when first_response_at < created_at then
                {'rule': 'response_before_creation', 'text': 'first response ' || quoted(first_response_at_text) || ' is before creation ' || quoted(created_at_text)}
        end as issue_first_response_at,
        case
            when escalated_at_text is not null and escalated_at is null then
                {'rule': 'bad_time', 'text': 'escalated_at is not a time stamp: ' || quoted(escalated_at_text)}
            when escalated_at > $future_limit then
                {'rule': 'future_time', 'text': 'escalated_at ' || quoted(escalated_at_text) || ' is later than the data''s as_of'}
            when escalated_at < created_at then
                {'rule': 'escalation_before_creation', 'text': 'escalation ' || quoted(escalated_at_text) || ' is before creation ' || quoted(created_at_text)}
        end as issue_escalated_at,
        case when escalation_level_text is not null and (escalation_level is null or escalation_level not between 0 and 3) then
            {'rule': 'bad_escalation_level', 'text': 'escalation_level must be 0, 1, 2 or 3, not ' || quoted(escalation_level_text)}
        end as issue_escalation_level,
        case when reopen_count_text is not null and (reopen_count is null or reopen_count < 0) then
            {'rule': 'bad_reopen_count', 'text': 'reopen_count must be a whole number ≥ 0, not ' || quoted(reopen_count_text)}
        end as issue_reopen_count,
        case when csat_text is not null and (csat is null or csat not between 1 and 5) then
            {'rule': 'bad_csat', 'text': 'csat must be a whole number from 1 to 5, not ' || quoted(csat_text)}
        end as issue_csat,
        -- the export's own figures (minutes; a profile's [reported] converts its unit)
        case when frt_reported_text is not null and (first_response_minutes_reported is null
                                                     or first_response_minutes_reported < 0) then
            {'rule': 'bad_duration', 'text': 'first_response_minutes_reported must be minutes ≥ 0, not ' || quoted(frt_reported_text)}
        end as issue_frt_reported,
        case when resolution_reported_text is not null and (resolution_minutes_reported is null
                                                            or resolution_minutes_reported < 0) then
            {'rule': 'bad_duration', 'text': 'resolution_minutes_reported must be minutes ≥ 0, not ' || quoted(resolution_reported_text)}
        end as issue_resolution_reported,
        case
            when transaction_at_text is not null and transaction_at is null then
                {'rule': 'bad_time', 'text': 'transaction_at is not a time stamp: ' || quoted(transaction_at_text)}
            when transaction_at > $future_limit then
                {'rule': 'future_time', 'text': 'transaction_at ' || quoted(transaction_at_text) || ' is later than the data''s as_of'}
        end as issue_transaction_at,
        case when amount_text is not null and amount is null then
            {'rule': 'bad_amount', 'text': 'amount is not a number: ' || quoted(amount_text)}
        end as issue_amount
    from typed
),

-- the resolution is judged against the first response as it is kept
resolution_checked as (
    select
        *,
        case
            when resolved_at_text is not null and resolved_at is null then
                {'rule': 'bad_time', 'text': 'resolved_at is not a time stamp: ' || quoted(resolved_at_text)}
            when resolved_at > $future_limit then
                {'rule': 'future_time', 'text': 'resolved_at ' || quoted(resolved_at_text) || ' is later than the data''s as_of'}
            when resolved_at < created_at then
                {'rule': 'resolution_before_creation', 'text': 'resolution ' || quoted(resolved_at_text) || ' is before creation ' || quoted(created_at_text)}
            when resolved_at < first_response_kept then
                {'rule': 'resolution_before_first_response', 'text': 'resolution ' || quoted(resolved_at_text) || ' is before the first response ' || quoted(first_response_at_text)}
        end as issue_resolved_at,
        case
            when closed_at_text is not null and closed_at is null then
                {'rule': 'bad_time', 'text': 'closed_at is not a time stamp: ' || quoted(closed_at_text)}
            when closed_at > $future_limit then
                {'rule': 'future_time', 'text': 'closed_at ' || quoted(closed_at_text) || ' is later than the data''s as_of'}
            when closed_at < created_at then
                {'rule': 'resolution_before_creation', 'text': 'closing ' || quoted(closed_at_text) || ' is before creation ' || quoted(created_at_text)}
            when closed_at < first_response_kept then
                {'rule': 'resolution_before_first_response', 'text': 'closing ' || quoted(closed_at_text) || ' is before the first response ' || quoted(first_response_at_text)}
        end as issue_closed_at
    from (select *, case when issue_first_response_at is null then first_response_at end as first_response_kept
          from checked)
)

select
    ticket_id, created_at,
    case when issue_updated_at is null then updated_at end as updated_at,
    channel_raw, category_raw, subcategory, priority_raw, status_raw, team, agent_id,
    first_response_kept as first_response_at,
    case when issue_resolved_at is null then resolved_at end as resolved_at,
    case when issue_closed_at is null then closed_at end as closed_at,
    -- an escalation time without a level means at least the first level
    coalesce(case when issue_escalation_level is null then escalation_level end,
             case when issue_escalated_at is null and escalated_at is not null then 1 end)::tinyint as escalation_level,
    case when issue_escalated_at is null then escalated_at end as escalated_at,
    case when issue_reopen_count is null then reopen_count end::integer as reopen_count,
    case when issue_csat is null then csat end::tinyint as csat,
    customer_id, language, subject, frt_sla_reported_raw,
    case when issue_frt_reported is null then first_response_minutes_reported end as first_response_minutes_reported,
    case when issue_resolution_reported is null then resolution_minutes_reported end as resolution_minutes_reported,
    account_id, transaction_id,
    case when issue_transaction_at is null then transaction_at end as transaction_at,
    case when issue_amount is null then amount end as amount,
    currency, resolution_note,
    rejection.code as reason_code,
    -- the reason quotes values as given: scrubbed whatever the settings (a diagnostic, not
    -- the data; a misaligned record can put a phone number in any field)
    scrub_pii(rejection.text) as reason,
    -- the source record as JSON, built only for the rows set aside
    case when rejection is not null then {raw_json} end as raw_record,
    _skip as skip_reason,
    -- the fields emptied, each with its raw value and the rule (only for tickets that load)
    case when rejection is null and _skip is null and coalesce(issue_updated_at, issue_first_response_at,
              issue_resolved_at, issue_closed_at, issue_escalated_at, issue_escalation_level,
              issue_reopen_count, issue_csat, issue_frt_reported, issue_resolution_reported,
              issue_transaction_at, issue_amount) is not null then
        list_filter([
            {'field': 'updated_at', 'raw': updated_at_text, 'rule': issue_updated_at.rule, 'text': issue_updated_at.text},
            {'field': 'first_response_at', 'raw': first_response_at_text, 'rule': issue_first_response_at.rule, 'text': issue_first_response_at.text},
            {'field': 'resolved_at', 'raw': resolved_at_text, 'rule': issue_resolved_at.rule, 'text': issue_resolved_at.text},
            {'field': 'closed_at', 'raw': closed_at_text, 'rule': issue_closed_at.rule, 'text': issue_closed_at.text},
            {'field': 'escalated_at', 'raw': escalated_at_text, 'rule': issue_escalated_at.rule, 'text': issue_escalated_at.text},
            {'field': 'escalation_level', 'raw': escalation_level_text, 'rule': issue_escalation_level.rule, 'text': issue_escalation_level.text},
            {'field': 'reopen_count', 'raw': reopen_count_text, 'rule': issue_reopen_count.rule, 'text': issue_reopen_count.text},
            {'field': 'csat', 'raw': csat_text, 'rule': issue_csat.rule, 'text': issue_csat.text},
            {'field': 'first_response_minutes_reported', 'raw': frt_reported_text, 'rule': issue_frt_reported.rule, 'text': issue_frt_reported.text},
            {'field': 'resolution_minutes_reported', 'raw': resolution_reported_text, 'rule': issue_resolution_reported.rule, 'text': issue_resolution_reported.text},
            {'field': 'transaction_at', 'raw': transaction_at_text, 'rule': issue_transaction_at.rule, 'text': issue_transaction_at.text},
            {'field': 'amount', 'raw': amount_text, 'rule': issue_amount.rule, 'text': issue_amount.text}
        ], lambda x: x.rule is not null)
    end as data_issues
from resolution_checked
