"""The served explorer (equitygraph serve)."""
