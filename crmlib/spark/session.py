"""A local Spark session for trying crmlib.spark on one machine (and for its tests)."""

from __future__ import annotations

from crmlib.spark._common import from_pandas, to_pandas

__all__ = ["from_pandas", "local_session", "to_pandas"]


def local_session(cores: int = 2, *, shuffle_partitions: int = 4, driver_memory: str = "2g", app_name: str = "crmlib"):
    """A quiet local Spark session: no web UI, no progress bars, few shuffle partitions.

    Parameters
    ----------
    cores : int, default 2
        Worker threads (``local[cores]``).
    shuffle_partitions : int, default 4
        ``spark.sql.shuffle.partitions``. Spark's default of 200 suits a cluster; on one
        machine with small data most of them would be empty tasks.
    driver_memory : str, default "2g"
        JVM heap of the driver (in local mode, also the executors').
    app_name : str, default "crmlib"

    Returns
    -------
    pyspark.sql.SparkSession
        ``getOrCreate``: an existing session is returned as it is.

    Examples
    --------
    Starting a JVM takes seconds, so only as a code block::

        from crmlib.spark import local_session, from_pandas
        spark = local_session()
        log = from_pandas(spark, crmlib.datasets.load_cdnow())
    """
    import os
    import sys

    from pyspark.sql import SparkSession

    # pyspark passes PYSPARK_PYTHON (default "python3") with every Python function, over the
    # conf below: point both at this interpreter, where crmlib is installed
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    spark = (
        SparkSession.builder.master(f"local[{int(cores)}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(int(shuffle_partitions)))
        .config("spark.default.parallelism", str(int(cores)))
        .config("spark.driver.memory", driver_memory)
        # local mode needs no network: bind to the loopback interface
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Python workers (mapInPandas) run this interpreter, where crmlib is installed
        .config("spark.pyspark.python", sys.executable)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
