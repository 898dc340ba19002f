-- The merge's incoming rows when the source has no stored rows of the kind yet: every
-- mapped row is an insert. Filled into a kind's insert step as {incoming} (etl/load/merge.py),
-- so that the insert reads the staged rows once: a big first load in one pass.
-- {mapped}: the kind's map step.
select *, 'insert' as action from ({mapped})
