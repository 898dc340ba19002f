"""Stage 1, ingest: read an export file as text columns (format, encoding, delimiter),
recognise it (the canonical format or a mapping profile) and present it as a view of
canonical text columns; personal-data settings for what is stored."""
