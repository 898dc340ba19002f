-- Error rate per month of review and error type over the filtered reviews.
with types as (
    select unnest(['communication', 'product_knowledge', 'timeliness', 'incomplete_record', 'policy', 'other']) as error_type
)
select q.reviewed_month, ty.error_type, pct_reviews_with(q.error_types, ty.error_type) as pct
from qa_reviews_scored q
cross join types ty
where {where}
group by all
order by 1
