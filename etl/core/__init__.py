"""What every stage uses and nothing above it: errors, settings, kinds, vocabulary, and the
runner of the project's .sql files (with SQL quoting). Imports nothing else of etl."""
