"""Stage 3, the warehouse: schema and metadata (schema.py), policy and business calendar
(calendar.py), metric models (models.py), consistency checks (checks.py), column meanings
(catalog.py), published versions (versions.py) and the atomic publish (publish.py)."""
