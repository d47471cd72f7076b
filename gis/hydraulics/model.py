"""The hydraulic model of a network (an EPANET file's own, read by WNTR) and the snapshot of an
hour or an outage window the engine opens; what in a model an engine cannot use."""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import wntr

from gis.hydraulics.errors import HydraulicDataError, HydraulicError
from gis.hydraulics.toolkit import SNAPSHOT_UNITS, Toolkit
from gis.hydraulics.values import NormalRun, PressureSettings
from gis.io import read_text


class HydraulicModel:
    """The EPANET model of a network: the file's own, read by WNTR.

    Parameters
    ----------
    wn
        The WNTR ``WaterNetworkModel``; it is not changed.
    source
        The name errors use (the file's name).
    """

    def __init__(
        self,
        wn: Any,
        source: str = "model",
        *,
        valve_links: dict[tuple[str, str], str] | None = None,
        customer_nodes: dict[str, str] | None = None,
    ) -> None:
        self.wn = wn
        self.source = source
        # a model built from GIS layers (gis.hydraulic_model) splits a pipe with customers at
        # its middle: a valve (pipe, node) closes the half at its node, and a customer draws at
        # the middle node. An EPANET file's model has neither: a valve closes its link.
        self.valve_links = dict(valve_links or {})
        self.customer_nodes = None if customer_nodes is None else dict(customer_nodes)
        problems = model_problems(wn)
        if problems:
            raise HydraulicDataError(source, problems)
        self._base: dict[float, NormalRun] = {}

    @classmethod
    def from_inp(cls, path: str | Path) -> HydraulicModel:
        """The model of an EPANET ``.inp`` file, in UTF-8 or an encoding :func:`gis.io.read_text`
        tells (GB18030 …: WNTR reads UTF-8 without a byte-order mark only, so it reads a copy)."""
        path = Path(path)
        text, encoding = read_text(path, "file")
        try:
            if encoding == "utf-8":
                wn = wntr.network.WaterNetworkModel(str(path))
            else:
                with tempfile.TemporaryDirectory(prefix="waterops-inp-") as tmp:
                    copy_ = Path(tmp) / path.name
                    copy_.write_text(text, encoding="utf-8")
                    wn = wntr.network.WaterNetworkModel(str(copy_))
        except Exception as exc:  # WNTR raises bare exceptions of many kinds on bad input
            problems = inp_text_problems(text)
            if problems:
                raise HydraulicDataError(path.name, problems) from exc
            raise HydraulicError(
                f"{path.name} cannot be read as EPANET input ({exc}): open it in EPANET, "
                "correct what it reports and save it again",
                code="hydraulic_inp_unreadable",
                file=path.name,
                error=str(exc),
            ) from exc
        return cls(wn, source=path.name)

    def link_of(self, pipe_id: str, node_id: str) -> str:
        """The model's link a valve on ``pipe_id`` at ``node_id`` closes."""
        return self.valve_links.get((pipe_id, node_id), pipe_id)

    @property
    def duration_h(self) -> float:
        return float(self.wn.options.time.duration) / 3600.0

    def normal_run(self, hour: float) -> NormalRun:
        """The file's own extended-period run (demand-driven, its controls) up to ``hour``, by
        the EPANET toolkit: the state the snapshot of that hour starts from."""
        key = round(float(hour), 6)
        if key not in self._base:
            wn = copy.deepcopy(self.wn)
            t = round(key * 3600)
            wn.options.time.duration = t
            wn.options.quality.parameter = "NONE"
            with Toolkit(wn, self.source) as en:
                en.open_hydraulics()
                now = 0
                while True:
                    now = en.run(f"the normal run at {now / 3600:g} h")
                    if now >= t:
                        break
                    if en.next_step() == 0:
                        break
                if now != t:
                    raise HydraulicError(
                        f"{self.source}: the normal run has no time step at hour {key:g}",
                        code="hydraulic_normal_hour_missing",
                        model=self.source,
                        hour=key,
                    )
                self._base[key] = en.state(t)
        return self._base[key]

    def snapshot(
        self,
        hour: float,
        settings: PressureSettings = PressureSettings(),
        end: float | None = None,
    ) -> Any:
        """A WNTR model of the hour: one period, pressure-driven, no controls.

        Demands are the patterns' at ``hour`` (hours after the file's start), tank levels and
        the status of every link a control or rule sets are the normal run's at that hour.

        With ``end`` (the outage window ``[hour, end)``), an extended-period model of the
        window's whole hours instead: it starts as the snapshot does and runs hourly to the
        window's last hour (:func:`window_hours`), tanks filling and draining, the controls
        kept with their times counted from the window's start (those already past dropped:
        their effect is in the statuses the window starts with).
        """
        settings.check()
        if hour < 0:
            raise HydraulicError(
                f"hour {hour:g}: give an hour from 0 (the model's start time)",
                code="hydraulic_hour_negative",
                hour=hour,
            )
        steps = window_hours(hour, end) if end is not None else (float(hour),)
        t = round(hour * 3600)
        base = self.normal_run(hour)
        wn = copy.deepcopy(self.wn)
        controlled = set()
        for _, control in list(wn.controls()):
            for action in control.actions():
                target, attribute = action.target()
                if attribute == "status":
                    controlled.add(target.name)
        for name in list(wn.control_name_list):
            if end is None or not _shift_control(wn.get_control(name), t):
                wn.remove_control(name)
        for name in sorted(controlled):
            wn.get_link(name).initial_status = (
                wntr.network.LinkStatus.Open
                if base.link_open[name]
                else wntr.network.LinkStatus.Closed
            )
        for name, tank in wn.tanks():
            level = base.tank_level_m[name]
            tank.init_level = float(min(max(level, tank.min_level), tank.max_level))
        opts = wn.options
        opts.time.duration = round((len(steps) - 1) * 3600)
        if end is not None:
            opts.time.hydraulic_timestep = min(3600, int(opts.time.hydraulic_timestep))
            opts.time.report_timestep = 3600
        opts.time.pattern_start = float(opts.time.pattern_start) + t
        opts.time.start_clocktime = (float(opts.time.start_clocktime) + t) % 86400.0
        opts.time.report_start = 0
        opts.quality.parameter = "NONE"
        opts.hydraulic.demand_model = settings.demand_model
        opts.hydraulic.minimum_pressure = settings.minimum_pressure_m
        opts.hydraulic.required_pressure = settings.full_service_m
        opts.hydraulic.pressure_exponent = settings.pressure_exponent
        opts.hydraulic.inpfile_units = SNAPSHOT_UNITS
        return wn


#: the longest outage window a hydraulic run covers (hours): three days of hourly steps
MAX_WINDOW_HOURS = 72


def window_hours(start: float, end: float) -> tuple[float, ...]:
    """The hours of the window ``[start, end)`` a hydraulic run has a step at: ``start`` and
    every whole hour after it before ``end`` (an outage 07:00-13:00: 7, 8 … 12). EPANET's
    report times, as its own ``STATISTIC MINIMUM`` takes the minimum over them."""
    if not end > start:
        raise HydraulicError(
            f"outage window {start:g}-{end:g} h: give an end after the start (hours)",
            code="outage_window_hours_reversed",
            start=start,
            end=end,
        )
    if end - start > MAX_WINDOW_HOURS:
        raise HydraulicError(
            f"outage window {start:g}-{end:g} h: at most {MAX_WINDOW_HOURS} hours; ask for "
            "the worst days separately",
            code="outage_window_too_long",
            start=start,
            end=end,
            limit=MAX_WINDOW_HOURS,
        )
    return tuple(float(start + k) for k in range(math.ceil(end - start - 1e-9)))


def _shift_control(control: Any, t: int) -> bool:
    """Count a control's simulation times from ``t`` (s) on: the window model starts there.
    False: a timed control already past (drop it; its effect is in the starting statuses)."""
    condition: Any = getattr(control, "_condition", None)
    timed = isinstance(condition, wntr.network.controls.SimTimeCondition)
    if timed and condition._threshold - t < 0 and not condition._repeat:
        return False
    _shift_condition(condition, t)
    return True


def _shift_condition(condition: Any, t: int) -> None:
    if isinstance(condition, wntr.network.controls.SimTimeCondition):
        repeat = float(condition._repeat or 0)
        shifted = float(condition._threshold) - t
        condition._threshold = shifted % repeat if repeat > 0 else max(0.0, shifted)
    for part in ("_condition_1", "_condition_2"):
        if hasattr(condition, part):
            _shift_condition(getattr(condition, part), t)


def inp_text_problems(text: str) -> list[tuple[str, str, str]]:
    """What WNTR cannot read in an EPANET file's text, named (it stops at the first, often with
    a bare ``IndexError``): junctions without an elevation, pipes without a length, diameter or
    roughness, or with a length or diameter of 0."""
    problems: list[tuple[str, str, str]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.upper()
            continue
        fields = line.split()
        if section == "[JUNCTIONS]" and (len(fields) < 2 or not _finite(fields[1])):
            problems.append(
                (f"junction {fields[0]}", "has no elevation", "give its ground elevation")
            )
        elif section == "[PIPES]":
            for k, what in ((3, "length"), (4, "diameter"), (5, "roughness")):
                if len(fields) <= k or not _finite(fields[k]):
                    problems.append((f"pipe {fields[0]}", f"has no {what}", f"give its {what}"))
                elif float(fields[k]) <= 0:
                    problems.append(
                        (f"pipe {fields[0]}", f"has {what} {fields[k]}", f"give its {what} (> 0)")
                    )
    return problems


def model_problems(wn: Any) -> list[tuple[str, str, str]]:
    """What an engine cannot use, each as (element, what is wrong, what to fix)."""
    problems: list[tuple[str, str, str]] = []
    for name, node in wn.junctions():
        if not _finite(node.elevation):
            problems.append(
                (f"junction {name}", "has no elevation", "give its ground elevation in m")
            )
    for name, tank in wn.tanks():
        if not _finite(tank.elevation):
            problems.append((f"tank {name}", "has no elevation", "give its bottom elevation"))
        elif not (_finite(tank.diameter) and tank.diameter > 0):
            problems.append((f"tank {name}", "has no diameter", "give its diameter (above 0)"))
    for name, reservoir in wn.reservoirs():
        if not _finite(reservoir.base_head):
            problems.append((f"reservoir {name}", "has no head", "give its water level in m"))
    for name, pipe in wn.pipes():
        if not (_finite(pipe.diameter) and pipe.diameter > 0):
            problems.append(
                (f"pipe {name}", f"has diameter {pipe.diameter!r}", "give its inner diameter")
            )
        if not (_finite(pipe.length) and pipe.length > 0):
            problems.append((f"pipe {name}", f"has length {pipe.length!r}", "give its length"))
        if not (_finite(pipe.roughness) and pipe.roughness > 0):
            problems.append(
                (
                    f"pipe {name}",
                    f"has roughness {pipe.roughness!r}",
                    "give its roughness (Hazen-Williams C, or the file's headloss formula's)",
                )
            )
    if wn.num_reservoirs + wn.num_tanks == 0:
        problems.append(("the model", "has no reservoir or tank", "add the sources of the water"))
    return problems


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
