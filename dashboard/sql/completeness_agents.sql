-- Per agent over the filtered tickets a completeness rule applies to: tickets and incomplete
-- records, in the shape of the training list's rates (reviews = tickets, reviews_with_error
-- = incomplete records), so that the same Fisher test flags an agent against the team.
select t.agent_id, any_value(t.team) as team, 'incomplete_fields' as error_type,
       count(*) as reviews,
       count(*) filter (where not t.is_complete) as reviews_with_error
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where} and t.agent_id is not null and t.team is not null and t.required_items > 0
group by 1
