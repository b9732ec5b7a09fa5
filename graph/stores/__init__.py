"""Where the graph lives: the store interface (``base``), the embedded SQLite store, the Neo4j store
with its Cypher, bulk importer and local server. Stores do I/O and no analysis."""
