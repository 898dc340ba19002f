-- Rates defined once, as macros stored in the warehouse, for any grouping:
--   select channel, pct_frt_within_sla(frt_sla) from ticket_metrics group by channel
-- Each returns a percentage (0–100) as a DOUBLE, NULL when its denominator is empty.
-- (cast(100 as double), not 100.0: Spark and Trino read 100.0 as a DECIMAL and would
-- divide in decimals, rounding at the 14th digit; the lake engines must agree exactly.)

-- Share of tickets whose first-response SLA is decided ('met' or 'breached') that met it;
-- 'pending' tickets (unanswered, still inside the target) are left out.
create or replace macro pct_frt_within_sla(frt_sla) as
    cast(100 as double) * count(*) filter (where frt_sla = 'met')
    / nullif(count(*) filter (where frt_sla in ('met', 'breached')), 0);

-- Share of tickets escalated to level 1 or above.
create or replace macro pct_escalated(is_escalated) as
    cast(100 as double) * count(*) filter (where is_escalated) / nullif(count(*), 0);

-- Share of tickets that were resolved at least once and were reopened.
create or replace macro pct_reopened(reopen_count, is_resolved) as
    cast(100 as double) * count(*) filter (where reopen_count > 0)
    / nullif(count(*) filter (where is_resolved or reopen_count > 0), 0);

-- Share of CSAT answers that are 4 or 5.
create or replace macro pct_csat_satisfied(csat) as
    cast(100 as double) * count(csat) filter (where csat >= 4) / nullif(count(csat), 0);

-- Share of QA reviews that found at least one error.
create or replace macro pct_reviews_with_error(has_error) as
    cast(100 as double) * count(*) filter (where has_error) / nullif(count(*), 0);

-- The QA error types: the canonical values of [error_type] in etl/core/vocab.toml (which maps the
-- sources' words to them), in the order the dashboard shows them. Every per-type figure
-- lists all of them, with zero where none was found:  select unnest(qa_error_types()) as error_type
create or replace macro qa_error_types() as
    ['communication', 'product_knowledge', 'timeliness', 'incomplete_record', 'policy', 'other'];

-- Share of QA reviews that found the given error type (the error rate per reviewed ticket).
create or replace macro pct_reviews_with(error_types, error_type) as
    cast(100 as double) * count(*) filter (where list_contains(error_types, error_type)) / nullif(count(*), 0);

-- Repeat-contact rate (ticket_repeats): the share of tickets with a customer id that their
-- customer followed with a repeat about the same category (grouped by the first ticket's
-- channel, team, agent …).
create or replace macro pct_followed_by_repeat(followed_by_repeat) as
    cast(100 as double) * count(*) filter (where followed_by_repeat)
    / nullif(count(followed_by_repeat), 0);

-- First-contact resolution (ticket_repeats): the share of resolved tickets with a customer
-- id that were never reopened and not followed by a repeat.
create or replace macro pct_first_contact_resolved(first_contact_resolved, is_resolved, customer_id) as
    cast(100 as double) * count(*) filter (where first_contact_resolved and customer_id is not null)
    / nullif(count(*) filter (where is_resolved and customer_id is not null), 0);

-- Record completeness (ticket_completeness): the share of tickets whose record holds every
-- item its category's rules ask for ([[completeness.rules]]).
create or replace macro pct_complete(is_complete) as
    cast(100 as double) * count(*) filter (where is_complete) / nullif(count(is_complete), 0);

-- The AI assistant (ticket_assistant). Containment: the share of the tickets the assistant
-- handled that it contained (pass true as is_handled for the share of all tickets).
create or replace macro pct_contained(is_contained, is_handled) as
    cast(100 as double) * count(*) filter (where is_handled and is_contained)
    / nullif(count(*) filter (where is_handled), 0);

-- Handoff rate: the share of the tickets the assistant handled that a human took over.
create or replace macro pct_handed_off(is_handed_off, is_handled) as
    cast(100 as double) * count(*) filter (where is_handled and is_handed_off)
    / nullif(count(*) filter (where is_handled), 0);

-- The assistant's reach in a grouping: its containment on the tickets it handled there, once it
-- has handled at least min_handled of them (NULL before: too few to tell).
create or replace macro pct_assistant_reach(is_contained, is_handled, min_handled) as
    case when count(*) filter (where is_handled) >= min_handled then
        cast(100 as double) * count(*) filter (where is_handled and is_contained)
        / nullif(count(*) filter (where is_handled), 0)
    end;

-- Human handling minutes per ticket a human handled: the events' estimate (human_minutes) where
-- any such ticket has events, else their resolution minutes as a proxy.
create or replace macro assistant_human_minutes(human_minutes, resolution_minutes, is_human_handled) as
    coalesce(avg(human_minutes) filter (where is_human_handled),
             avg(resolution_minutes) filter (where is_human_handled));

-- Which of the two assistant_human_minutes used: 'events' or 'resolution_time'.
create or replace macro assistant_minutes_basis(human_minutes, is_human_handled) as
    case when count(human_minutes) filter (where is_human_handled) > 0 then 'events' else 'resolution_time' end;

-- "What to automate next": agent hours a target containment would free in a grouping. The
-- share of its tickets that would move from people to the assistant is the target, at most the
-- assistant's reach there, less the share contained now (never below 0; nothing without a
-- reach); each moved ticket frees the human minutes per human-handled ticket.
--   tickets × (least(target_pct, reach_pct) − contained_pct) / 100 × human_minutes / 60
create or replace macro assistant_hours_freed(target_pct, tickets, contained_pct, reach_pct, human_minutes) as
    case when reach_pct is not null then
        tickets * greatest(cast(0 as double), least(cast(target_pct as double), reach_pct) - coalesce(contained_pct, 0))
        / 100 * coalesce(human_minutes, 0) / 60
    end;
