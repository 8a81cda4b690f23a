"""outcomes_qual."""
