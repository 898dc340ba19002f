"""Stage 4, query: ad hoc SQL made safe by construction (sqlguard.py) and the dashboard's
users and roles (auth.py)."""
