"""Driver arrays to Spark DataFrames and back: vectors as (i, v) rows of their non-zero entries,
sparse matrices as (i, j, w) rows, node ids as 64-bit integers."""

from __future__ import annotations

import contextlib

import numpy as np
import scipy.sparse as sp


def vector_frame(spark, values: np.ndarray):
    """The non-zero entries of ``values`` as a DataFrame (i: long, v: double)."""
    at = np.flatnonzero(values)
    return columns_frame(spark, {"i": at.astype(np.int64), "v": values[at].astype(np.float64)})


def matrix_frame(spark, matrix: sp.spmatrix):
    """The stored entries of ``matrix`` as a DataFrame (i: long row, j: long column, w: double);
    repeated entries summed first, as scipy does."""
    coo = sp.coo_matrix(matrix)
    coo.sum_duplicates()
    return columns_frame(spark, {"i": coo.row.astype(np.int64), "j": coo.col.astype(np.int64),
                                 "w": coo.data.astype(np.float64)})


def pairs_frame(spark, first: np.ndarray, second: np.ndarray):
    """Two integer arrays as a DataFrame (a: long, b: long)."""
    return columns_frame(spark, {"a": np.asarray(first, dtype=np.int64), "b": np.asarray(second, dtype=np.int64)})


def columns_frame(spark, columns: dict[str, np.ndarray]):
    """Numpy columns as a DataFrame by way of an Arrow table: no pandas copy on the driver, and each
    column as wide as it is (32-bit integers as Spark ints; unsigned ones widened, Spark has none)."""
    import pyarrow as pa

    return spark.createDataFrame(pa.table({
        name: values.astype(np.int64) if values.dtype.kind == "u" else values for name, values in columns.items()}))


def collect_vector(frame, n: int, column: str = "v") -> np.ndarray:
    """A DataFrame of (i, ``column``) rows as a dense vector of length ``n`` (zero where absent)."""
    rows = frame.select("i", column).toPandas()
    out = np.zeros(n)
    out[rows["i"].to_numpy(dtype=np.int64)] = rows[column].to_numpy(dtype=np.float64)
    return out


def collect_matrix(frame, shape: tuple[int, int]) -> sp.csr_matrix:
    """A DataFrame of (i, j, w) rows as a CSR matrix (repeated entries summed)."""
    rows = frame.select("i", "j", "w").toPandas()
    return sp.csr_matrix((rows["w"].to_numpy(dtype=np.float64),
                          (rows["i"].to_numpy(dtype=np.int64), rows["j"].to_numpy(dtype=np.int64))), shape=shape)


CHECKPOINT_LEVEL = "spark.equitygraph.checkpointLevel"
CHECKPOINT_LEVELS = ("DISK_ONLY", "DISK_ONLY_2", "DISK_ONLY_3", "MEMORY_AND_DISK", "MEMORY_AND_DISK_2",
                     "MEMORY_AND_DISK_DESER", "MEMORY_ONLY", "MEMORY_ONLY_2", "OFF_HEAP")


def checkpointed(frame):
    """``frame`` computed now and kept, its lineage cut (an iteration's plan would otherwise grow each
    round), at the storage level the setting ``spark.equitygraph.checkpointLevel`` names (DISK_ONLY
    unless set: in memory the rounds' edges crowd the heap the shuffles need)."""
    from pyspark import StorageLevel

    level = frame.sparkSession.conf.get(CHECKPOINT_LEVEL, "DISK_ONLY")
    return frame.localCheckpoint(eager=True, storageLevel=getattr(StorageLevel, level))


def join_partitions(spark) -> int:
    """Partitions for a frame kept by :func:`kept_partitioned` and for what is joined to it each round:
    two per core the application has (a fixed number: explicit partitions are not coalesced, and the
    kept frame keeps its own across rounds)."""
    return max(2, 2 * spark.sparkContext.defaultParallelism)


def kept_partitioned(frame, parts: int, column: str, ordered: bool = False):
    """``frame`` hash-partitioned by ``column`` into ``parts`` (and sorted by it within each partition when
    ``ordered``: a sort-merge join on ``column`` then sorts only its other side) and :func:`checkpointed`
    so that the checkpoint remembers how: joins on ``column`` then move only their other side. With
    adaptive execution on, the checkpoint of a repartitioned frame forgets it, and each step of the walk
    moved its whole matrix again (a probe: 30 million links, four steps: 82-126 s in five runs against 76 s)."""
    frame = frame.repartition(parts, column)
    with partitioned_rounds(frame.sparkSession, parts):
        return checkpointed(frame.sortWithinPartitions(column) if ordered else frame)


@contextlib.contextmanager
def partitioned_rounds(spark, parts: int):
    """Adaptive execution off and ``parts`` shuffle partitions inside the block (the session's own
    settings back after it): a round's group-by then leaves its result hash-partitioned into ``parts``
    by the grouped column, as :func:`kept_partitioned` leaves a frame, and its checkpoint remembers
    that, so the next round's join on that column moves neither side."""
    settings = {"spark.sql.adaptive.enabled": "false", "spark.sql.shuffle.partitions": str(parts)}
    before = {key: spark.conf.get(key) for key in settings}  # both have a default: never unset
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def release(frame) -> None:
    """Free the blocks of a frame from :func:`checkpointed` that no step reads any more: Spark frees them
    only once the JVM collects the frame, which a heap kept busy by the rounds seldom does in time."""
    frame._jdf.queryExecution().logical().rdd().unpersist(False)
