-- title: Agents with the most incomplete-record findings
select agent_id, team, count(*) as findings,
       round(100.0 * count(*) / (select count(*) from qa_reviews_scored r where r.agent_id = f.agent_id), 1)
           as pct_of_their_reviews
from qa_findings f
where error_type = 'incomplete_record'
group by agent_id, team
order by findings desc
limit 20
