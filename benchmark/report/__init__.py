"""Reading results: the leaderboard (table, CSV, JSON, static site), paired comparisons and error analysis."""
