-- stg_qa_reviews: one row per record of one QA reviews file ({raw}), typed, with the
-- reason it is rejected (NULL when it loads: only a missing review id or ticket, or a review
-- time that cannot be read or lies in the future, rejects) and the fields emptied for it
-- (data_issues, as stg_tickets: a score that is no number from 0 to 100 is emptied and
-- recorded; the review's error types still count). Parameters: $future_limit.
with typed as (
    select
        {raw_columns}, _skip, review_id, ticket_id, agent_id, reviewer_id, comment,
        reviewed_at as reviewed_at_text,
        parse_ts(reviewed_at) as reviewed_at,
        score as score_text,
        try_cast(score as double) as score,
        error_types as error_types_raw
    from {raw}
),

checked as (
    select
        *,
        case
            when _skip is not null then null
            when review_id is null then
                {'code': 'missing_review_id', 'text': 'review_id is empty'}
            when ticket_id is null then
                {'code': 'missing_ticket_id', 'text': 'ticket_id is empty: a review must name the ticket it reviews'}
            when reviewed_at_text is not null and reviewed_at is null then
                {'code': 'bad_time', 'text': 'reviewed_at is not a time stamp: ' || quoted(reviewed_at_text)}
            when reviewed_at > $future_limit then
                {'code': 'future_time', 'text': 'reviewed_at is later than the data''s as_of (' || strftime($future_limit, '%Y-%m-%d %H:%M UTC') || ' with tolerance)'}
        end as rejection,
        case when score_text is not null and (score is null or score not between 0 and 100 or isnan(score)) then
            {'rule': 'bad_score', 'text': 'score must be a number from 0 to 100, not ' || quoted(score_text)}
        end as issue_score
    from typed
)

select
    review_id, ticket_id, agent_id, reviewed_at, reviewer_id,
    case when issue_score is null then score end as score,
    error_types_raw, comment,
    rejection.code as reason_code,
    -- the reason quotes values as given: scrubbed whatever the settings (a diagnostic, not
    -- the data; a misaligned record can put a phone number in any field)
    scrub_pii(rejection.text) as reason,
    -- the source record as JSON, built only for the rows set aside
    case when rejection is not null then {raw_json} end as raw_record,
    _skip as skip_reason,
    -- the fields emptied, each with its raw value and the rule (only for reviews that load)
    case when rejection is null and _skip is null and issue_score is not null then
        [{'field': 'score', 'raw': score_text, 'rule': issue_score.rule, 'text': issue_score.text}]
    end as data_issues
from checked
