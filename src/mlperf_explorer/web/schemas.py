"""Shapes of the JSON twins, for the OpenAPI schema (and schemathesis checks against it)."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel


class Source(BaseModel):
    source_id: str
    family: str
    round: str
    kind: str
    location: str
    ref: Optional[str] = None
    commit: Optional[str] = None
    imported_at: Optional[str] = None
    results: int
    valid: int
    power: int
    warnings: int
    seconds: Optional[float] = None


class Leader(BaseModel):
    family: str
    round: str
    model: Optional[str] = None
    scenario: str
    submitter: str
    system_name: Optional[str] = None
    system: str
    uid: str
    result: float
    result_units: Optional[str] = None


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
    total: int
    columns: list[str]
    rows: list[dict[str, Any]]
    facets: dict[str, list[FacetValue]]


class Point(BaseModel):
    x: Any
    y: Optional[float] = None
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


class ResultPage(BaseModel):
    result: dict[str, Any]


class CompareRow(BaseModel):
    field: str
    values: list[Any]
    relative: Optional[list[Optional[float]]] = None


class ComparePage(BaseModel):
    uids: list[str]
    rows: list[CompareRow]


class SystemPage(BaseModel):
    submitter: str
    system: str
    description: Optional[dict[str, Any]] = None
    results: list[dict[str, Any]]


class MyRun(BaseModel):
    run: dict[str, Any]
    rank: dict[str, Any]
    above: Optional[dict[str, Any]] = None
    below: Optional[dict[str, Any]] = None


class RunsPage(BaseModel):
    runs: list[MyRun]
