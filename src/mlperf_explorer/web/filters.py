"""The filters a playground URL carries: parsed forgivingly, resolved against what the store
holds, and turned into a `--where` expression with quoted literals (nothing from the URL
reaches SQL as text).

Forgiving means: picker values match whatever their case (`closed`, `Closed`), a round may
be written `4.1`, a model may be its folder name (`resnet50`) or its MLPerf name (`resnet`),
and text filters match token by token, case-insensitively (`H100 SXM` finds
`H100-SXM-80GB`). A value that matches nothing becomes a message naming the nearest known
values, shown on the page, never a silent empty answer. A leaderboard or chart without a
benchmark opens on the round's most-submitted benchmark and scenario in the closed division;
`all` asks for every one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from ..api import Store
from ..query import facets
from ..query.expr import literal as lit

ALL = "all"
PICKERS = ("round", "division", "system_type", "model", "scenario", "availability")
TEXT_COLUMNS = {"submitter": ["submitter"], "accelerator": ["accelerator_model_name"]}
SEARCH_COLUMNS = ["system_name", "submitter", "system", "model", "mlperf_model", "accelerator_model_name", "framework",
                  "host_processor_model_name"]
METRICS = {  # the metric selector: the column ranked, and its label
    "performance": ("result", "performance"),
    "per_accelerator": ("result_per_accelerator", "per accelerator"),
    "per_watt": ("perf_per_watt", "per watt"),
    "per_core": ("result_per_core", "per host core"),
    "energy_per_sample": ("energy_per_sample_j", "energy per sample"),
}


def tokens(text: str) -> list[str]:
    """'H100 SXM' -> ['h100', 'sxm']; separators are spaces, '-', '_', '/' and ','."""
    return [t for t in re.split(r"[\s\-_/,]+", text.lower()) if t][:8]


@dataclass
class Filters:
    """The leaderboard and chart filters, as the URL carries them."""

    family: str = "inference"
    round: str = ""
    division: str = ""
    system_type: str = ""
    model: str = ""  # the MLPerf model (or training benchmark), a folder name, or "all"
    scenario: str = ""
    submitter: str = ""
    accelerator: str = ""
    accelerators: int | None = None
    availability: str = ""
    power: bool = False
    valid: bool = False
    q: str = ""
    constraint: str = ""
    sort: str = ""
    metric: str = "performance"
    columns: list[str] = field(default_factory=list)
    given: set[str] = field(default_factory=set)  # the parameters the URL named
    messages: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)  # the pickers' values, once resolved

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Filters:
        def flag(name: str) -> bool:
            return str(params.get(name, "")).lower() in ("1", "true", "on", "yes")

        messages = []
        try:
            accelerators = int(params["accelerators"]) if params.get("accelerators") else None
        except ValueError:
            accelerators = None
            messages.append(f"accelerators must be a whole number, not {params['accelerators'][:20]!r}")
        metric = params.get("metric") or "performance"
        if metric not in METRICS:
            messages.append(f"unknown metric {metric[:30]!r}; use one of {', '.join(METRICS)}")
            metric = "performance"
        text = {k: str(params.get(k, ""))[:200] for k in ("family", "round", "division", "system_type", "model", "scenario",
                                                           "submitter", "accelerator", "availability", "q", "constraint",
                                                           "sort", "columns")}
        return cls(
            family=text["family"].lower() or "inference", round=text["round"], division=text["division"],
            system_type=text["system_type"], model=text["model"], scenario=text["scenario"],
            submitter=text["submitter"], accelerator=text["accelerator"], accelerators=accelerators,
            availability=text["availability"], power=flag("power"), valid=flag("valid"), q=text["q"],
            constraint=text["constraint"], sort=text["sort"], metric=metric,
            columns=[c.strip() for c in text["columns"].split(",") if c.strip()][:40],
            given={k for k, v in params.items() if v not in (None, "")}, messages=messages)

    # ---- resolving against the store -------------------------------------------------
    def resolve(self, store: Store, defaults: bool = True) -> Filters:
        """Canonical values for what the store holds, the defaults for what the URL left
        out (latest round; with `defaults`, closed division and the most-submitted benchmark
        and scenario), and a message for each value that matches nothing."""
        latest = facets.latest_rounds(store)
        if self.family not in latest and latest:
            if "family" in self.given:
                self.unknown("family", self.family, list(latest))
            # a store without inference results (only Tiny, say) opens on what it has
            self.family = next((f for f in ("inference", "training", "tiny", "hpc") if f in latest), next(iter(latest)))
        values = self.values = facets.distinct_values(store, self.family)
        self.round = self._match("round", self.round, values["round"], lambda v: "v" + v.lstrip("vV")) or latest.get(self.family, "")
        if defaults and not self.division and "division" not in self.given and "closed" in self._round_values(store, "division"):
            self.division = "closed"
        for name in ("division", "scenario", "availability", "system_type"):
            setattr(self, name, self._match(name, getattr(self, name), values[name]))
        self._resolve_model(store, values)
        if defaults and not self.model and "model" not in self.given:
            top = facets.most_submitted(store, self.where(with_model=False))
            if top:
                self.model = top[0]
                if not self.scenario and "scenario" not in self.given and top[1]:
                    self.scenario = top[1]
        return self

    def _round_values(self, store: Store, column: str) -> list[str]:
        """The values of a column in this family's round, most frequent first (once per
        read-only store and round)."""
        def values() -> list[str]:
            counts = facets.facet_counts(store, [column], f"family = {lit(self.family)} and round = {lit(self.round)}")
            return [c["value"] for c in counts.get(column, [])]

        return list(store.remembered(("round_values", self.family, self.round, column), values))

    def _match(self, name: str, value: str, known: list[str], normalise: Any = None) -> str:
        """The known value `value` means, whatever its case; '' (with a message) for none."""
        if not value or value.lower() == ALL:
            return ""
        by_case = {k.lower(): k for k in known}
        for candidate in (value, normalise(value) if normalise else None):
            if candidate and candidate.lower() in by_case:
                return by_case[candidate.lower()]
        self.unknown(name, value, known)
        return ""

    def _resolve_model(self, store: Store, values: dict[str, list[str]]) -> None:
        """A model is an MLPerf model (or training benchmark) or a folder name: either
        matches (see `where`); its case is the store's."""
        if not self.model or self.model.lower() == ALL:
            self.model = ""
            return
        folders = sorted({folder for folder, _ in facets.model_folders(store, self.family)})
        known = {m.lower(): m for m in [*folders, *values["model"]]}  # MLPerf names win a tie of case
        if self.model.lower() in known:
            self.model = known[self.model.lower()]
            return
        self.unknown("model", self.model, [*values["model"], *[f for f in folders if f not in values["model"]]])
        self.model = ""

    def unknown(self, name: str, value: str, known: list[str]) -> None:
        """A message: `value` matches no known `name`; the nearest known values, if any."""
        close = difflib.get_close_matches(value.lower(), [k.lower() for k in known], n=3, cutoff=0.5)
        names = {k.lower(): k for k in known}
        hint = f"; did you mean {', '.join(names[c] for c in close)}?" if close else (
            f"; known: {', '.join(known[:12])}" + (", ..." if len(known) > 12 else "") if known else "")
        self.messages.append(f"no {name.replace('_', ' ')} {value[:60]!r} here{hint}")

    # ---- as a filter -------------------------------------------------------------------
    def where(self, with_model: bool = True) -> str:
        """The `--where` expression of these filters."""
        parts = [f"family = {lit(self.family)}"]
        for column, value in (("round", self.round), ("division", self.division), ("scenario", self.scenario),
                              ("availability", self.availability)):
            if value:
                parts.append(f"{column} = {lit(value)}")
        if with_model and self.model:
            parts.append(f"(coalesce(mlperf_model, benchmark) = {lit(self.model)} or model = {lit(self.model)})")
        if self.system_type:
            parts.append(f"system_type ~ {lit(self.system_type)}")
        for param, columns in TEXT_COLUMNS.items():
            for token in tokens(getattr(self, param)):
                parts.append("(" + " or ".join(f"{c} ~ {lit(token)}" for c in columns) + ")")
        for token in tokens(self.q):
            parts.append("(" + " or ".join(f"{c} ~ {lit(token)}" for c in SEARCH_COLUMNS) + ")")
        if self.accelerators is not None:
            parts.append(f"accelerators_per_node * coalesce(number_of_nodes, 1) = {int(self.accelerators)}")
        if self.power:
            parts.append("has_power")
        if self.valid:
            parts.append("valid")
        return " and ".join(parts)

    def params(self, **changes: Any) -> dict[str, str]:
        """The URL parameters of these filters (with changes), empty ones left out; a filter
        the URL set to `all` stays `all` (so the default does not come back)."""
        d = {"family": self.family, "round": self.round, "division": self.division or self._all("division"),
             "system_type": self.system_type, "model": self.model or self._all("model"),
             "scenario": self.scenario or self._all("scenario"), "submitter": self.submitter,
             "accelerator": self.accelerator, "accelerators": "" if self.accelerators is None else str(self.accelerators),
             "availability": self.availability, "power": "1" if self.power else "", "valid": "1" if self.valid else "",
             "q": self.q, "constraint": self.constraint, "sort": self.sort,
             "metric": "" if self.metric == "performance" else self.metric, "columns": ",".join(self.columns)}
        d.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
        return {k: v for k, v in d.items() if v}

    def _all(self, name: str) -> str:
        """'all' where the URL asked for every value of a filter that has a default."""
        return ALL if name in self.given else ""
