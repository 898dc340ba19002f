-- materialized: summary
-- order: 30
-- grain: one row per ticket (source, ticket_id)
-- ticket_completeness: one row per ticket, and whether its record holds what its category
-- needs ("incomplete record" in the desk's error taxonomy: a follow-up loses information).
-- The rules are the table completeness_rules ([[completeness.rules]] in the settings): a
-- rule applies to a ticket of one of its categories (all, when it names none), only once the
-- ticket is resolved when it says so, and is met when at least one of its record fields
-- (any_of) is filled (text: not blank). A ticket no rule applies to is complete. The
-- record's fields are the stored ticket's (tickets); the figures the effect compares are
-- ticket_metrics' and ticket_repeats'. Recomputed in full at every build (it reads
-- ticket_repeats, which depends on the customer's other tickets).
with records as (
    select
        m.source, m.ticket_id, m.category, m.channel, m.priority, m.team, m.agent_id, m.customer_id,
        m.created_at, m.created_date, m.created_week, m.created_month, m.is_resolved,
        m.resolution_minutes, m.reopen_count, m.is_reopened,
        t.account_id, t.transaction_id, t.transaction_at, t.amount, t.currency, t.resolution_note,
        r.is_repeat, r.followed_by_repeat,
        nullif(trim(t.account_id), '') is not null      as has_account_id,
        nullif(trim(t.transaction_id), '') is not null  as has_transaction_id,
        t.transaction_at is not null                    as has_transaction_at,
        t.amount is not null                            as has_amount,
        nullif(trim(t.currency), '') is not null        as has_currency,
        nullif(trim(t.resolution_note), '') is not null as has_resolution_note,
        m.customer_id is not null                       as has_customer_id,
        nullif(trim(m.subject), '') is not null         as has_subject,
        m.agent_id is not null                          as has_agent_id,
        nullif(trim(m.team), '') is not null            as has_team,
        nullif(trim(m.subcategory), '') is not null     as has_subcategory
    from ticket_metrics m
    join tickets t on t.source = m.source and t.ticket_id = m.ticket_id
    left join ticket_repeats r on r.source = m.source and r.ticket_id = m.ticket_id
),

checked as (
    select
        k.source, k.ticket_id, c.item,
        not (   (list_contains(c.any_of, 'account_id') and k.has_account_id)
             or (list_contains(c.any_of, 'transaction_id') and k.has_transaction_id)
             or (list_contains(c.any_of, 'transaction_at') and k.has_transaction_at)
             or (list_contains(c.any_of, 'amount') and k.has_amount)
             or (list_contains(c.any_of, 'currency') and k.has_currency)
             or (list_contains(c.any_of, 'resolution_note') and k.has_resolution_note)
             or (list_contains(c.any_of, 'customer_id') and k.has_customer_id)
             or (list_contains(c.any_of, 'subject') and k.has_subject)
             or (list_contains(c.any_of, 'agent_id') and k.has_agent_id)
             or (list_contains(c.any_of, 'team') and k.has_team)
             or (list_contains(c.any_of, 'subcategory') and k.has_subcategory)) as is_missing
    from records k
    join completeness_rules c
        on (c.categories is null or list_contains(c.categories, k.category))
       and (not c.resolved_only or k.is_resolved)
),

per_ticket as (
    select
        source, ticket_id,
        count(*) as required_items,
        count(*) filter (where is_missing) as missing_count,
        list_sort(list(item) filter (where is_missing)) as missing
    from checked
    group by source, ticket_id
)

select
    k.source,
    k.ticket_id,
    k.category,
    k.channel,
    k.priority,
    k.team,
    k.agent_id,
    k.customer_id,
    k.created_at,
    k.created_date,
    k.created_week,
    k.created_month,
    k.is_resolved,
    k.resolution_minutes,
    k.reopen_count,
    k.is_reopened,
    k.is_repeat,
    k.followed_by_repeat,
    k.account_id,
    k.transaction_id,
    k.transaction_at,
    k.amount,
    k.currency,
    k.resolution_note,
    coalesce(p.required_items, 0) as required_items,
    case when coalesce(p.missing_count, 0) = 0 then cast([] as varchar[]) else p.missing end as missing_items,
    coalesce(p.missing_count, 0) = 0 as is_complete
from records k
left join per_ticket p on p.source = k.source and p.ticket_id = k.ticket_id
