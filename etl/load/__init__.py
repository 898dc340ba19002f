"""Stage 2, load: one run over export files (run.py), each file staged and validated
(stage.py) and merged into the stored tables (merge.py), with the run log (runlog.py)."""
