"""Pure graph algorithms: arrays or a small subgraph in, results out, no I/O."""
