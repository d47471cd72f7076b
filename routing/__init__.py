"""Crew scheduling with OR-Tools (docs/design.md §5). Built in issue 3."""
