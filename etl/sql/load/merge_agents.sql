-- Merge one staged agents file (temp table stg) into agents. The last record of an agent
-- in the file wins; a stored agent is replaced when the new version differs.
-- Parameters: $source, $run_id, $source_file.

create or replace temp table incoming as
select
    agent_id, name, team, tier, hired_on, languages, _record,
    hash(agent_id, name, team, tier, hired_on, languages) as row_hash
from stg
where reason_code is null and skip_reason is null
qualify row_number() over (partition by agent_id order by _record desc) = 1;

create or replace temp table decisions as
select i.agent_id,
       case when a.agent_id is null then 'insert'
            when a.row_hash <> i.row_hash then 'update'
            else 'skip' end as action
from incoming i
left join agents a on a.source = $source and a.agent_id = i.agent_id;

delete from agents
where source = $source
  and agent_id in (select agent_id from decisions where action = 'update');

insert into agents by name
select
    $source as source,
    i.* exclude (_record),
    $source_file as source_file,
    i._record as source_record,
    $run_id as run_id
from incoming i
join decisions d using (agent_id)
where d.action in ('insert', 'update');
