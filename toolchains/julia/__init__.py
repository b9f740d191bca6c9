"""julia target (being built)."""
