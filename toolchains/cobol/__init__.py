"""cobol target (being built)."""
