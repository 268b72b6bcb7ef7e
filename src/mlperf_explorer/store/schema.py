"""The store's tables. Column names of `results` are a contract (DESIGN.md): scripts, the
web layer and exports rely on them, so columns are only ever added, never renamed."""

from __future__ import annotations

SCHEMA_VERSION = 4  # 2: origin, sources.commit, source_files, derived, constraints, annotations;
# 3: the 2026 official columns (total_accelerators, weight_data_types, design_power_watts,
# private_id), inferred_from, harness, energy_uj_per_inference (Tiny); 4: source_manifests
# (a folder source's manifest packed in one row; source_files is read for older stores)

# (name, DuckDB type). One table holds every family; columns a family does not have are NULL.
RESULT_COLUMNS: list[tuple[str, str]] = [
    ("uid", "VARCHAR PRIMARY KEY"),
    ("family", "VARCHAR"),
    ("round", "VARCHAR"),
    ("division", "VARCHAR"),
    ("submitter", "VARCHAR"),
    ("system", "VARCHAR"),
    ("system_name", "VARCHAR"),
    ("system_type", "VARCHAR"),
    ("availability", "VARCHAR"),
    ("model", "VARCHAR"),
    ("mlperf_model", "VARCHAR"),
    ("benchmark", "VARCHAR"),
    ("task", "VARCHAR"),
    ("scenario", "VARCHAR"),
    ("log_scenario", "VARCHAR"),
    ("result", "DOUBLE"),
    ("result_units", "VARCHAR"),
    ("official_units", "VARCHAR"),
    ("result_metric", "VARCHAR"),
    ("valid", "BOOLEAN"),
    ("inferred", "BOOLEAN"),  # as the official table of the round sets it
    ("accuracy", "DOUBLE"),
    ("accuracy_metric", "VARCHAR"),
    ("accuracy_target", "DOUBLE"),
    ("accuracy_pass", "BOOLEAN"),
    ("has_power", "BOOLEAN"),
    ("power_result", "DOUBLE"),
    ("power_units", "VARCHAR"),
    ("power_avg_watts", "DOUBLE"),
    ("power_duration_s", "DOUBLE"),
    ("power_samples", "INTEGER"),
    ("inferences_per_joule", "DOUBLE"),
    ("compliance_pass", "BOOLEAN"),
    ("compliance", "VARCHAR"),
    ("sut_name", "VARCHAR"),
    ("latency_mean_ms", "DOUBLE"),
    ("latency_p50_ms", "DOUBLE"),
    ("latency_p90_ms", "DOUBLE"),
    ("latency_p95_ms", "DOUBLE"),
    ("latency_p97_ms", "DOUBLE"),
    ("latency_p99_ms", "DOUBLE"),
    ("latency_p999_ms", "DOUBLE"),
    ("early_stopping_p90_ms", "DOUBLE"),
    ("early_stopping_p99_ms", "DOUBLE"),
    ("tokens_per_second", "DOUBLE"),
    ("ttft_mean_ms", "DOUBLE"),
    ("ttft_p99_ms", "DOUBLE"),
    ("tpot_mean_ms", "DOUBLE"),
    ("tpot_p99_ms", "DOUBLE"),
    ("target_qps", "DOUBLE"),
    ("samples_per_query", "DOUBLE"),
    ("query_count", "DOUBLE"),
    ("min_duration_ms", "DOUBLE"),
    ("performance_sample_count", "DOUBLE"),
    ("runs_total", "INTEGER"),
    ("runs_counted", "INTEGER"),
    ("scaling_factor", "DOUBLE"),
    ("energy_joules", "DOUBLE"),
    ("has_detail_log", "BOOLEAN"),
    ("accelerator_model_name", "VARCHAR"),
    ("accelerators_per_node", "INTEGER"),
    ("number_of_nodes", "INTEGER"),
    ("host_processor_model_name", "VARCHAR"),
    ("host_processors_per_node", "INTEGER"),
    ("host_processor_core_count", "INTEGER"),
    ("framework", "VARCHAR"),
    ("operating_system", "VARCHAR"),
    ("accelerator_memory_capacity", "VARCHAR"),
    ("host_memory_capacity", "VARCHAR"),
    ("notes", "VARCHAR"),
    ("measurements", "VARCHAR"),
    ("location", "VARCHAR"),
    ("url", "VARCHAR"),
    ("tags", "VARCHAR[]"),
    ("warning_count", "INTEGER"),
    ("source_id", "VARCHAR"),
    ("imported_at", "TIMESTAMP"),
    # raw (parsed from the result files), cm, checker-summary or final-report (read from a table)
    ("origin", "VARCHAR"),
    # The columns the 2026 official table adds: nodes x accelerators per node, the weights'
    # data types (measurements), the design power of a power result, the private id.
    ("total_accelerators", "INTEGER"),
    ("weight_data_types", "VARCHAR"),
    ("design_power_watts", "DOUBLE"),
    ("private_id", "VARCHAR"),
    # The scenario of the run a result was computed from, where that differs (an edge
    # Offline result from a SingleStream run); loadgen or endpoints (the 2026 harness).
    ("inferred_from", "VARCHAR"),
    ("harness", "VARCHAR"),
    # MLPerf Tiny: the energy run's median energy per inference (also power_result).
    ("energy_uj_per_inference", "DOUBLE"),
]

RESULT_COLUMN_NAMES = [name for name, _ in RESULT_COLUMNS]

DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS results ("
    + ", ".join(f'"{n}" {t}' for n, t in RESULT_COLUMNS)
    + ")",
    """CREATE TABLE IF NOT EXISTS runs (
        uid VARCHAR, run VARCHAR, valid BOOLEAN, log_scenario VARCHAR, result DOUBLE,
        has_detail BOOLEAN, "values" VARCHAR, source_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS systems (
        source_id VARCHAR, family VARCHAR, round VARCHAR, division VARCHAR, submitter VARCHAR,
        system VARCHAR, system_name VARCHAR, description VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS warnings (
        source_id VARCHAR, family VARCHAR, round VARCHAR, path VARCHAR, line INTEGER,
        message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS sources (
        source_id VARCHAR PRIMARY KEY, kind VARCHAR, location VARCHAR, family VARCHAR,
        round VARCHAR, ref VARCHAR, content_hash VARCHAR, imported_at TIMESTAMP,
        results INTEGER, warnings INTEGER, files INTEGER, seconds DOUBLE)""",
    # What a folder source held when imported, so `update` re-parses only what moved: one
    # packed value per source (store/manifests.py). Stores written before schema 4 hold it
    # as rows of source_files, which is read until the source is imported again.
    """CREATE TABLE IF NOT EXISTS source_files (
        source_id VARCHAR, path VARCHAR, size BIGINT, mtime_ns BIGINT)""",
    """CREATE TABLE IF NOT EXISTS source_manifests (
        source_id VARCHAR PRIMARY KEY, entries INTEGER, paths BLOB, sizes BLOB, mtimes BLOB)""",
]

# What users add, which no import touches: derived metrics, saved filters, annotations.
DDL += [
    """CREATE TABLE IF NOT EXISTS derived (
        name VARCHAR PRIMARY KEY, expression VARCHAR, description VARCHAR, units VARCHAR,
        created_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS constraints (
        name VARCHAR PRIMARY KEY, expression VARCHAR, description VARCHAR, created_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS annotations (
        id VARCHAR PRIMARY KEY, uid VARCHAR, report VARCHAR, note VARCHAR, status VARCHAR,
        "by" VARCHAR, created_at TIMESTAMP)""",
]

# Columns added to other tables after their first release: (table, column, type).
ADDED_COLUMNS = [
    ("sources", "commit", "VARCHAR"),
]
