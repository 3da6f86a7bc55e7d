"""Straight-line calibration by ordinary least squares with the covariance of its parameters (GUM H.3).

Model b_k = y₁ + y₂ (t_k − t₀) + e_k; the parameter uncertainties come from the residual standard
deviation (ν = n − 2), as in GUM H.3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from uncertainty.errors import InvalidInputError

__all__ = ["LineFit", "line_fit"]


@dataclass(frozen=True)
class LineFit:
    """An OLS straight line y = intercept + slope (x − x0).

    Attributes:
        intercept: y₁, the line at ``x = x0``.
        slope: y₂.
        u_intercept: s(y₁).
        u_slope: s(y₂).
        correlation: r(y₁, y₂).
        residual_sd: s, the standard deviation of the residuals.
        dof: n − 2.
        x0: Reference abscissa.
        n: Number of points.
    """

    intercept: float
    slope: float
    u_intercept: float
    u_slope: float
    correlation: float
    residual_sd: float
    dof: int
    x0: float
    n: int

    @property
    def covariance(self) -> np.ndarray:
        """Covariance matrix of (intercept, slope)."""
        c = self.correlation * self.u_intercept * self.u_slope
        return np.array([[self.u_intercept**2, c], [c, self.u_slope**2]])

    def predict(self, x: float) -> tuple[float, float]:
        """Value of the line at ``x`` and its standard uncertainty (GUM H.3.4: the correction at x).

        Args:
            x: Abscissa.

        Returns:
            ``(value, standard uncertainty)`` from the parameters' covariance.

        Example:
            >>> f = line_fit([0.0, 1.0, 2.0, 3.0], [1.0, 3.1, 4.9, 7.0])
            >>> v, u = f.predict(1.5)
            >>> round(v, 3), round(u, 4)
            (4.0, 0.0474)
        """
        dx = x - self.x0
        var = (
            self.u_intercept**2
            + dx * dx * self.u_slope**2
            + 2 * dx * self.correlation * self.u_intercept * self.u_slope
        )
        return self.intercept + self.slope * dx, math.sqrt(max(var, 0.0))


def line_fit(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *, x0: float = 0.0) -> LineFit:
    """Fit y = y₁ + y₂ (x − x0) by ordinary least squares.

    Args:
        x: Abscissae (e.g. thermometer readings t_k).
        y: Ordinates (e.g. corrections b_k).
        x0: Reference abscissa t₀.

    Returns:
        The :class:`LineFit`.

    Raises:
        InvalidInputError: Fewer than three points, lengths differ, non-finite values, or all x equal.

    Example:
        >>> f = line_fit([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> f.intercept, f.slope, f.dof
        (1.0, 2.0, 1)
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.ndim != 1 or xa.shape != ya.shape:
        raise InvalidInputError(f"line fit: x and y must be 1-D of one length, got {xa.shape} and {ya.shape}")
    n = xa.shape[0]
    if n < 3:
        raise InvalidInputError(f"line fit: needs at least 3 points for a standard deviation, got {n}")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise InvalidInputError("line fit: x and y must be finite numbers")
    t = xa - x0
    tm = t.mean()
    sxx = float(np.sum((t - tm) ** 2))
    if sxx == 0:
        raise InvalidInputError("line fit: all x values are equal; the slope is undefined")
    slope = float(np.sum((t - tm) * (ya - ya.mean())) / sxx)
    intercept = float(ya.mean() - slope * tm)
    resid = ya - (intercept + slope * t)
    s2 = float(np.sum(resid**2) / (n - 2))
    var_b = s2 / sxx
    var_a = s2 * (1.0 / n + tm * tm / sxx)
    cov_ab = -s2 * tm / sxx
    u_a, u_b = math.sqrt(var_a), math.sqrt(var_b)
    r = float(cov_ab / (u_a * u_b)) if u_a > 0 and u_b > 0 else 0.0
    return LineFit(intercept, slope, u_a, u_b, r, math.sqrt(s2), n - 2, float(x0), n)
