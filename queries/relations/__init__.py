"""Related parties: in law and suspected, enterprise groups and clusters, paths and stakes between two
entities, person identity, and who controls whom across the whole graph."""
