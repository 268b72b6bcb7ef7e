"""Shapes of the JSON twins, for the OpenAPI schema (and schemathesis checks against it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Source(BaseModel):
    source_id: str
    family: str
    round: str
    kind: str
    location: str
    ref: str | None = None
    commit: str | None = None
    imported_at: str | None = None
    results: int
    valid: int
    power: int
    warnings: int
    seconds: float | None = None


class Leader(BaseModel):
    family: str
    round: str
    model: str | None = None
    scenario: str
    submitter: str
    system_name: str | None = None
    system: str
    uid: str
    result: float
    result_units: str | None = None


class MatrixRow(BaseModel):
    submitter: str
    counts: dict[str, int]


class Matrix(BaseModel):
    rounds: list[str]  # the latest round of each family, which the counts are of
    models: list[str]
    rows: list[MatrixRow]


class OverviewPage(BaseModel):
    results: int
    sources: list[Source]
    leaders: list[Leader]
    matrix: Matrix


class FacetValue(BaseModel):
    value: str
    count: int


class LeaderboardPage(BaseModel):
    filters: dict[str, str]
    sort: str
    messages: list[str]
    metric: str
    total: int
    page: int
    size: int
    columns: list[str]
    groups: list[dict[str, Any]]  # one ranked table per (benchmark, scenario, units)
    rows: list[dict[str, Any]]
    facets: dict[str, list[FacetValue]]


class Point(BaseModel):
    x: Any
    y: float | None = None
    uid: str
    label: str
    group: str


class ChartPage(BaseModel):
    kind: str
    x: str
    y: str
    color: str
    points: list[Point]
    front: list[str]
    x_units: str = ""
    y_units: str = ""
    mine: list[Point] = []  # your local runs, when the chart has them
    top: int
    per_accelerator: bool
    zero: bool = False
    messages: list[str] = []
    filters: dict[str, str] = {}


class ResultPage(BaseModel):
    result: dict[str, Any]


class CompareRow(BaseModel):
    """A field of results compared, or (systems) a benchmark and scenario they share."""

    model_config = ConfigDict(extra="allow")
    field: str | None = None
    values: list[Any]
    relative: list[float | None] | None = None
    better: list[bool | None] | None = None  # each difference: an improvement (True), a regression (False)


class CompareItem(BaseModel):
    uid: str | None = None
    system: str | None = None
    submitter: str | None = None
    label: str


class ComparePage(BaseModel):
    kind: str
    uids: list[str]
    systems: list[str] = []
    items: list[CompareItem]
    missing: list[str] = []
    messages: list[str] = []
    rows: list[CompareRow]


class SystemPage(BaseModel):
    submitter: str
    system: str
    description: dict[str, Any] | None = None
    results: list[dict[str, Any]]


class MyRun(BaseModel):
    run: dict[str, Any]
    rank: dict[str, Any]
    above: dict[str, Any] | None = None
    below: dict[str, Any] | None = None


class RunsPage(BaseModel):
    runs: list[MyRun]
