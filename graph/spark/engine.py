"""The Spark engine: a SparkSession (local mode on a laptop, a cluster by its master URL) and the
whole-graph steps of :mod:`..analysis.engine` run on it."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import EquityGraphError
from .frames import CHECKPOINT_LEVEL, CHECKPOINT_LEVELS
from .series import GATHER_BELOW, GATHER_BELOW_ENTRIES

MAX_COMPONENT_NODES = "spark.equitygraph.communities.maxNodes"
LOGGING = Path(__file__).with_name("log4j2.properties")  # errors only: Spark's notices would bury the answers
# The driver's JVM shares its machine with the driver's Python, which works on the graph's arrays
# between Spark jobs: a JVM idle for five seconds collects and hands back what its heap no longer uses
# (G1, JEP 346), instead of holding the heap of its largest step through the analysis (8 GiB beside the
# driver's 15 at ten million companies on one machine: docs/scale-out.md).
GIVE_BACK_HEAP = "-XX:G1PeriodicGCInterval=5000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"


def spark_session(master: str = "local[*]", conf: dict[str, str] | None = None, app: str = "equitygraph"):
    """A SparkSession on ``master`` (``local[*]``, ``local[2]``, ``spark://host:7077``, ``yarn``,
    ``k8s://...``) with ``conf`` on top of quiet defaults (no UI, Arrow transfers, few shuffle partitions
    in local mode). Raises :class:`EquityGraphError` when pyspark or Java is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EquityGraphError("the Spark engine needs pyspark: pip install 'equitygraph[spark]'") from None
    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
    builder = SparkSession.builder.master(master).appName(app)
    for key, value in session_settings(master, conf).items():
        builder = builder.config(key, value)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this Python
    try:
        session = builder.getOrCreate()
    except Exception as e:  # the JVM did not start: no Java, or a master that does not answer
        raise EquityGraphError(f"Spark did not start on {master}: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
                               ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def session_settings(master: str, conf: dict[str, str] | None = None) -> dict[str, str]:
    """The settings a session starts with: quiet defaults, then ``conf`` on top; the driver's Java
    options given in ``conf`` come after the defaults' (logging, heap handed back) rather than instead.

    Examples
    --------
    >>> settings = session_settings("local[2]", {"spark.driver.extraJavaOptions": "-Xss4m"})
    >>> settings["spark.driver.extraJavaOptions"].split()[-2:]
    ['-XX:MaxHeapFreeRatio=30', '-Xss4m']
    >>> session_settings("yarn")["spark.sql.shuffle.partitions"]
    '200'
    """
    java = "spark.driver.extraJavaOptions"
    settings = {"spark.ui.enabled": "false", "spark.sql.execution.arrow.pyspark.enabled": "true",
                "spark.sql.shuffle.partitions": "4" if master.startswith("local") else "200",
                java: f"-Dlog4j2.configurationFile={LOGGING.as_uri()} {GIVE_BACK_HEAP}",
                "spark.ui.showConsoleProgress": "false"}
    conf = dict(conf or {})
    if java in conf:  # the JVM takes the last of a repeated option: the user's
        conf[java] = f"{settings[java]} {conf[java]}"
    return settings | conf


def _failed(e: Exception) -> EquityGraphError:
    """A Spark failure in one line and what to try, instead of a JVM stack trace."""
    text = str(e)
    cause = next((line.strip() for line in text.replace("\\n", "\n").splitlines()
                  if "Exception:" in line or "failure:" in line), text.splitlines()[0] if text else type(e).__name__)
    cause = cause.lstrip(": ")
    hint = ""
    if "result lost" in text or "OutOfMemory" in text or "maxResultSize" in text:
        hint = "; give the driver more memory (--spark-conf spark.driver.memory=8g, spark.driver.maxResultSize=4g)"
    return EquityGraphError(f"Spark failed: {cause[:300]}{hint}")


@contextlib.contextmanager
def failures_in_one_line():
    """Spark's failures inside the block said in one line with what to try (an EquityGraphError)."""
    try:
        yield
    except Exception as e:
        if type(e).__module__.startswith(("py4j", "pyspark")):
            raise _failed(e) from None
        raise


def _on_spark(step):
    """A step of the engine whose Spark failures are said in one line."""
    @functools.wraps(step)
    def run(self, *args, **kwargs):
        with failures_in_one_line():
            return step(self, *args, **kwargs)
    return run


class SettingError(EquityGraphError):
    """A setting of ours (``spark.equitygraph.*``) with a value it cannot take: the command line
    reports it as a usage error of ``--spark-conf``."""


class SparkEngine:
    """The steps of :class:`..analysis.engine.InProcess` as Spark DataFrame iterations. ``rounds``
    keeps how many rounds each step took in the last analysis (components: large-star/small-star
    rounds; the series: terms; communities: tasks, and pieces where a component was cut). The
    setting ``spark.equitygraph.communities.maxNodes`` (10,000,000) is the largest component one
    task splits whole; ``spark.equitygraph.checkpointLevel`` (DISK_ONLY) the storage level of the
    rounds' checkpoints (:func:`.frames.checkpointed`); ``spark.equitygraph.series.gatherBelow``
    (5,000,000) the entries under which a term of the ownership series is finished on the driver."""

    name = "spark"

    def __init__(self, master: str = "local[*]", conf: dict[str, str] | None = None, session=None):
        self.master, self.conf = master, dict(conf or {})
        self._session, self._owned = session, session is None
        self.rounds: dict[str, int] = {}
        # The most nodes of a component one worker splits as a whole (Leiden in one task); a larger one
        # is cut into pieces first (graph/spark/pieces.py): an approximation, so set high.
        limit = self.conf.get(MAX_COMPONENT_NODES, "10000000")
        if not limit.isdigit() or int(limit) < 1:
            raise SettingError(f"{MAX_COMPONENT_NODES} is a number of nodes (1 or more), not {limit!r}")
        self.max_component_nodes = int(limit)
        gather = self.conf.get(GATHER_BELOW, str(GATHER_BELOW_ENTRIES))
        if not gather.isdigit():
            raise SettingError(f"{GATHER_BELOW} is a number of entries (0: never), not {gather!r}")
        self.gather_below = int(gather)
        level = self.conf.get(CHECKPOINT_LEVEL, "DISK_ONLY")
        if level not in CHECKPOINT_LEVELS:
            raise SettingError(f"{CHECKPOINT_LEVEL} is one of {', '.join(CHECKPOINT_LEVELS)}, not {level!r}")

    @property
    def spark(self):
        if self._session is None:
            self._session = spark_session(self.master, self.conf)
        return self._session

    @_on_spark
    def direct_control(self, holder, company, low, high, appoints, board_size, hidden, missing, rules, floating=None):
        from .control import direct_control

        return direct_control(self.spark, holder, company, low, high, appoints, board_size, hidden, missing, rules,
                              floating)

    @_on_spark
    def chase(self, following: np.ndarray, max_hops: int) -> tuple[np.ndarray, np.ndarray, int]:
        from .control import chase

        last, steps, rounds = chase(self.spark, following, max_hops)
        self.rounds["control climbing"] = rounds  # the last climb: the one the answers come from
        return last, steps, rounds

    @_on_spark
    def components(self, src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
        from .components import components

        labels, self.rounds["components"] = components(self.spark, src, dst, n)
        return labels

    @_on_spark
    def communities(self, edge_component: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int,
                    resolution: float) -> tuple[np.ndarray, np.ndarray]:
        from .clusters import communities

        nodes, community, rounds = communities(self.spark, edge_component, src, dst, seed, resolution,
                                               self.max_component_nodes)
        self.rounds.pop("pieces", None)
        self.rounds.update(rounds)
        return nodes, community

    @_on_spark
    def integrated(self, A: sp.csr_matrix) -> sp.csr_matrix:
        from .series import integrated

        T, self.rounds["integrated ownership"] = integrated(self.spark, A, gather_below=self.gather_below)
        return T

    @_on_spark
    def largest_owners(self, A: sp.csr_matrix, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each entity's largest owner among ``owners`` and its share, by integrated ownership summed
        and each column's largest entry picked on the workers (:func:`.series.largest_owners`)."""
        from .series import largest_owners

        owner, share, self.rounds["integrated ownership"] = largest_owners(self.spark, A, owners,
                                                                           gather_below=self.gather_below)
        return owner, share

    @_on_spark
    def pagerank(self, spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> np.ndarray:
        from .series import pagerank

        received, self.rounds["risk walk"] = pagerank(self.spark, spread, seeds, steps)
        return received

    @_on_spark
    def debtrank(self, spread: sp.csr_matrix, seeds: np.ndarray, steps: int) -> np.ndarray:
        from .series import debtrank

        received, self.rounds["risk walk"] = debtrank(self.spark, spread, seeds, steps)
        return received

    def stop(self) -> None:
        """Stop the session this engine started (one handed to it is the caller's to stop)."""
        if self._session is not None and self._owned:
            self._session.stop()
            self._session = None
