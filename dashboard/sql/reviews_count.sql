-- How many QA reviews are behind a quality chart.
select count(*) as n from qa_reviews_scored q where {where}
