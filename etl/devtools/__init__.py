"""Not on the runtime path: the demo data generator and the benchmark (python -m etl
generate | demo | bench). Nothing in ingest/load/warehouse/query imports these."""
