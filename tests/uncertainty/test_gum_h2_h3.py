"""GUM H.2 (simultaneous R, X, Z) and H.3 (thermometer calibration line), published values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from uncertainty.errors import InvalidInputError
from uncertainty.linefit import line_fit
from uncertainty.multi import evaluate_multi

V = [5.007, 4.994, 5.005, 4.990, 4.999]
I_MA = [19.663, 19.639, 19.640, 19.685, 19.678]
PHI = [1.0456, 1.0438, 1.0468, 1.0428, 1.0433]


def h2_spec(**options: Any) -> dict[str, Any]:
    return {
        "measurand": [
            {"name": "R", "unit": "ohm"},
            {"name": "X", "unit": "ohm"},
            {"name": "Z", "unit": "ohm"},
        ],
        "model": {"R": "V/I*cos(phi)", "X": "V/I*sin(phi)", "Z": "V/I"},
        "inputs": [
            {"name": "V", "unit": "V", "distribution": "type_a", "samples": V},
            {"name": "I", "unit": "mA", "distribution": "type_a", "samples": I_MA},
            {"name": "phi", "unit": "rad", "distribution": "type_a", "samples": PHI},
        ],
        "correlations": [
            ["V", "I", "from_samples"],
            ["V", "phi", "from_samples"],
            ["I", "phi", "from_samples"],
        ],
        "options": options,
    }


def test_h2_values_and_uncertainties() -> None:
    m = evaluate_multi(h2_spec())
    expected = {"R": (127.732, 0.071), "X": (219.847, 0.295), "Z": (254.260, 0.236)}
    for name, (value, u) in expected.items():
        r = m[name]
        assert r.unit == "ohm"
        assert r.value == pytest.approx(value, abs=0.001)
        assert r.standard_uncertainty == pytest.approx(u, abs=0.001)


def test_h2_output_correlations() -> None:
    m = evaluate_multi(h2_spec())
    assert m.names == ("R", "X", "Z")
    assert m.correlation[0, 1] == pytest.approx(-0.588, abs=0.002)
    assert m.correlation[0, 2] == pytest.approx(-0.485, abs=0.002)
    assert m.correlation[1, 2] == pytest.approx(0.993, abs=0.002)
    assert np.allclose(m.covariance, m.covariance.T)


def test_h2_input_correlations_from_data() -> None:
    r = np.corrcoef([V, I_MA, PHI])
    assert r[0, 1] == pytest.approx(-0.36, abs=0.01)
    assert r[0, 2] == pytest.approx(0.86, abs=0.01)
    assert r[1, 2] == pytest.approx(-0.65, abs=0.01)


def test_h2_input_summary() -> None:
    row = evaluate_multi(h2_spec())["R"].budget
    assert row[0].value == pytest.approx(4.999, abs=0.0005)
    assert row[0].standard_uncertainty == pytest.approx(0.0032, abs=0.00005)
    assert row[1].value == pytest.approx(19.661, abs=0.0005)
    assert row[1].standard_uncertainty == pytest.approx(0.0095, abs=0.00005)
    assert row[2].standard_uncertainty == pytest.approx(0.00075, abs=0.000005)
    assert all(b.dof == 4 for b in row)


def test_h2_willink_dof_is_four() -> None:
    # one ensemble of correlated inputs sharing ν = 4 (Willink's generalisation, as GTC): ν_eff = 4
    m = evaluate_multi(h2_spec(coverage_probability=0.95))
    for r in m.outputs:
        assert r.dof_eff == pytest.approx(4.0, rel=1e-9)


def test_h2_monte_carlo_u_r() -> None:
    # type_a inputs would be sampled as t with ν = 4; the published MCM value uses normal inputs
    spec = h2_spec(method="mcm", trials=200_000, seed=7)
    for q in spec["inputs"]:
        data = np.asarray(q.pop("samples"))
        q.update(
            distribution="normal",
            value=float(data.mean()),
            standard_uncertainty=float(data.std(ddof=1) / 5**0.5),
        )
    r = np.corrcoef([V, I_MA, PHI])
    spec["correlations"] = [["V", "I", r[0, 1]], ["V", "phi", r[0, 2]], ["I", "phi", r[1, 2]]]
    m = evaluate_multi(spec)
    assert m["R"].mcm is not None
    assert m["R"].mcm.standard_uncertainty == pytest.approx(0.071, abs=0.001)


def test_multi_rejects_unknown_measurand() -> None:
    spec = h2_spec()
    spec["measurand"] = [{"name": "Q", "unit": "ohm"}]
    with pytest.raises(InvalidInputError, match="'Q'"):
        evaluate_multi(spec)


T = [21.521, 22.012, 22.512, 23.003, 23.507, 23.999, 24.513, 25.002, 25.503, 26.010, 26.511]
B = [-0.171, -0.169, -0.166, -0.159, -0.164, -0.165, -0.156, -0.157, -0.159, -0.161, -0.160]


def test_h3_parameters() -> None:
    f = line_fit(T, B, x0=20.0)
    assert f.intercept == pytest.approx(-0.1712, abs=5e-5)
    assert f.u_intercept == pytest.approx(0.0029, abs=5e-5)
    assert f.slope == pytest.approx(0.00218, abs=5e-6)
    assert f.u_slope == pytest.approx(0.00067, abs=5e-6)
    assert f.correlation == pytest.approx(-0.930, abs=0.0005)
    assert f.residual_sd == pytest.approx(0.0035, abs=5e-5)
    assert f.dof == 9


def test_h3_correction_at_30_degrees() -> None:
    value, u = line_fit(T, B, x0=20.0).predict(30.0)
    assert value == pytest.approx(-0.1494, abs=5e-5)
    assert u == pytest.approx(0.0041, abs=5e-5)


def test_h3_rejects_degenerate_data() -> None:
    with pytest.raises(InvalidInputError, match="at least 3"):
        line_fit([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="equal"):
        line_fit([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
