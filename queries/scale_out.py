"""An analysis for data that sits in no store: ``equitygraph spark-analyze INPUT OUTPUT``.

INPUT is a folder of Parquet tables as ``export --format parquet`` writes them, on any URL Spark
reads (``hdfs://``, ``s3a://``, ``file://``), or anything ``load`` reads at a path on this machine (a canonical
folder, BODS, GLEIF, ...). The analysis runs with the Spark engine; the driver keeps a working copy
of the graph in a temporary embedded store (the reasons and names are read from it), deleted
afterwards. OUTPUT receives what ``analyze`` writes, one row per entity, as Parquet written by Spark:
the same columns as the ``results`` table of ``export --format parquet``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from pathlib import Path

from ..graph.errors import EquityGraphError
from ..graph.stores.sqlite import SQLiteStore
from ..loaders.parquet import TABLES
from .analyze import AnalysisResult, analyze
from .i18n import N_
from .io.export_parquet import results_table

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def spark_analyze(input_path: str, output_path: str, engine, as_of: dt.date | None = None,
                  progress=lambda step: None, risk_config=None, overwrite: bool = False) -> AnalysisResult:
    """Analyse INPUT on ``engine`` (a :class:`..graph.spark.SparkEngine`) and write the results to
    OUTPUT as Parquet; what ``analyze`` would say of the analysis. OUTPUT that exists is refused
    before anything is read, unless ``overwrite``."""
    from ..graph.spark import failures_in_one_line

    spark = engine.spark
    with failures_in_one_line():
        if not overwrite and _exists(spark, output_path):
            raise EquityGraphError(f"{output_path} already exists: name another OUTPUT, or give --overwrite")
    with tempfile.TemporaryDirectory(prefix="equitygraph-spark-") as work:
        work = Path(work)
        progress(N_("reading the input"))
        with failures_in_one_line():
            local = _local_input(spark, input_path, work / "input")
        with SQLiteStore(work / "work.db") as store:
            from ..loaders.formats import load_path

            load_path(store, local)
            result = analyze(store, as_of, progress, risk_config=risk_config, engine=engine)
            progress(N_("writing the results"))
            table = results_table(store)
    if table is None:
        raise EquityGraphError(f"{input_path}: no company to analyse")
    with failures_in_one_line():
        frame = spark.createDataFrame(_spark_ready(table))
        frame.write.mode("overwrite" if overwrite else "errorifexists").parquet(output_path)
    return dataclasses.replace(result, written_to=output_path)


def _local_input(spark, input_path: str, folder: Path) -> Path:
    """INPUT on this machine: a path as it is; a URL's Parquet tables (``file://`` too) read by Spark
    and copied here, table by table."""
    if not _URL.match(input_path):
        local = Path(input_path)
        if not local.exists():
            raise EquityGraphError(f"{input_path}: no such file or folder")
        return local
    import pyarrow.parquet as pq

    base = input_path.rstrip("/")
    if not _exists(spark, f"{base}/entities.parquet"):
        raise EquityGraphError(f"{input_path}: no entities.parquet (a URL is read as a folder of Parquet tables, as "
                               "export --format parquet writes them)")
    folder.mkdir(parents=True)
    for name in TABLES:
        if _exists(spark, f"{base}/{name}.parquet"):
            pq.write_table(spark.read.parquet(f"{base}/{name}.parquet").toArrow(), folder / f"{name}.parquet")
    return folder


def _exists(spark, path: str) -> bool:
    """Whether ``path`` exists on the file system Spark reads it from (local, HDFS, S3, ...)."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return bool(hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(hadoop_path))


def _spark_ready(table):
    """Columns no row has a value in are typed null by Arrow, which Spark does not write: text instead."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    return table
