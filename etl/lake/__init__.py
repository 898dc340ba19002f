"""The same metric definitions beyond one machine: the warehouse exported as a Parquet lake
(export.py), the metric SQL made portable (portable.py), and the metrics computed over the
lake by Spark or by DuckDB (metrics.py). docs/LAKE.md says when and how."""
