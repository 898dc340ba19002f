-- Error rate per month of review and error type over the filtered reviews.
-- {error_types}: the warehouse's qa_error_types() list (filled in by dashboard/db.py).
select q.reviewed_month, ty.error_type, pct_reviews_with(q.error_types, ty.error_type) as pct
from qa_reviews_scored q
cross join (select unnest({error_types}) as error_type) ty
where {where}
group by q.reviewed_month, ty.error_type
order by q.reviewed_month, min(list_position({error_types}, ty.error_type))
