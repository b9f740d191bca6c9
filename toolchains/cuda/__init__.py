"""cuda target (being built)."""
