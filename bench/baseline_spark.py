"""Baseline for `skred process`: the original system's PySpark cleaning job
(its avalanche_processor.py: from_json with an explicit schema, the columns
renamed to snake_case, a UUID column from a Python UDF), run as a batch job
on local[2] over the same raw messages, given as JSON lines (one warning per
line), written as Parquet instead of to Cassandra.

The schema is the Detail warning's fields with their API types (the
original declared the fourteen Simple ones; a Detail message carries the
rest, which skred parses too, so Spark parses them here as well). Times
are TimestampType as in the original.

  baseline_spark.py IN.jsonl OUT_DIR

Prints one JSON line: job_s (read -> write, the job's own time, without
the JVM and the session start), session_s (SparkSession start-up), rows.
"""
import json
import sys
import time
import uuid

t_start = time.monotonic()

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql.functions import col, from_json, udf  # noqa: E402
from pyspark.sql.types import (  # noqa: E402
    ArrayType,
    BooleanType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)


def f(name, typ, null=True):
    return StructField(name, typ, null)


S, I, B, T = StringType(), IntegerType(), BooleanType(), TimestampType()
ID_NAME = ArrayType(StructType([f("Id", S), f("Name", S)]))
SUBTYPE = StructType([f("Id", I), f("Name", S), f("SortOrder", I),
                      f("Value", S)])
MEASUREMENT = StructType([f("Id", I), f("Name", S), f("SortOrder", I),
                          f("MeasurementSubTypes", ArrayType(SUBTYPE))])
WEATHER = StructType([
    f("LastSavedTime", T), f("CloudCoverId", I), f("CloudCoverName", S),
    f("Comment", S), f("MeasurementTypes", ArrayType(MEASUREMENT)),
    f("MeasurementTexts", ArrayType(StructType([f("SortOrder", I),
                                                f("Text", S)]))),
])
PROBLEM = StructType([f(n, I if n.endswith("Id") or n.startswith("Exposed")
                        or n == "DangerLevel" else S) for n in [
    "AvalancheProblemId", "AvalancheExtId", "AvalancheExtName",
    "AvalCauseId", "AvalCauseName", "AvalProbabilityId",
    "AvalProbabilityName", "AvalTriggerSimpleId", "AvalTriggerSimpleName",
    "AvalTriggerSensitivityId", "AvalTriggerSensitivityName",
    "DestructiveSizeExtId", "DestructiveSizeExtName", "AvalPropagationId",
    "AvalPropagationName", "AvalancheTypeId", "AvalancheTypeName",
    "AvalancheProblemTypeId", "AvalancheProblemTypeName",
    "ValidExpositions", "ExposedHeight1", "ExposedHeight2",
    "ExposedHeightFill", "TriggerSenitivityPropagationDestuctiveSizeText",
    "DangerLevel", "DangerLevelName"]])
ADVICE = StructType([f("AdviceID", I), f("ImageUrl", S), f("Text", S)])

# Name, type, nullable: the original's fourteen first, then Detail's.
SCHEMA = StructType([
    f("RegId", I, False), f("RegionId", I, False), f("RegionName", S),
    f("RegionTypeId", I, False), f("RegionTypeName", S),
    f("DangerLevel", S), f("ValidFrom", T), f("ValidTo", T),
    f("NextWarningTime", T), f("PublishTime", T),
    f("DangerIncreaseTime", T), f("DangerDecreaseTime", T),
    f("MainText", S), f("LangKey", I, False),
    f("CountyList", ID_NAME), f("MunicipalityList", ID_NAME),
    f("PreviousWarningRegId", I), f("DangerLevelName", S),
    f("UtmZone", I), f("UtmEast", I), f("UtmNorth", I), f("Author", S),
    f("AvalancheDanger", S), f("EmergencyWarning", S),
    f("SnowSurface", S), f("CurrentWeaklayers", S),
    f("LatestAvalancheActivity", S), f("LatestObservations", S),
    f("ExposedHeightFill", I), f("ExposedHeight1", I),
    f("MountainWeather", WEATHER),
    f("AvalancheProblems", ArrayType(PROBLEM)),
    f("AvalancheAdvices", ArrayType(ADVICE)),
    f("ExtremWeatherId", I), f("ExtremWeatherName", S),
    f("IsTendency", B),
])


def snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def main():
    src, out = sys.argv[1], sys.argv[2]
    t0 = time.monotonic()
    spark = (SparkSession.builder.appName("SparkAvalancheProcessor")
             .master("local[2]")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.session.timeZone", "Europe/Oslo")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    session_s = time.monotonic() - t0

    t1 = time.monotonic()
    new_id = udf(lambda: str(uuid.uuid4()), StringType())
    df = (spark.read.text(src)
          .select(from_json(col("value"), SCHEMA).alias("data"))
          .select("data.*"))
    for field in SCHEMA.fields:
        df = df.withColumnRenamed(field.name, snake(field.name))
    df = df.withColumn("id", new_id())
    df.write.mode("overwrite").parquet(out)
    job_s = time.monotonic() - t1

    rows = spark.read.parquet(out).count()
    # Wait for the JVM to exit, so that GNU time's peak RSS of this
    # process (the largest of it and its waited-for children) covers it.
    jvm = getattr(spark.sparkContext._gateway, "proc", None)
    spark.stop()
    if jvm is not None:
        jvm.stdin.close()
        jvm.wait(timeout=120)
    print(json.dumps({"job_s": round(job_s, 3),
                      "session_s": round(session_s, 3),
                      "import_s": round(t0 - t_start, 3), "rows": rows}))


if __name__ == "__main__":
    main()
