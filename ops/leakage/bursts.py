"""Bursts and new leaks: step changes in a DMA's corrected net night flow (CUSUM)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BurstAlarm:
    """A new leak or burst seen as a lasting rise of a DMA's corrected net night flow."""

    dma: str
    detected: dt.datetime  # the night that confirmed it (the end of that night's window)
    started: dt.date  # the first night of the new level
    size_m3h: float
    baseline_m3h: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "dma": self.dma,
            "detected": self.detected.isoformat(timespec="minutes"),
            "started": self.started.isoformat(),
            "size_m3h": round(self.size_m3h, 2),
            "baseline_m3h": round(self.baseline_m3h, 2),
        }


@dataclass(frozen=True)
class BurstSettings:
    warmup_nights: int = 7  # nights to learn a DMA's level before alarms
    # CUSUM allowance and alarm level, in standard deviations: chosen on generated seeds 11-18
    # (benchmarks/leak_detection.py scores seeds 1-10), see docs/leakage.md
    drift: float = 1.0
    threshold: float = 9.0
    min_sigma_m3h: float = 0.5  # the night-to-night noise is never taken below this
    min_size_m3h: float = 1.0  # smaller rises are not reported
    merge_days: int = 4  # a rise within this many days of an alarm is the same (growing) leak


def detect_bursts(
    dma: str,
    nightly: pd.Series,
    settings: BurstSettings = BurstSettings(),
    window_end: dt.time = dt.time(4),
) -> list[BurstAlarm]:
    """Two-sided CUSUM on the corrected net night flow against a robust baseline.

    The baseline is the median of the nights since the last change (at most 14); the noise is
    1.4826·MAD of their night-to-night differences / √2. A rise that accumulates past
    ``threshold`` σ is an alarm dated from the night the sum last left zero; a fall (a repair)
    resets the baseline silently. After a change the new level is learnt from the nights since.
    """
    values = nightly.dropna()
    days = list(values.index)
    x = values.to_numpy(dtype=float)
    alarms: list[BurstAlarm] = []
    since = 0  # first night of the current level
    up = down = 0.0
    up_from = down_from = None
    for k in range(len(x)):
        history = x[max(since, k - 14) : k]
        if len(history) < min(settings.warmup_nights, 3) or (
            since == 0 and k < settings.warmup_nights
        ):
            continue
        base = float(np.median(history))
        diffs = np.diff(history)
        sigma = (
            1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / np.sqrt(2)
            if len(diffs) > 1
            else 0.0
        )
        sigma = max(sigma, settings.min_sigma_m3h, 0.02 * abs(base))
        z = (x[k] - base) / sigma
        if up == 0.0:
            up_from = k
        if down == 0.0:
            down_from = k
        up = max(0.0, up + z - settings.drift)
        down = max(0.0, down - z - settings.drift)
        if up > settings.threshold and up_from is not None:
            # the change point: where a new level explains the nights since best
            candidates = range(up_from, k + 1)
            t = max(
                candidates, key=lambda j: (k - j + 1) * (float(np.mean(x[j : k + 1])) - base) ** 2
            )
            size = float(np.mean(x[t : k + 1])) - base
            if size >= max(settings.min_size_m3h, 1.5 * sigma):
                alarms.append(
                    BurstAlarm(dma, dt.datetime.combine(days[k], window_end), days[t], size, base)
                )
            since, up, down = t, 0.0, 0.0
        elif down > settings.threshold and down_from is not None:
            since, up, down = down_from, 0.0, 0.0
    return _merge_growing(alarms, settings.merge_days)


def _merge_growing(alarms: list[BurstAlarm], days: int) -> list[BurstAlarm]:
    """A leak that grows over days trips the sum again and again: alarms whose new level began
    within ``days`` of the previous alarm in the same DMA are one event, its size the sum."""
    out: list[BurstAlarm] = []
    for a in alarms:
        prev = out[-1] if out else None
        if prev is not None and (a.started - prev.detected.date()).days <= days:
            out[-1] = BurstAlarm(
                a.dma, prev.detected, prev.started, prev.size_m3h + a.size_m3h, prev.baseline_m3h
            )
        else:
            out.append(a)
    return out
