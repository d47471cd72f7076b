"""Errors raised by :mod:`routing`.

One hierarchy for the package: callers catch :class:`RoutingError` (the CLI turns it into a
message and an exit code, the service into a 422, once, in ``api/app.py``). Each error is also
the built-in it used to be (:class:`ValueError`), so code written against those still works.

The solver itself does not raise for a problem it cannot plan in full: :func:`routing.solve`
always returns a plan, with every job it could not place in ``unassigned`` and the reason.
What raises is input that does not make a problem at all.
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error :mod:`routing` raises.

    Like :class:`ops.errors.OpsError`, one a dispatcher meets carries a stable ``code`` and its
    ``params`` beside its English message (``api.responses.refusal``; ``js/i18n.js``)."""

    def __init__(self, *args: object, code: str | None = None, **params: object) -> None:
        super().__init__(*args)
        self.code = code
        self.params = params


class InvalidProblem(RoutingError, ValueError):
    """Values that do not make a problem (a window that ends before it starts, a job needing
    three crews, a roads layer without a CRS, solver options that do not exist); the message
    says which value and what is wrong with it."""


class PlanInputError(InvalidProblem):
    """A jobs, crews or roads file that cannot be read as one: the message names the file, the
    row and the value."""
