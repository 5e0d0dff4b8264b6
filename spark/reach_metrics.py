"""Reach's metrics table from the canonical tables: the reference PySpark job.

Computes, for every student and one evaluation date, three of Reach's metrics over the
last N school days of the student's school calendar:

- ``attendance_rate``   sessions attended / sessions recorded (with its numerator and
                        denominator), the given statuses counting as absent;
- ``sessions_recorded`` the sessions recorded (the rate's denominator: the shipped
                        K-12 policy pairs the two so thin data opens no case);
- ``days_since_activity`` school days since the last digital activity (every source).

and writes them as Reach's metrics table (docs/metrics-table.md) to
``<output>/metrics.parquet``. Put that folder beside the roster (students, staff,
calendar…) and run a policy on it with ``reach run --source metrics``.

``spark/reach_metrics.sql`` is the same computation in DuckDB SQL, step by step: each
DataFrame below has the name of a temporary table there. Reach's tests run the SQL on a
generated bundle and compare every value with Reach's own metrics; they run this job too
where ``pyspark`` imports (tests/metrics/metrics-table-agreement.test.ts).

Usage (Synapse, Fabric and Databricks notebooks can call ``compute`` with their own
DataFrames instead)::

    spark-submit spark/reach_metrics.py --input LAKE/canonical --output LAKE/reach \\
        --as-of 2026-12-18 [--window 45] [--absent-statuses excused_absence,unexcused_absence]

Inputs: ``students``, ``calendar``, ``attendance``, ``activity`` and, when there,
``schools`` and ``circumstances``, each as ``<name>.parquet`` (a file or a folder of part
files) or ``<name>.csv`` with a header row, in Reach's canonical columns
(docs/data-contract.md).
"""

from __future__ import annotations

import argparse
import os
from datetime import date

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

#: Reach's attendance statuses, least serious first (src/data/statuses.ts).
STATUSES = [
    "present",
    "tardy",
    "early_departure",
    "partial",
    "excused_absence",
    "unexcused_absence",
]
DEFAULT_ABSENT = ["excused_absence", "unexcused_absence"]

#: The columns each job input needs, and their types.
COLUMNS = {
    "students": {"id": "string", "school": "string", "enrolled_from": "date"},
    "calendar": {"school": "string", "date": "date", "instructional": "boolean"},
    "attendance": {
        "student_id": "string",
        "date": "date",
        "status": "string",
        "section_id": "string",
    },
    "activity": {
        "student_id": "string",
        "date": "date",
        "source": "string",
        "kind": "string",
        "count": "double",
    },
    "schools": {"id": "string", "attendance_recording": "string"},
    "circumstances": {"student_id": "string", "from": "date", "to": "date", "kind": "string"},
}
OPTIONAL_TABLES = {"schools", "circumstances"}
OPTIONAL_COLUMNS = {"enrolled_from", "instructional", "section_id", "kind", "count"}


def _typed(frame: DataFrame, name: str) -> DataFrame:
    """The table's columns as the job uses them: trimmed text, dates, booleans, numbers."""
    out = []
    for column, kind in COLUMNS[name].items():
        if column not in frame.columns:
            if column not in OPTIONAL_COLUMNS:
                raise ValueError(f"{name} has no column {column}")
            out.append(F.lit(None).cast(kind).alias(column))
            continue
        text = F.trim(F.col(f"`{column}`").cast("string"))
        blank = F.when(text == "", None).otherwise(text)
        if kind == "date":
            # A date, or a timestamp whose date part is kept (as Reach's import does).
            value = F.to_date(F.substring(blank, 1, 10), "yyyy-MM-dd")
        elif kind == "boolean":
            lower = F.lower(blank)
            value = (
                F.when(lower.isin("true", "yes", "y", "1"), F.lit(True))
                .when(lower.isin("false", "no", "n", "0"), F.lit(False))
                .otherwise(F.lit(None).cast("boolean"))
            )
        elif kind == "double":
            value = blank.cast("double")
        else:
            value = blank
        out.append(value.alias(column))
    return frame.select(*out)


def read_table(spark: SparkSession, folder: str, name: str) -> DataFrame:
    """``<name>.parquet`` (file or folder), else ``<name>.csv``; an optional table may be absent."""
    parquet = os.path.join(folder, f"{name}.parquet")
    csv = os.path.join(folder, f"{name}.csv")
    if os.path.exists(parquet):
        frame = spark.read.parquet(parquet)
    elif os.path.exists(csv):
        frame = spark.read.option("header", True).option("inferSchema", False).csv(csv)
    elif name in OPTIONAL_TABLES:
        schema = T.StructType(
            [T.StructField(c, T.StringType(), True) for c in COLUMNS[name]]
        )
        frame = spark.createDataFrame([], schema)
    else:
        raise FileNotFoundError(f"no {name}.parquet or {name}.csv in {folder}")
    frame = frame.toDF(*[c.strip().lower().replace(" ", "_").replace("-", "_") for c in frame.columns])
    return _typed(frame, name)


def compute(
    students: DataFrame,
    calendar: DataFrame,
    attendance: DataFrame,
    activity: DataFrame,
    schools: DataFrame,
    circumstances: DataFrame,
    as_of: date,
    window_days: int = 45,
    absent_statuses: list[str] | None = None,
) -> DataFrame:
    """The metrics table (docs/metrics-table.md) for one date, from typed inputs."""
    absent = [s for s in STATUSES if s in (absent_statuses or DEFAULT_ABSENT)]
    as_of_lit = F.lit(as_of).cast("date")
    status_list = F.array(*[F.lit(s) for s in STATUSES])

    # 1. school_days: a date is a school day of a school unless a calendar row marks it
    #    non-instructional (one such row is enough).
    school_days = (
        calendar.groupBy("school", "date")
        .agg(F.min(F.coalesce(F.col("instructional"), F.lit(True)).cast("int")).alias("open"))
        .where(F.col("open") == 1)
        .select("school", "date")
    )

    # 2. window_days: the last `window_days` school days of each school up to and
    #    including as_of (back = 1 on the last one).
    newest_first = Window.partitionBy("school").orderBy(F.col("date").desc())
    window_days_df = (
        school_days.where(F.col("date") <= as_of_lit)
        .withColumn("back", F.row_number().over(newest_first))
        .where(F.col("back") <= window_days)
    )

    # 3. window_bounds: each school's window, first and last school day.
    window_bounds = window_days_df.groupBy("school").agg(
        F.min("date").alias("window_from"), F.max("date").alias("window_to")
    )

    # 4. student_days: each student's window days that count — not covered by an approved
    #    circumstance (every kind) — and whether the student was enrolled by then.
    s = students.alias("s")
    w = window_days_df.alias("w")
    days = s.join(w, F.col("w.school") == F.col("s.school")).select(
        F.col("s.id").alias("student_id"),
        F.col("w.date").alias("date"),
        (F.col("s.enrolled_from").isNull() | (F.col("w.date") >= F.col("s.enrolled_from"))).alias(
            "enrolled"
        ),
    )
    c = circumstances.alias("c")
    student_days = days.alias("d").join(
        c,
        (F.col("c.student_id") == F.col("d.student_id"))
        & F.col("d.date").between(F.col("c.from"), F.col("c.to")),
        "left_anti",
    )

    # 5. sessions: attendance records on those days, one per student, day and section (the
    #    most serious status kept when there are two), and whether it is an absence.
    ranked = (
        attendance.join(student_days.select("student_id", "date"), ["student_id", "date"])
        .select(
            "student_id",
            "date",
            F.coalesce(F.col("section_id"), F.lit("")).alias("section"),
            F.array_position(status_list, F.col("status")).alias("rank"),
        )
        .where(F.col("rank") > 0)
    )
    sessions = (
        ranked.groupBy("student_id", "date", "section")
        .agg(F.max("rank").alias("rank"))
        .select(
            "student_id",
            "date",
            "section",
            F.element_at(status_list, F.col("rank").cast("int")).isin(absent).alias("absent"),
        )
    )

    # 6. implied_days: where a school records absences only, each enrolled day that
    #    counts and has no record at all is one attended session.
    absences_only = schools.where(F.col("attendance_recording") == "absences_only").select(
        F.col("id").alias("school")
    )
    implied_days = (
        student_days.where(F.col("enrolled"))
        .join(students.select(F.col("id").alias("student_id"), "school"), "student_id")
        .join(absences_only, "school", "left_semi")
        .join(sessions.select("student_id", "date"), ["student_id", "date"], "left_anti")
        .groupBy("student_id")
        .agg(F.count(F.lit(1)).alias("days"))
    )

    # 7. attendance_tally: sessions recorded and attended per student.
    recorded = sessions.groupBy("student_id").agg(
        F.count(F.lit(1)).alias("recorded"),
        F.sum(F.when(~F.col("absent"), 1).otherwise(0)).alias("present"),
    )
    implied = F.coalesce(F.col("days"), F.lit(0))
    attendance_tally = (
        students.select(F.col("id").alias("student_id"))
        .join(recorded, "student_id", "left")
        .join(implied_days, "student_id", "left")
        .select(
            "student_id",
            (F.coalesce(F.col("recorded"), F.lit(0)) + implied).alias("sessions"),
            (F.coalesce(F.col("present"), F.lit(0)) + implied).alias("attended"),
        )
    )

    # 8. last_activity: each student's last day with activity (any source or kind, a count
    #    above 0) up to and including as_of — weekends too — kept only when it falls in
    #    the window.
    last = (
        activity.where((F.col("date") <= as_of_lit) & (F.coalesce(F.col("count"), F.lit(1.0)) > 0))
        .groupBy("student_id")
        .agg(F.max("date").alias("last_any"))
    )
    last_activity = (
        students.select(F.col("id").alias("student_id"), "school")
        .join(window_bounds, "school", "left")
        .join(last, "student_id", "left")
        .select(
            "student_id",
            F.when(F.col("last_any") >= F.col("window_from"), F.col("last_any")).alias(
                "last_date"
            ),
        )
    )

    # 9. inactivity: the enrolled days that count after the last activity in the window
    #    (every one of them when there is none).
    after_last = F.col("enrolled") & (
        F.col("last_date").isNull() | (F.col("date") > F.col("last_date"))
    )
    inactivity = (
        last_activity.join(student_days, "student_id", "left")
        .groupBy("student_id", "last_date")
        .agg(F.sum(F.when(after_last, 1).otherwise(0)).alias("days"))
    )

    # 10. metrics: the table Reach reads, one row per student and metric.
    base = students.select(F.col("id").alias("student_id"), "school").join(
        window_bounds, "school", "left"
    )
    rate_params = f"absent_statuses={','.join(absent)};window={window_days}"
    window_params = f"window={window_days}"
    no_date = F.lit(None).cast("date")
    no_number = F.lit(None).cast("double")

    def rows(frame: DataFrame, metric: str, params: str, value, numerator, denominator, last_date):
        return frame.select(
            "student_id",
            F.lit(metric).alias("metric"),
            F.lit(params).alias("params"),
            value.cast("double").alias("value"),
            "window_from",
            "window_to",
            numerator.cast("double").alias("numerator"),
            denominator.cast("double").alias("denominator"),
            no_date.alias("first_date"),
            last_date.alias("last_date"),
            as_of_lit.alias("as_of"),
        )

    tallied = base.join(attendance_tally, "student_id")
    inactive = base.join(inactivity, "student_id")
    rate = F.when(
        F.col("sessions") > 0, F.col("attended").cast("double") / F.col("sessions").cast("double")
    )
    return (
        rows(tallied, "attendance_rate", rate_params, rate, F.col("attended"), F.col("sessions"), no_date)
        .unionByName(
            rows(tallied, "sessions_recorded", window_params, F.col("sessions"), no_number, no_number, no_date)
        )
        .unionByName(
            rows(inactive, "days_since_activity", window_params, F.col("days"), no_number, no_number, F.col("last_date"))
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="folder of the canonical tables")
    parser.add_argument("--output", required=True, help="folder to write metrics.parquet into")
    parser.add_argument("--as-of", required=True, help="evaluation date, YYYY-MM-DD")
    parser.add_argument("--window", type=int, default=45, help="school days (default 45)")
    parser.add_argument(
        "--absent-statuses",
        default=",".join(DEFAULT_ABSENT),
        help="statuses that count as absent, comma-separated",
    )
    args = parser.parse_args()
    absent = [s.strip() for s in args.absent_statuses.split(",") if s.strip()]
    unknown = [s for s in absent if s not in STATUSES or s == "present"]
    if unknown:
        parser.error(f"not an absent status: {', '.join(unknown)}")

    spark = SparkSession.builder.appName("reach-metrics").getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    tables = {name: read_table(spark, args.input, name) for name in COLUMNS}
    metrics = compute(
        tables["students"],
        tables["calendar"],
        tables["attendance"],
        tables["activity"],
        tables["schools"],
        tables["circumstances"],
        date.fromisoformat(args.as_of),
        args.window,
        absent,
    )
    metrics.write.mode("overwrite").parquet(os.path.join(args.output, "metrics.parquet"))
    spark.stop()


if __name__ == "__main__":
    main()
