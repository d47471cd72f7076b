"""Storage: tables, sessions, migrations."""
