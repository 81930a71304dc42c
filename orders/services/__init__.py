"""Order use cases, one module per area."""
