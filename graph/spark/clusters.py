"""The communities of large components on the workers: one task per component (``applyInPandas``),
each running the same :func:`..analysis.communities.component_communities` with the same seed as the
in-process path, so the clusters are the same wherever they were found."""

from __future__ import annotations

import numpy as np


def communities(spark, edge_component: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int,
                resolution: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The nodes of the components' edges and their communities within their component, and the
    number of components split."""
    import pandas as pd

    if len(src) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0
    edges = spark.createDataFrame(pd.DataFrame({"component": np.asarray(edge_component, dtype=np.int64),
                                                "src": np.asarray(src, dtype=np.int64),
                                                "dst": np.asarray(dst, dtype=np.int64)}),
                                  schema="component long, src long, dst long")

    def split(group: pd.DataFrame) -> pd.DataFrame:
        from equitygraph.graph.analysis.communities import component_communities

        nodes, community = component_communities(group["src"].to_numpy(np.int64), group["dst"].to_numpy(np.int64),
                                                 seed, resolution)
        return pd.DataFrame({"node": nodes, "community": community})

    found = edges.groupBy("component").applyInPandas(split, schema="node long, community long").toPandas()
    return (found["node"].to_numpy(np.int64), found["community"].to_numpy(np.int64),
            len(np.unique(edge_component)))
