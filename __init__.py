"""equitygraph: a corporate-equity knowledge-graph analyzer for financial-risk investigators."""

__version__ = "0.1.0"
