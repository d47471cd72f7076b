"""Column mapping: a utility's layer names, column names, units and values to the contract's.

A GIS export names things its own way: a ``WaterMains`` layer with ``FACILITYID``,
``DIAMETER`` in inches and ``MATERIAL``; a ``管线`` layer with ``编号``, ``管径`` and ``材质``;
customer categories ``居民``/``商业``. A :class:`ColumnMapping` says, per contract layer, which
layer of the export it is, which column gives each contract column (with its unit, and a map of
its values), and the distances for building the topology (:class:`gis.topology.TopologyOptions`).

It is written as a file (TOML or JSON, the same structure; see ``docs/decisions.md``)::

    [pipes]
    layer = "WaterMains"
    id = "FACILITYID"
    diameter_mm = { column = "DIAMETER", unit = "inch" }
    material = "MATERIAL"

    [customers]
    category = { column = "类别", values = { "居民" = "residential", "商业" = "commercial" } }

    [topology]
    node_tolerance_m = 0.5

Without one, :func:`guess_mapping` recognises common English and Chinese names and units and
marks every rule it made as ``guessed``: the reader reports them, so that the user confirms
them (and saves them as their mapping).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pyproj import CRS

from gis.errors import NetworkError
from gis.network import CUSTOMER_CATEGORIES, NODE_KINDS
from gis.topology import TopologyOptions
from gis.validate import CHOICE_COLUMNS, contract_columns

# The contract's columns of each layer (docs/design.md §2, with the optional columns we read):
# made of the lists validation checks them by (gis.validate), so that there is one list.
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = contract_columns()
MAPPED_LAYERS = tuple(CONTRACT_COLUMNS)

# Units a column may come in, as the factor to the contract's unit.
INCH, FOOT, US_FOOT = 25.4, 0.3048, 1200.0 / 3937.0
UNITS: dict[str, dict[str, float]] = {
    "diameter_mm": {"mm": 1.0, "cm": 10.0, "m": 1000.0, "inch": INCH},
    "length_m": {"m": 1.0, "km": 1000.0, "ft": FOOT, "us_ft": US_FOOT},
    "elevation_m": {"m": 1.0, "ft": FOOT, "us_ft": US_FOOT},
}
UNIT_ALIASES = {
    "millimetre": "mm",
    "millimeter": "mm",
    "毫米": "mm",
    "centimetre": "cm",
    "centimeter": "cm",
    "厘米": "cm",
    "metre": "m",
    "meter": "m",
    "米": "m",
    "in": "inch",
    "inches": "inch",
    '"': "inch",
    "英寸": "inch",
    "feet": "ft",
    "foot": "ft",
    "英尺": "ft",
    "us-ft": "us_ft",
    "us survey foot": "us_ft",
    "kilometre": "km",
    "kilometer": "km",
    "千米": "km",
    "公里": "km",
}


class MappingError(NetworkError):
    """A mapping file or a mapping given to the service that cannot be used as it is."""


@dataclass(frozen=True)
class ColumnRule:
    """Where one contract column comes from.

    Parameters
    ----------
    column
        The export's column name.
    unit
        The unit it is in (diameters: mm, cm, m, inch; lengths and elevations: m, km, ft,
        us_ft); None: the contract's own.
    values
        The export's values and the contract's value for each (categories, node kinds, open /
        closed); matched without regard to case or surrounding spaces. Values not listed are
        kept as they are (validation names any that are not the contract's).
    guessed
        Made by :func:`guess_mapping`, not given: the user should confirm it.
    why
        For a guess: what it was guessed from (the values of a unit, say).
    """

    column: str
    unit: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    guessed: bool = False
    why: str = ""

    def to_dict(self) -> str | dict[str, Any]:
        if self.unit is None and not self.values and not self.guessed:
            return self.column
        out: dict[str, Any] = {"column": self.column}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.values:
            out["values"] = dict(self.values)
        if self.guessed:
            out["guessed"] = True
            if self.why:
                out["why"] = self.why
        return out

    def describe(self, target: str) -> str:
        text = f"{target} ← {self.column}"
        if self.unit is not None:
            text += f" ({self.unit}{', ' + self.why if self.why else ''})"
        if self.values:
            shown = ", ".join(f"{k} → {v}" for k, v in list(self.values.items())[:6])
            more = f", … {len(self.values) - 6} more" if len(self.values) > 6 else ""
            text += f" [{shown}{more}]"
        return text


@dataclass(frozen=True)
class LayerRule:
    """Which layer of the export a contract layer is, and where its columns come from."""

    layer: str | None = None  # None: the layer named after the contract's (pipes, nodes ...)
    columns: Mapping[str, ColumnRule] = field(default_factory=dict)
    guessed_layer: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.layer is not None:
            out["layer"] = self.layer
            if self.guessed_layer:
                out["layer_guessed"] = True
        for target, rule in self.columns.items():
            out[target] = rule.to_dict()
        return out


@dataclass(frozen=True)
class ColumnMapping:
    """A utility's names for the contract's layers and columns (see the module's docstring)."""

    layers: Mapping[str, LayerRule] = field(default_factory=dict)
    topology: TopologyOptions = field(default_factory=TopologyOptions)

    def rule(self, layer: str) -> LayerRule:
        return self.layers.get(layer, LayerRule())

    @property
    def guessed(self) -> bool:
        return any(
            rule.guessed_layer or any(c.guessed for c in rule.columns.values())
            for rule in self.layers.values()
        )

    def to_dict(self) -> dict[str, Any]:
        """The mapping as the file and the service hold it (JSON-able)."""
        out: dict[str, Any] = {
            name: rule.to_dict() for name, rule in self.layers.items() if rule.to_dict()
        }
        if self.topology != TopologyOptions():
            out["topology"] = self.topology.to_dict()
        return out

    def confirmed(self) -> ColumnMapping:
        """The same mapping with its guesses taken as given (what the user confirms)."""
        return ColumnMapping(
            {
                name: LayerRule(
                    rule.layer,
                    {t: replace(c, guessed=False, why="") for t, c in rule.columns.items()},
                )
                for name, rule in self.layers.items()
            },
            self.topology,
        )


def read_mapping(path: str | Path) -> ColumnMapping:
    """Read a mapping file: TOML (``.toml``) or JSON (``.json``; anything else is tried as JSON,
    then TOML)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise MappingError(
            f"mapping file {path} does not exist: check the path",
            code="mapping_file_missing",
            file=str(path),
        ) from None
    except UnicodeDecodeError:
        raise MappingError(
            f"mapping file {path} is not UTF-8 text: save it as UTF-8",
            code="mapping_file_not_utf8",
            file=str(path),
            encoding="UTF-8",
        ) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: object = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(
            f"mapping file {path.name} cannot be read as {suffix.lstrip('.').upper() or 'JSON'}:"
            f" {exc}",
            code="mapping_file_unreadable",
            file=path.name,
            format=suffix.lstrip(".").upper() or "JSON",
            error=str(exc),
        ) from None
    return mapping_from_dict(data, where=path.name)


def mapping_from_dict(data: object, where: str = "mapping") -> ColumnMapping:
    """A mapping from its file or API form (see the module's docstring); :class:`MappingError`
    naming the key when something in it is not a mapping."""
    if not isinstance(data, dict):
        raise MappingError(
            f"{where}: a mapping is a table of layers (pipes, valves, ...)",
            code="mapping_not_table",
            where=where,
        )
    layers: dict[str, LayerRule] = {}
    topology = TopologyOptions()
    for name, body in data.items():
        if name == "topology":
            topology = _topology(body, where)
            continue
        if name not in CONTRACT_COLUMNS:
            raise MappingError(
                f"{where}: {name!r} is not a layer of the contract: use "
                f"{', '.join(CONTRACT_COLUMNS)} (or topology)",
                code="mapping_unknown_layer",
                where=where,
                layer=str(name),
                layers=list(CONTRACT_COLUMNS),
            )
        if not isinstance(body, dict):
            raise MappingError(
                f"{where}: [{name}] must be a table of column names",
                code="mapping_layer_not_table",
                where=where,
                layer=name,
            )
        layers[name] = _layer_rule(name, body, where)
    return ColumnMapping(layers, topology)


def _topology(body: object, where: str) -> TopologyOptions:
    if not isinstance(body, dict):
        raise MappingError(
            f"{where}: [topology] must be a table of distances in metres",
            code="mapping_topology_not_table",
            where=where,
        )
    known = set(TopologyOptions().to_dict())
    unknown = sorted(set(body) - known)
    if unknown:
        raise MappingError(
            f"{where}: [topology] has no setting {', '.join(unknown)}: use "
            f"{', '.join(sorted(known))}",
            code="mapping_topology_unknown",
            where=where,
            unknown=unknown,
            known=sorted(known),
        )
    try:
        return TopologyOptions(**body)
    except ValueError as exc:
        raise MappingError(
            f"{where}: [topology] {exc}", code="mapping_topology_value", where=where, error=str(exc)
        ) from None


def _layer_rule(name: str, body: dict[str, Any], where: str) -> LayerRule:
    layer = body.get("layer")
    if layer is not None and (not isinstance(layer, str) or not layer.strip()):
        raise MappingError(
            f"{where}: [{name}] layer must be the name of a layer of the export",
            code="mapping_layer_name",
            where=where,
            layer=name,
        )
    columns: dict[str, ColumnRule] = {}
    for target, spec in body.items():
        if target in ("layer", "layer_guessed"):
            continue
        if target not in CONTRACT_COLUMNS[name]:
            raise MappingError(
                f"{where}: [{name}] {target!r} is not a column of the contract's {name}: use "
                f"{', '.join(CONTRACT_COLUMNS[name])}",
                code="mapping_unknown_column",
                where=where,
                layer=name,
                column=str(target),
                columns=list(CONTRACT_COLUMNS[name]),
            )
        columns[target] = _column_rule(name, target, spec, where)
    sources = [rule.column for rule in columns.values()]
    twice = sorted({s for s in sources if sources.count(s) > 1})
    if twice:
        raise MappingError(
            f"{where}: [{name}] takes {', '.join(twice)} for two contract columns: a column of "
            "the export gives one contract column",
            code="mapping_column_twice",
            where=where,
            layer=name,
            columns=twice,
        )
    return LayerRule(layer.strip() if layer else None, columns, bool(body.get("layer_guessed")))


def _column_rule(layer: str, target: str, spec: object, where: str) -> ColumnRule:
    at = f"{where}: [{layer}] {target}"
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("column"), str):
        raise MappingError(
            f'{at}: give the export\'s column name, or {{ column = "NAME", unit = ..., '
            "values = { ... } }",
            code="mapping_column_spec",
            where=where,
            layer=layer,
            column=target,
        )
    unknown = sorted(set(spec) - {"column", "unit", "values", "guessed", "why"})
    if unknown:
        raise MappingError(
            f"{at}: unknown key(s) {', '.join(unknown)}: use column, unit, values",
            code="mapping_column_keys",
            where=where,
            layer=layer,
            column=target,
            unknown=unknown,
            keys=["column", "unit", "values"],
        )
    unit = spec.get("unit")
    if unit is not None:
        unit = normalise_unit(str(unit))
        allowed = UNITS.get(target)
        if allowed is None:
            raise MappingError(
                f"{at}: has no unit (only {', '.join(UNITS)} have units)",
                code="mapping_no_unit",
                where=where,
                layer=layer,
                column=target,
                units=list(UNITS),
            )
        if unit not in allowed:
            raise MappingError(
                f"{at}: unit {spec['unit']!r} is not one of {', '.join(allowed)}",
                code="mapping_unit",
                where=where,
                layer=layer,
                column=target,
                unit=str(spec["unit"]),
                units=list(allowed),
            )
    values = spec.get("values") or {}
    if not isinstance(values, dict) or not all(
        isinstance(v, str | bool | int | float) for v in values.values()
    ):
        raise MappingError(
            f"{at}: values must be a table of export value = contract value",
            code="mapping_values",
            where=where,
            layer=layer,
            column=target,
        )
    return ColumnRule(
        spec["column"].strip(),
        unit,
        {str(k): _value_text(v) for k, v in values.items()},
        bool(spec.get("guessed", False)),
        str(spec.get("why", "")),
    )


def mapping_toml(mapping: ColumnMapping) -> str:
    """A mapping as a TOML file, for the user to check and keep: every rule as given, and a
    comment after each guess saying what it was guessed from."""
    lines = ["# waterops column mapping (docs/decisions.md, network model: column mapping)"]
    for name, rule in mapping.layers.items():
        if not rule.layer and not rule.columns:
            continue
        lines += ["", f"[{name}]"]
        if rule.layer:
            lines.append(f"layer = {_toml(rule.layer)}" + ("  # guessed" * rule.guessed_layer))
        for target, col in rule.columns.items():
            plain = replace(col, guessed=False, why="").to_dict()
            note = f"  # guessed{': ' + col.why if col.why else ''}" if col.guessed else ""
            lines.append(f"{target} = {_toml(plain)}{note}")
    if mapping.topology != TopologyOptions():
        lines += ["", "[topology]"]
        lines += [f"{k} = {v!r}" for k, v in mapping.topology.to_dict().items()]
    return "\n".join(lines) + "\n"


def write_mapping(mapping: ColumnMapping, path: str | Path) -> Path:
    """Write a mapping as TOML (``.toml``) or JSON (anything else)."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        path.write_text(mapping_toml(mapping), encoding="utf-8")
    else:
        text = json.dumps(mapping.to_dict(), ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is a JSON string


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def normalise_unit(unit: str) -> str:
    text = unit.strip().lower()
    return UNIT_ALIASES.get(text, text)


# -- recognising names ---------------------------------------------------------------------------


def _key(name: object) -> str:
    """A name as it is compared: lower case, letters, digits and CJK only."""
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", str(name).lower())


LAYER_WORDS: dict[str, tuple[str, ...]] = {
    "nodes": ("nodes", "node", "junctions", "junction", "wjunction", "节点", "管点", "管网节点"),
    "pipes": (
        "pipes",
        "pipe",
        "mains",
        "main",
        "watermains",
        "watermain",
        "wmain",
        "pipelines",
        "pipeline",
        "管线",
        "管道",
        "管段",
        "给水管线",
        "供水管线",
        "给水管道",
        "供水管道",
    ),
    "valves": (
        "valves",
        "valve",
        "systemvalves",
        "systemvalve",
        "wsystemvalve",
        "isolationvalves",
        "阀门",
        "阀",
        "闸阀",
    ),
    "customers": (
        "customers",
        "customer",
        "servicepoints",
        "servicepoint",
        "serviceconnections",
        "serviceconnection",
        "wserviceconnection",
        "meters",
        "meter",
        "accounts",
        "用户",
        "水表",
        "用户点",
        "户表",
    ),
    "dmas": ("dmas", "dma", "districts", "计量分区", "分区"),
    "roads": ("roads", "road", "streets", "street", "道路"),
    "depots": ("depots", "depot", "班组驻地", "驻地"),
}


def layer_for_name(name: str) -> str | None:
    """The contract layer a layer or file of an export is, by its name: ``WaterMains`` and
    ``管线`` are pipes, ``SystemValves`` valves; None when the name says nothing."""
    key = _key(Path(name).stem if "." in name else name)
    if not key:
        return None
    for layer, words in LAYER_WORDS.items():
        if key in words:
            return layer
    for layer, words in LAYER_WORDS.items():  # city_pipes, kaifeng管线
        if any(len(w) >= 4 and key.endswith(w) for w in words if w.isascii()) or any(
            w in key for w in words if not w.isascii() and len(w) >= 2
        ):
            return layer
    return None


def choose_layers(
    available: Iterable[str], mapping: ColumnMapping | None
) -> tuple[dict[str, str], dict[str, bool], list[str]]:
    """Which layer of the export is each contract layer: (contract → export name, contract →
    guessed, notes on names that could be two layers). The mapping's names first, then the
    contract's own names, then :func:`layer_for_name`."""
    names = list(available)
    by_key = {n.lower(): n for n in names}
    chosen: dict[str, str] = {}
    guessed: dict[str, bool] = {}
    notes: list[str] = []
    for layer in MAPPED_LAYERS:
        wanted = mapping.rule(layer).layer if mapping else None
        if wanted is not None:
            match = by_key.get(wanted.lower())
            if match is not None:
                chosen[layer] = match
                guessed[layer] = bool(mapping and mapping.rule(layer).guessed_layer)
            else:
                notes.append(
                    f"the mapping's {layer} layer {wanted!r} is not in the export (it has: "
                    f"{', '.join(names) or 'no layers'})"
                )
        elif layer.lower() in by_key:
            chosen[layer], guessed[layer] = by_key[layer.lower()], False
    used = set(chosen.values())
    candidates: dict[str, list[str]] = {}
    for name in names:
        if name in used:
            continue
        kind = layer_for_name(name)
        if kind is not None and kind not in chosen:
            candidates.setdefault(kind, []).append(name)
    for layer, found in candidates.items():
        if mapping is not None and mapping.rule(layer).layer is not None:
            continue  # the mapping names another layer: it is missing, not guessed
        if len(found) > 1:
            notes.append(
                f"{', '.join(found)} could each be the {layer} layer: none is used; name one "
                f'in the mapping ([{layer}] layer = "...")'
            )
            continue
        chosen[layer], guessed[layer] = found[0], True
    return chosen, guessed, notes


# Common names of the contract's columns in exports, compared by :func:`_key`; the first that a
# layer has wins. English names follow the ESRI water utility data model (FACILITYID,
# DIAMETER, INSTALLDATE, LIFECYCLESTATUS ...) and common shapefile abbreviations; Chinese ones
# the names of Chinese utilities' GIS (编号, 管径, 材质, 埋设年代 ...).
_ID = ("facilityid", "assetid", "gisid", "编号", "objectid", "fid")
COLUMN_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "nodes": {
        "id": ("nodeid", "junctionid", "节点编号", "管点编号", *_ID),
        "kind": ("nodetype", "type", "kind", "节点类型", "类型", "性质"),
        "elevation_m": ("elevation", "elev", "groundelev", "z", "高程", "地面高程", "标高"),
        "name": ("name", "名称"),
    },
    "pipes": {
        "id": ("pipeid", "mainid", "管线编号", "管段编号", "管道编号", *_ID),
        "from_node": ("fromnode", "startnode", "fnode", "起点", "起点编号", "起始节点"),
        "to_node": ("tonode", "endnode", "tnode", "终点", "终点编号", "终止节点"),
        "diameter_mm": (
            "diametermm",
            "diameter",
            "diam",
            "dia",
            "dn",
            "nominaldia",
            "pipesize",
            "size",
            "管径",
            "口径",
            "公称直径",
            "直径",
        ),
        "material": ("material", "matl", "mat", "pipematerial", "材质", "管材", "材料"),
        "install_year": (
            "installyear",
            "yearinstalled",
            "installyr",
            "year",
            "installdate",
            "installdat",
            "installdt",
            "年代",
            "建设年代",
            "埋设年代",
            "敷设年代",
            "埋设年份",
            "敷设年份",
            "安装年份",
            "建设年份",
            "安装日期",
            "建设日期",
            "埋设日期",
        ),
        "street": (
            "street",
            "streetname",
            "road",
            "roadname",
            "location",
            "道路",
            "道路名称",
            "所在道路",
            "路名",
            "街道",
        ),
        "dma": ("dma", "dmaid", "dmaname", "pressurezone", "zone", "计量分区", "分区"),
        "status": ("status", "lifecyclestatus", "lifecycle", "状态", "运行状态", "使用状态"),
        "length_m": ("lengthm", "length", "pipelength", "len", "管长", "长度", "管线长度"),
    },
    "valves": {
        "id": ("valveid", "阀门编号", *_ID),
        "pipe_id": ("pipeid", "mainid", "管线编号", "所在管线", "所属管线"),
        "node_id": ("nodeid", "节点编号"),
        "kind": ("valvetype", "type", "kind", "阀门类型", "类型"),
        "diameter_mm": (
            "diametermm",
            "diameter",
            "diam",
            "dia",
            "dn",
            "valvesize",
            "size",
            "口径",
            "管径",
            "公称直径",
            "直径",
        ),
        "normally_closed": (
            "normallyclosed",
            "normclosed",
            "normalpos",
            "normalposition",
            "normalstatus",
            "常闭",
            "开关状态",
            "启闭状态",
            "status",
            "状态",
        ),
        "operable": (
            "operable",
            "operational",
            "workable",
            "可操作",
            "能否操作",
            "是否可用",
            "可用",
        ),
        "last_exercised": (
            "lastexercised",
            "exercisedate",
            "lastexer",
            "lastoperated",
            "lastopdate",
            "上次维护",
            "维护日期",
            "最近维护",
            "最近操作",
        ),
    },
    "customers": {
        "id": (
            "customerid",
            "accountid",
            "accountno",
            "account",
            "户号",
            "用户编号",
            "用户号",
            "水表编号",
            "表号",
            *_ID,
        ),
        "pipe_id": ("pipeid", "mainid", "管线编号", "接入管线", "所属管线"),
        "category": (
            "category",
            "customertype",
            "usertype",
            "usetype",
            "class",
            "custclass",
            "用户类别",
            "用户类型",
            "用水类别",
            "用水性质",
            "类别",
            "性质",
        ),
        "accounts": ("accounts", "numaccounts", "units", "households", "户数"),
        "address": ("address", "addr", "地址", "用户地址", "住址"),
        "critical_kind": ("criticalkind", "criticaltype", "crittype", "重要类型", "重要用户类型"),
        "name": ("name", "customername", "名称", "用户名称", "户名", "单位名称"),
        "demand_m3d": ("demandm3d", "demand", "dailyuse", "日用水量", "用水量", "日均用水"),
    },
    "dmas": {"id": ("dmaid", "dma", "分区编号", *_ID), "name": ("name", "dmaname", "名称")},
    "roads": {
        "id": ("roadid", *_ID),
        "speed_kmh": ("speedkmh", "speed", "speedlimit", "maxspeed", "限速", "车速"),
        "name": ("name", "roadname", "名称", "路名"),
        "oneway": ("oneway", "单行"),
    },
    "depots": {"id": ("depotid", *_ID), "name": ("name", "名称")},
}

# Values of choice columns in exports, by the contract's value.
VALUE_WORDS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("nodes", "kind"): {
        "source": (
            "source",
            "reservoir",
            "plant",
            "waterplant",
            "treatmentplant",
            "wtp",
            "well",
            "水厂",
            "水源",
            "水库",
            "净水厂",
            "自来水厂",
            "泵站",
        ),
        "tank": (
            "tank",
            "storage",
            "tower",
            "watertower",
            "reservoirtank",
            "水塔",
            "水池",
            "清水池",
            "高位水池",
            "蓄水池",
        ),
        "junction": (
            "junction",
            "node",
            "tee",
            "cross",
            "bend",
            "elbow",
            "cap",
            "plug",
            "reducer",
            "fitting",
            "hydrant",
            "valve",
            "节点",
            "管点",
            "三通",
            "四通",
            "弯头",
            "堵头",
            "变径",
            "消火栓",
            "阀门",
            "接头",
        ),
    },
    ("customers", "category"): {
        "residential": (
            "residential",
            "domestic",
            "house",
            "household",
            "apartment",
            "resident",
            "居民",
            "住宅",
            "居民生活",
            "生活",
        ),
        "commercial": (
            "commercial",
            "business",
            "shop",
            "retail",
            "office",
            "商业",
            "经营",
            "商户",
            "服务业",
        ),
        "industrial": (
            "industrial",
            "industry",
            "factory",
            "manufacturing",
            "工业",
            "工厂",
            "企业",
        ),
        "institution": (
            "institution",
            "institutional",
            "government",
            "public",
            "school",
            "university",
            "机关",
            "事业",
            "行政事业",
            "学校",
            "机关单位",
            "公共",
        ),
        "critical": ("critical", "hospital", "clinic", "重要", "重要用户", "医院", "特殊"),
    },
    ("pipes", "status"): {
        "open": (
            "open",
            "active",
            "inservice",
            "inuse",
            "operational",
            "开",
            "开启",
            "在用",
            "运行",
            "正常",
            "使用中",
        ),
        "closed": (
            "closed",
            "shut",
            "abandoned",
            "inactive",
            "outofservice",
            "关",
            "关闭",
            "停用",
            "废弃",
            "报废",
        ),
    },
    ("valves", "normally_closed"): {
        "yes": ("closed", "normallyclosed", "nc", "shut", "常闭", "关", "关闭", "闭"),
        "no": ("open", "normallyopen", "no", "opened", "常开", "开", "开启"),
    },
    ("valves", "operable"): {
        "yes": ("operable", "good", "ok", "working", "fine", "可用", "正常", "良好", "完好"),
        "no": (
            "inoperable",
            "broken",
            "stuck",
            "seized",
            "damaged",
            "notoperable",
            "不可用",
            "损坏",
            "坏",
            "失灵",
            "无法操作",
            "故障",
        ),
    },
}


def contract_description() -> dict[str, Any]:
    """The contract as a mapping editor needs it: the columns of each layer, the units each
    column may come in, and the values each choice column takes (``"customers.category"``)."""
    return {
        "columns": {layer: list(columns) for layer, columns in CONTRACT_COLUMNS.items()},
        "units": {column: list(units) for column, units in UNITS.items()},
        "values": {f"{layer}.{column}": list(v) for (layer, column), v in VALUE_WORDS.items()},
    }


# The contract's own values of the choice columns (a column already in them needs no map).
CONTRACT_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("nodes", "kind"): frozenset(NODE_KINDS),
    ("customers", "category"): frozenset(CUSTOMER_CATEGORIES),
    **{
        (layer, column): frozenset(values)
        for layer, choices in CHOICE_COLUMNS.items()
        for column, values in choices.items()
    },
    ("valves", "normally_closed"): frozenset(
        {"true", "t", "yes", "y", "1", "是", "false", "f", "no", "n", "0", "否", "1.0", "0.0"}
    ),
    ("valves", "operable"): frozenset(
        {"true", "t", "yes", "y", "1", "是", "false", "f", "no", "n", "0", "否", "1.0", "0.0"}
    ),
}


def guess_mapping(
    frames: Mapping[str, pd.DataFrame],
    given: ColumnMapping | None = None,
    crs: CRS | str | None = None,
) -> ColumnMapping:
    """``given`` completed with guesses for the contract columns the layers lack.

    A contract column the layer has already (``id``, ``diameter_mm``) is never guessed, nor are
    its values (a ``kind`` of ``well`` is the contract's column with a wrong value, reported as
    such); nor is one the mapping gives. Guesses are marked ``guessed`` (with ``why`` for a
    unit), so the reader can report them. ``crs`` is the layers' CRS: a feet-based one makes
    lengths and elevations feet."""
    given = given or ColumnMapping()
    layers = dict(given.layers)
    for layer, frame in frames.items():
        if frame is None or layer not in COLUMN_WORDS:
            continue
        rule = layers.get(layer, LayerRule())
        columns = dict(rule.columns)
        taken = {c.column for c in columns.values()} | set(CONTRACT_COLUMNS[layer])
        by_key: dict[str, str] = {}
        for name in frame.columns:
            if name != "geometry" and name not in taken:
                by_key.setdefault(_key(name), str(name))
        for target, words in COLUMN_WORDS[layer].items():
            if target in columns or target in frame.columns:
                continue
            source = next((by_key[w] for w in (_key(target), *words) if w in by_key), None)
            if source is None or source in taken:
                continue
            taken.add(source)
            columns[target] = _guess_rule(layer, target, source, frame[source], crs)
        layers[layer] = LayerRule(rule.layer, columns, rule.guessed_layer)
    return ColumnMapping(layers, given.topology)


def _guess_rule(
    layer: str, target: str, source: str, values: pd.Series, crs: CRS | str | None
) -> ColumnRule:
    unit, why = None, ""
    if target == "diameter_mm":
        unit, why = _diameter_unit(source, values)
    elif target in ("length_m", "elevation_m"):
        unit, why = _length_unit(source, crs)
    value_map = _guess_values((layer, target), values) if (layer, target) in VALUE_WORDS else {}
    return ColumnRule(source, unit, value_map, guessed=True, why=why)


def _diameter_unit(source: str, values: pd.Series) -> tuple[str, str]:
    key = _key(source)
    if key.endswith(("inch", "in")) and not key.endswith("min"):
        return "inch", "from its name"
    if key.endswith("mm") or "毫米" in source:
        return "mm", "from its name"
    number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    number = number[np.isfinite(number) & (number > 0)]
    if not len(number):
        return "mm", "no values to tell"
    median, top = float(np.median(number)), float(number.max())
    shown = f"values {number.min():g}–{top:g}, median {median:g}"
    if median < 2.0:
        return "m", shown
    if median <= 60 and top <= 144:
        return "inch", shown
    return "mm", shown


def _length_unit(source: str, crs: CRS | str | None) -> tuple[str, str]:
    key = _key(source)
    if key.endswith(("ft", "feet")):
        return "ft", "from its name"
    unit = _crs_unit(crs)
    if unit in ("ft", "us_ft"):
        return unit, "the CRS is in feet"
    return "m", "the CRS is metric" if unit == "m" else "metres assumed"


def _crs_unit(crs: CRS | str | None) -> str | None:
    if crs is None:
        return None
    try:
        axis = CRS.from_user_input(crs).axis_info[0]
    except Exception:
        return None
    factor = axis.unit_conversion_factor
    if abs(factor - US_FOOT) < 1e-9:
        return "us_ft"
    if abs(factor - FOOT) < 1e-9:
        return "ft"
    return "m" if abs(factor - 1.0) < 1e-12 else None


def _guess_values(key: tuple[str, str], values: pd.Series) -> dict[str, str]:
    """A value map for a choice column whose values are not the contract's: each distinct
    value that a word of :data:`VALUE_WORDS` names."""
    words = VALUE_WORDS.get(key)
    if words is None:
        return {}
    distinct = [v for v in pd.unique(values.dropna().astype(str).str.strip()) if v]
    own = CONTRACT_VALUES.get(key, frozenset())
    if all(v.lower() in own for v in distinct):
        return {}
    out: dict[str, str] = {}
    for value in distinct[:200]:
        if value.lower() in own:
            continue
        k = _key(value)
        target = next((t for t, ws in words.items() if k in ws), None)
        if target is None:  # 居民生活用水, Hospital (West wing): the first word found in it
            target = next(
                (t for t, ws in words.items() if any(len(w) >= 2 and w in k for w in ws)), None
            )
        if target is not None:
            out[value] = target
    return out


# -- applying ------------------------------------------------------------------------------------


Frame = TypeVar("Frame", bound=pd.DataFrame)  # a layer: a GeoDataFrame, or a plain frame


def apply_rules(frame: Frame, layer: str, rule: LayerRule) -> tuple[Frame, list[str]]:
    """A layer's columns renamed, converted to the contract's units and values by ``rule``;
    with what could not be done (a column the export does not have), in words."""
    problems: list[str] = []
    if not rule.columns:
        return frame, problems
    out = frame.copy()
    lower = {str(c).lower(): c for c in frame.columns}
    new: dict[str, Any] = {}
    for target, col in rule.columns.items():
        source = col.column if col.column in frame.columns else lower.get(col.column.lower())
        if source is None:
            if not col.guessed:
                shown = ", ".join(str(c) for c in frame.columns if c != "geometry")
                problems.append(
                    f"the mapping takes {target} from column {col.column!r}, which the layer "
                    f"does not have (it has: {shown})"
                )
            continue
        new[target] = _convert(frame[source], target, col)
    for target, values in new.items():
        out[target] = values
    return out, problems


def _convert(values: pd.Series, target: str, rule: ColumnRule) -> pd.Series:
    if rule.values:
        table = {k.strip().lower(): v for k, v in rule.values.items()}

        def lookup(v: object) -> object:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return v
            text = str(v).strip()
            if text.lower() in table:
                return table[text.lower()]
            if isinstance(v, float) and v.is_integer():  # 1.0 read from a number column
                return table.get(str(int(v)), v)
            return v

        values = values.map(lookup)
    if rule.unit is not None:
        factor = UNITS[target][rule.unit]
        if factor != 1.0:
            number = pd.to_numeric(values, errors="coerce")
            if number.notna().sum() == values.notna().sum():
                values = number * factor
            else:  # text among the numbers: convert the numbers, keep the text for the report
                values = values.astype(object).where(number.isna(), number * factor)
    if target == "install_year":
        values = _years(values)
    return values


def _years(values: pd.Series) -> pd.Series:
    """Installation dates as their year (INSTALLDATE 1995-06-01 → 1995)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        years: pd.Series = values.dt.year.astype("Float64").astype(float)
        return years
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = values.astype(str).str.strip()
    dated = text.str.match(r"^\d{4}[-/.年]\d{1,2}")
    if dated.any():
        return values.astype(object).where(~dated, text.str[:4].astype(object))
    return values
