"""The whole-graph steps of an analysis as Apache Spark DataFrame iterations (joins and group-bys),
for registers too large for one machine: see docs/scale-out.md. pyspark is the ``spark`` extra."""

from .engine import SettingError, SparkEngine, failures_in_one_line, spark_session

__all__ = ["SettingError", "SparkEngine", "failures_in_one_line", "spark_session"]
