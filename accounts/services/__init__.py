"""Account use cases. Each module is one area; every write goes through these functions."""
