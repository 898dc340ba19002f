-- Merge one staged agents file (temp table stg) into agents.
-- grain: one row per agent (source, agent_id) in agents
-- The last record of an agent in the file wins; a stored agent is replaced when the new
-- version differs. Parameters: $source, $run_id, $source_file, $scrub_text. Steps as in merge_tickets.sql.

-- step: repeats
select count(*) - count(distinct agent_id) from stg
where reason_code is null and skip_reason is null;

-- step: dedupe
create or replace temp table stg_once as
select * from stg
where reason_code is null and skip_reason is null
qualify row_number() over (partition by agent_id order by _record desc) = 1;

-- step: map
select
    agent_id,
    -- free text scrubbed as elsewhere (a phone or an e-mail typed into a name or team)
    scrub_if(name, $scrub_text) as name, scrub_if(team, $scrub_text) as team,
    scrub_if(tier, $scrub_text) as tier, hired_on, scrub_if(languages, $scrub_text) as languages, _record,
    hash(agent_id, name, team, tier, hired_on, languages) as row_hash
from {rows}
where reason_code is null and skip_reason is null;

-- step: compare
create or replace temp table incoming as
select
    i.*,
    case when a.agent_id is null then 'insert'
         when a.row_hash <> i.row_hash then 'update'
         else 'skip' end as action
from ({mapped}) i
left join agents a on a.source = $source and a.agent_id = i.agent_id;

-- step: replace
delete from agents
where source = $source
  and agent_id in (select agent_id from incoming where action = 'update');

-- step: insert
insert into agents by name
select
    $source as source,
    i.* exclude (_record, action),
    $source_file as source_file,
    i._record as source_record,
    $run_id as run_id
from {incoming} i
where i.action in ('insert', 'update');
