"""What every part's demo loader shares: who loads the demo, and the year it stands in."""

ACTOR = "system:demo-loader"
CURRENT_YEAR, NEXT_YEAR = 2026, 2027
