"""The data model, the stores, and the graph algorithms (pure functions over in-memory graphs)."""
