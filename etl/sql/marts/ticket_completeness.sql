-- materialized: summary
-- order: 30
-- grain: one row per ticket (source, ticket_id)
-- ticket_completeness: one row per ticket, and whether its record holds what its category
-- needs ("incomplete record" in the desk's error taxonomy: a follow-up loses information).
-- The rules are the table completeness_rules ([[completeness.rules]] in the settings): a
-- rule applies to a ticket of one of its categories (all, when it names none), only once the
-- ticket is resolved when it says so, and is met when at least one of its record fields
-- (any_of) is filled (text: not blank). A rule judges only records whose export records
-- one of its fields: where the file the ticket was last loaded from (load_files.fields) maps
-- none of them, the item is "not recorded by the export" (unrecorded_items), not missing. A
-- ticket no rule applies to is complete. The record's fields are the stored ticket's
-- (tickets); the figures the effect compares are ticket_metrics' and ticket_repeats'.
-- Recomputed in full at every build (it reads ticket_repeats, which depends on the
-- customer's other tickets).
with file_fields as (
    -- the fields each loaded file's mapping fills; NULL for a file recorded before
    -- load_files kept them (every rule is then applied, as before)
    select run_id, source, file_name,
           case when bool_or(fields is null) then null else list_distinct(flatten(list(fields))) end as fields
    from load_files
    where kind = 'tickets'
    group by run_id, source, file_name
),

-- the files that record at least one field of a rule
recorded as (
    select distinct f.run_id, f.source, f.file_name, r.item
    from file_fields f
    join (select item, unnest(any_of) as field from completeness_rules) r on list_contains(f.fields, r.field)
),

records as (
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
        nullif(trim(m.subcategory), '') is not null     as has_subcategory,
        t.run_id, t.source_file
    from ticket_metrics m
    join tickets t on t.source = m.source and t.ticket_id = m.ticket_id
    left join ticket_repeats r on r.source = m.source and r.ticket_id = m.ticket_id
),

judged as (
    select
        k.source, k.ticket_id, c.item,
        f.fields is null or w.item is not null as is_recorded,
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
    left join file_fields f on f.run_id = k.run_id and f.source = k.source and f.file_name = k.source_file
    left join recorded w
        on w.run_id = k.run_id and w.source = k.source and w.file_name = k.source_file and w.item = c.item
),

-- a rule applies where the export records one of its fields, or the record holds one anyway
-- (filled by another way in, such as an assignment event)
checked as (
    select *, is_recorded or not is_missing as applies
    from judged
),

per_ticket as (
    select
        source, ticket_id,
        count(*) filter (where applies) as required_items,
        count(*) filter (where applies and is_missing) as missing_count,
        list_sort(list(item) filter (where applies and is_missing)) as missing,
        count(*) filter (where not applies) as unrecorded_count,
        list_sort(list(item) filter (where not applies)) as unrecorded
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
    case when coalesce(p.unrecorded_count, 0) = 0 then cast([] as varchar[]) else p.unrecorded end
        as unrecorded_items,
    coalesce(p.missing_count, 0) = 0 as is_complete
from records k
left join per_ticket p on p.source = k.source and p.ticket_id = k.ticket_id
