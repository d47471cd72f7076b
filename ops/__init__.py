"""The utility's own rules: calendar, deadlines, repairs, outages, leakage. Built in issue 4."""
