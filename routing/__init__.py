"""Crew scheduling with OR-Tools (DESIGN §5). Built in issue 3."""
