"""Shared specs of the published examples (inputs from shared/domain/uncertainty.md)."""

from __future__ import annotations

import math
from typing import Any

import pytest

H1_MODEL = "l_s + d_bar + d1 + d2 - l_s*(delta_alpha*(theta_bar + Delta) + alpha_s*delta_theta)"


def h1_spec(**options: Any) -> dict[str, Any]:
    """GUM H.1 end gauge, the nine inputs of the GUM table (lengths in nm, temperatures as "
    "differences in K)."""
    return {
        "measurand": {"name": "l", "unit": "nm"},
        "model": H1_MODEL,
        "inputs": [
            {
                "name": "l_s",
                "value": 50000623,
                "unit": "nm",
                "distribution": "normal",
                "expanded_uncertainty": 75,
                "coverage_factor": 3,
                "dof": 18,
            },
            {
                "name": "d_bar",
                "value": 215,
                "unit": "nm",
                "distribution": "normal",
                "standard_uncertainty": 13 / math.sqrt(5),
                "dof": 24,
            },
            {"name": "d1", "value": 0, "unit": "nm", "standard_uncertainty": 3.9, "dof": 5},
            {
                "name": "d2",
                "value": 0,
                "unit": "nm",
                "expanded_uncertainty": 20,
                "coverage_factor": 3,
                "dof": 8,
            },
            {
                "name": "alpha_s",
                "value": 11.5e-6,
                "unit": "1/K",
                "distribution": "rectangular",
                "half_width": 2e-6,
            },
            {"name": "theta_bar", "value": -0.1, "unit": "K", "standard_uncertainty": 0.2},
            {"name": "Delta", "value": 0, "unit": "K", "distribution": "arcsine", "half_width": 0.5},
            {
                "name": "delta_alpha",
                "value": 0,
                "unit": "1/K",
                "distribution": "rectangular",
                "half_width": 1e-6,
                "dof": 50,
            },
            {
                "name": "delta_theta",
                "value": 0,
                "unit": "K",
                "distribution": "rectangular",
                "half_width": 0.05,
                "dof": 2,
            },
        ],
        "options": {"coverage_probability": 0.99, **options},
    }


@pytest.fixture
def h1() -> dict[str, Any]:
    return h1_spec()
