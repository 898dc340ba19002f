-- materialized: build_view
-- order: 5
-- grain: one row per event that can move a ticket between stages or assign it (source, ticket_id, event_at, …)
-- int_stage_events: the events of ticket_events_in_scope the process stages read
-- (etl/sql/marts/ticket_stage_times.sql), each with what it does:
-- (Build-time view: *_in_scope are the whole tables for a full build, or the rows of the
-- tickets a load touched for an incremental one; see etl/warehouse/models.py.)
--   to_state     the status it sets outright: status_change (the status its detail names),
--                resolved → solved, reopened → open, closed → closed; NULL for the others
--   kind         agent_reply (a human agent's reply), customer_reply, assigned, escalated, or the
--                event type of a to_state event. A new ticket opens at the first agent reply,
--                assignment or escalation; a pending one at the customer's reply.
--   kind_order   the order of events at the same instant
--   assignee, assignee_team   for assigned events: who or which team it was assigned to
-- A status_change names its status in detail as exported: "pending", "status = hold"
-- (Zendesk field history), "Awaiting User Info" (ServiceNow), "open → pending", "等待客户" …:
-- the text after the last = : → or -> is read with the [status] synonyms of
-- etl/core/vocab.toml and ServiceNow's states; an unreadable one moves nothing.
-- An assigned event names the assignee in detail ("assignee: A12", "assignee_id = 123", or
-- the id alone), else the actor is the assignee; "team: payments" / "group = …" assigns a team.
with typed as (
    select
        source, ticket_id, event_at, event_type as kind, actor_id, detail, source_file, source_record,
        -- the value after the last separator, and the field named before the first (read only
        -- where they are used: status changes and assignments, a small share of the events)
        case when event_type in ('status_change', 'assigned') then
            trim(regexp_replace(coalesce(detail, ''), '^.*(=|:|→|->)', '')) end as detail_value,
        case when event_type = 'assigned' then
            lower(trim(regexp_extract(coalesce(detail, ''), '^\s*([A-Za-z_ ]+?)\s*(=|:)', 1))) end as detail_field,
        case when event_type = 'assigned' then
            regexp_matches(coalesce(detail, ''), '(=|:|→|->)') end as detail_has_field
    from ticket_events_in_scope
    where (event_type = 'agent_reply' and actor_role = 'agent')
       or event_type in ('customer_reply', 'status_change', 'assigned', 'escalated', 'resolved', 'reopened', 'closed')
),

read_status as (
    select
        *,
        lower(replace(replace(detail_value, '_', ' '), '-', ' ')) as status_text
    from typed
)

select
    source, ticket_id, event_at, kind, actor_id, detail, source_file, source_record,
    case kind
        when 'assigned' then 1 when 'agent_reply' then 2 when 'escalated' then 3
        when 'status_change' then 4 when 'customer_reply' then 5 when 'resolved' then 6
        when 'reopened' then 7 when 'closed' then 8
    end as kind_order,
    case
        when kind = 'resolved' then 'solved'
        when kind = 'reopened' then 'open'
        when kind = 'closed' then 'closed'
        when kind <> 'status_change' then null
        when status_text in ('new', 'unassigned', '新建', '新', '待分配', '未受理') then 'new'
        when status_text in ('open', 'in progress', 'assigned', 'working', 'reopened', 'active',
                             '处理中', '进行中', '已受理', '打开', '重新打开') then 'open'
        when status_text in ('pending', 'waiting', 'waiting on customer', 'awaiting customer',
                             'awaiting reply', 'awaiting user info', '待回复', '等待客户', '等待中',
                             '待客户回复') then 'pending'
        when status_text in ('on hold', 'hold', 'onhold', 'waiting on third party', 'awaiting problem',
                             'awaiting vendor', 'awaiting evidence', 'awaiting change', '搁置', '暂停',
                             '挂起') then 'on_hold'
        when status_text in ('solved', 'resolved', 'done', 'fixed', '已解决', '解决', '已处理') then 'solved'
        when status_text in ('closed', 'canceled', 'cancelled', '已关闭', '关闭', '完结', '已完结',
                             '结案') then 'closed'
    end as to_state,
    case
        when kind <> 'assigned' then null
        when detail_has_field and detail_field in ('team', 'group', 'group id', 'group_id', 'assignment group',
                                                   'assignment_group') then null
        when detail_has_field or regexp_matches(detail_value, '^[^\s]+$') then coalesce(nullif(detail_value, ''), actor_id)
        else actor_id
    end as assignee,
    case
        when kind = 'assigned' and detail_has_field
             and detail_field in ('team', 'group', 'group id', 'group_id', 'assignment group', 'assignment_group')
        then nullif(detail_value, '')
    end as assignee_team
from read_status
