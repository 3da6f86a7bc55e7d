"""Plain data of a verification certificate, a verification-result notice or a calibration certificate.

These frozen dataclasses are everything a renderer needs; they know nothing of the database. The
calibration service fills them from its records. Content follows ISO/IEC 17025:2017 7.8.2 and 7.8.4,
JJF 1059.1-2012 (reporting U and k) and the certificate formats annexed to the JJG regulations.

:func:`check_certificate` is called by every renderer: it refuses an undetermined verification and
reports inconsistent data with the name of the offending field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum

from calib_service.documents.errors import CertificateDataError, CertificateRefused
from calib_service.documents.i18n import SUPPORTED_LANGS, Text

__all__ = [
    "Centre",
    "CertificateData",
    "CertificateKind",
    "Customer",
    "Decision",
    "EnvironmentCondition",
    "Item",
    "MeasurementPoint",
    "Method",
    "Person",
    "ResultSet",
    "ResultState",
    "Software",
    "StandardUsed",
    "VerificationValidity",
    "check_certificate",
]


class CertificateKind(StrEnum):
    """Which document is issued (JJG annexes: 检定证书 on pass, 检定结果通知书 on fail; JJF: 校准证书)."""

    VERIFICATION = "verification"
    VERIFICATION_NOTICE = "verification_notice"
    CALIBRATION = "calibration"


class Decision(StrEnum):
    """Outcome of a conformity decision (JJF 1094-2002; ILAC-G8 binary rules)."""

    PASS = "pass"
    FAIL = "fail"
    UNDETERMINED = "undetermined"


class ResultState(StrEnum):
    """Whether a result set was measured before or after adjustment (ISO/IEC 17025 7.8.4.1 a)."""

    AS_FOUND = "as_found"
    AS_LEFT = "as_left"


@dataclass(frozen=True)
class Centre:
    """The issuing laboratory.

    Attributes:
        name: Name of the centre.
        address: Postal address as printed.
        email: Contact e-mail (required by DCC 3.1.2).
        authorisation_number: 计量授权证书号 (the centre's legal authorisation).
        standard_certificate_numbers: 计量标准考核证书号 of the standards behind this work.
        city: City for the DCC location.
        postcode: Postcode for the DCC location.
        country_code: ISO 3166-1 alpha-2 code.
        phone: Telephone number, may be empty.
        laboratory_code: Accreditation or laboratory code, may be empty.
    """

    name: Text
    address: Text
    email: str
    authorisation_number: str
    standard_certificate_numbers: tuple[str, ...] = ()
    city: str = "重庆"
    postcode: str = ""
    country_code: str = "CN"
    phone: str = ""
    laboratory_code: str = ""


@dataclass(frozen=True)
class Customer:
    """The customer (委托单位).

    Attributes:
        name: Name of the customer.
        address: Postal address as printed.
        email: Contact e-mail (required by DCC 3.1.2).
        city: City for the DCC location.
        postcode: Postcode for the DCC location.
        country_code: ISO 3166-1 alpha-2 code.
    """

    name: Text
    address: Text
    email: str
    city: str = ""
    postcode: str = ""
    country_code: str = "CN"


@dataclass(frozen=True)
class Item:
    """The item calibrated or verified.

    Attributes:
        description: What it is, e.g. 电子式交流电能表.
        manufacturer: Manufacturer's name.
        model: Model or type designation.
        serial_number: Manufacturer's serial number (出厂编号).
        accuracy_class: Accuracy class as marked, e.g. ``"1"`` or ``"0.5S"``; may be empty.
        condition_on_receipt: Condition when received (ISO/IEC 17025 7.8.2.1 e).
        customer_asset_number: The customer's own identifier, may be empty.
    """

    description: Text
    manufacturer: str
    model: str
    serial_number: str
    accuracy_class: str = ""
    condition_on_receipt: Text = field(
        default_factory=lambda: Text("外观完好，功能正常", "No visible damage")
    )
    customer_asset_number: str = ""


@dataclass(frozen=True)
class Method:
    """The regulation or specification followed.

    Attributes:
        number: Number with edition, e.g. ``"JJG 596-2012"``.
        title: Its title, e.g. 电子式交流电能表.
    """

    number: str
    title: Text


@dataclass(frozen=True)
class EnvironmentCondition:
    """One environmental condition during the work.

    Attributes:
        quantity: e.g. 温度 / Temperature.
        value: The measured value.
        unit: A pint-style unit string (``degC``, ``percent``, ``kPa``; see :mod:`.units`).
    """

    quantity: Text
    value: float
    unit: str


@dataclass(frozen=True)
class StandardUsed:
    """A measurement standard used, with its own certificate (the traceability link).

    Attributes:
        name: Name of the standard.
        serial_number: Its serial number.
        certificate_number: Number of the certificate that calibrated it.
        issuing_lab: The laboratory that issued that certificate.
        uncertainty: Its expanded uncertainty U (magnitude).
        uncertainty_unit: Unit of ``uncertainty`` (pint style, e.g. ``percent``).
        k: Coverage factor of ``uncertainty``.
        valid_until: End of validity of its certificate.
        certificate_sha256: Hex SHA-256 of its certificate file (DCC or PDF), empty when unknown.
    """

    name: Text
    serial_number: str
    certificate_number: str
    issuing_lab: Text
    uncertainty: float
    uncertainty_unit: str
    k: float
    valid_until: dt.date
    certificate_sha256: str = ""


@dataclass(frozen=True)
class MeasurementPoint:
    """One row of a result table.

    Attributes:
        label: The test point, e.g. ``Ib, cosφ=1``.
        error: The error found (the measurand reported).
        error_unit: Unit of ``error``, ``mpe`` and ``uncertainty`` (pint style).
        uncertainty: Expanded uncertainty U of ``error``; None for a check the regulation judges by
            comparing the value with its limit (response time, drift, repeatability), which has no budget.
        k: Coverage factor of U (None exactly when ``uncertainty`` is None).
        reference_value: Value of the standard, or None when not reported.
        indication: Indication of the item, or None when not reported.
        value_unit: Unit of ``reference_value`` and ``indication``.
        mpe: Maximum permissible error (absolute value) at the point, or None.
        decision: Conformity at the point, or None when no decision is made.
        coverage_probability: The coverage probability of U (0.95 by default).
    """

    label: Text
    error: float
    error_unit: str
    uncertainty: float | None
    k: float | None
    reference_value: float | None = None
    indication: float | None = None
    value_unit: str = ""
    mpe: float | None = None
    decision: Decision | None = None
    coverage_probability: float = 0.95


@dataclass(frozen=True)
class ResultSet:
    """A table of results measured in one state of the item.

    Attributes:
        name: Heading of the table, e.g. 基本误差.
        points: The rows.
        state: As found / as left, or None when no adjustment was made.
    """

    name: Text
    points: tuple[MeasurementPoint, ...]
    state: ResultState | None = None


@dataclass(frozen=True)
class VerificationValidity:
    """Validity of a verification (检定周期 and 有效期至).

    Attributes:
        period_months: The verification period in months.
        valid_until: Last day of validity.
    """

    period_months: int
    valid_until: dt.date


@dataclass(frozen=True)
class Person:
    """A responsible person.

    Attributes:
        name: Name as printed.
        role: Role as printed (may be empty; the renderers print their own role labels).
    """

    name: str
    role: str = ""


@dataclass(frozen=True)
class Software:
    """Software that produced the certificate.

    Attributes:
        name: Product name.
        version: Release.
    """

    name: str
    version: str


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate or written into its DCC.

    Attributes:
        kind: Which document this is.
        number: The unique certificate number, printed on every page.
        centre: The issuing laboratory.
        customer: The customer.
        item: The item.
        receipt_date: Date the item was received.
        performance_dates: First and last date of the work (the same date twice for one day).
        issue_date: Date of issue; also fixes the PDF's creation date.
        location: Where the work was done (zh/en text) and its DCC category.
        method: The regulation or specification.
        environment: Environmental conditions.
        standards: Standards used.
        traceability_statement: How the standards are traceable to SI.
        results: One or more result sets (as found, as left).
        decision_rule: The decision rule and its risk, as printed (ISO/IEC 17025 7.8.6).
        conformity: Overall conformity, or None when no statement of conformity is made.
        performed_by: Who did the work.
        reviewed_by: Who checked it.
        authorised_by: The authorised signatory (批准人).
        software: The producing software.
        langs: Languages the certificate is issued in; ``zh`` first.
        validity: Verification period and end; only on verification certificates, or on a calibration
            certificate when the customer asked for a due date.
        validity_requested_by_customer: True when a calibration customer asked for a due date.
        performance_location: DCC category: laboratory, customer, laboratoryBranch, customerBranch, other.
        replaces: Number of the certificate this one replaces (ISO/IEC 17025 7.8.8), or empty.
        replaces_sha256: Hex SHA-256 of the replaced certificate's file, empty when unknown.
        notes: Free notes printed at the end.
    """

    kind: CertificateKind
    number: str
    centre: Centre
    customer: Customer
    item: Item
    receipt_date: dt.date
    performance_dates: tuple[dt.date, dt.date]
    issue_date: dt.date
    location: Text
    method: Method
    environment: tuple[EnvironmentCondition, ...]
    standards: tuple[StandardUsed, ...]
    traceability_statement: Text
    results: tuple[ResultSet, ...]
    decision_rule: Text
    conformity: Decision | None
    performed_by: Person
    reviewed_by: Person
    authorised_by: Person
    software: Software
    langs: tuple[str, ...] = ("zh",)
    validity: VerificationValidity | None = None
    validity_requested_by_customer: bool = False
    performance_location: str = "laboratory"
    replaces: str = ""
    replaces_sha256: str = ""
    notes: tuple[Text, ...] = ()


_LOCATIONS = ("laboratory", "customer", "laboratoryBranch", "customerBranch", "other")


def _fail(data: CertificateData, what: str) -> CertificateDataError:
    return CertificateDataError(f"certificate {data.number or '(no number)'}: {what}")


def _check_kind(data: CertificateData) -> None:
    if data.kind in (CertificateKind.VERIFICATION, CertificateKind.VERIFICATION_NOTICE):
        if data.conformity is Decision.UNDETERMINED:
            raise CertificateRefused(
                f"certificate {data.number}: the verification outcome is undetermined (待定); "
                "no verification certificate or notice is issued. Reduce the measurement uncertainty "
                "and repeat the verification, or calibrate the item instead (校准证书)"
            )
        wanted = Decision.PASS if data.kind is CertificateKind.VERIFICATION else Decision.FAIL
        if data.conformity is not wanted:
            raise _fail(
                data,
                f"kind {data.kind.value!r} needs conformity {wanted.value!r}, got "
                f"{data.conformity.value if data.conformity else None!r}; a pass gets 'verification' "
                "(检定证书), a fail 'verification_notice' (检定结果通知书)",
            )
    if data.kind is CertificateKind.VERIFICATION and data.validity is None:
        raise _fail(data, "a verification certificate needs 'validity' (检定周期 and 有效期至)")
    if data.kind is CertificateKind.VERIFICATION_NOTICE and data.validity is not None:
        raise _fail(data, "a verification-result notice (fail) carries no 'validity'; set it to None")
    if (
        data.kind is CertificateKind.CALIBRATION
        and data.validity is not None
        and not data.validity_requested_by_customer
    ):
        raise _fail(
            data,
            "a calibration certificate states no validity unless the customer asked for it; set "
            "validity=None or validity_requested_by_customer=True",
        )


def _check_points(data: CertificateData) -> None:
    if not data.results:
        raise _fail(data, "'results' is empty; give at least one result set")
    for rs in data.results:
        if not rs.points:
            raise _fail(data, f"result set {rs.name.zh!r} has no points")
        for p in rs.points:
            where = f"point {p.label.zh!r} of result set {rs.name.zh!r}"
            if (p.uncertainty is None) != (p.k is None):
                raise _fail(data, f"{where}: give both U and k, or neither (a check without a budget)")
            for name, value in (("error", p.error), ("uncertainty", p.uncertainty), ("k", p.k)):
                if value is not None and not math.isfinite(value):
                    raise _fail(data, f"{where}: {name} = {value!r} is not a finite number")
            if p.uncertainty is not None and p.uncertainty < 0:
                raise _fail(data, f"{where}: expanded uncertainty {p.uncertainty!r} is negative")
            if p.k is not None and p.k < 1:
                raise _fail(data, f"{where}: coverage factor k = {p.k!r} is below 1")
            if not 0 < p.coverage_probability <= 1:
                raise _fail(
                    data, f"{where}: coverage probability {p.coverage_probability!r} is not in (0, 1]"
                )
            if p.mpe is not None and p.mpe < 0:
                raise _fail(data, f"{where}: mpe {p.mpe!r} must be given as an absolute value (>= 0)")
            if (
                p.decision is Decision.UNDETERMINED
                and data.kind is not CertificateKind.CALIBRATION
                and rs.state is not ResultState.AS_FOUND
            ):
                raise CertificateRefused(
                    f"certificate {data.number}: {where} is undetermined (待定); a verification document "
                    "cannot be issued with an undetermined final result"
                )
    final = data.results[-1]
    if data.kind is CertificateKind.VERIFICATION:
        failed = [p.label.zh for p in final.points if p.decision is Decision.FAIL]
        if failed:
            raise _fail(
                data, f"a passed verification has failed points {failed}; issue a 'verification_notice'"
            )
    states = [rs.state for rs in data.results if rs.state is not None]
    if ResultState.AS_LEFT in states and ResultState.AS_FOUND not in states:
        raise _fail(
            data, "there is an as-left result set but no as-found one; report both (ISO/IEC 17025 7.8.4)"
        )


def check_certificate(data: CertificateData) -> None:
    """Check that ``data`` can be issued; every renderer calls this first.

    Args:
        data: The certificate data.

    Raises:
        CertificateRefused: The verification outcome is undetermined (待定): no document is issued.
        CertificateDataError: A field is missing or inconsistent; the message names it.
    """
    if not data.number.strip():
        raise _fail(data, "'number' is empty; every certificate needs a unique number")
    _check_kind(data)
    if (
        not data.langs
        or data.langs[0] not in SUPPORTED_LANGS
        or any(lang not in SUPPORTED_LANGS for lang in data.langs)
    ):
        raise _fail(data, f"langs {data.langs!r} must be taken from {SUPPORTED_LANGS!r}")
    if len(set(data.langs)) != len(data.langs):
        raise _fail(data, f"langs {data.langs!r} repeats a language")
    begin, end = data.performance_dates
    if end < begin:
        raise _fail(data, f"performance dates {begin} .. {end} are reversed")
    if data.receipt_date > begin:
        raise _fail(data, f"receipt date {data.receipt_date} is after the start of the work {begin}")
    if data.issue_date < end:
        raise _fail(data, f"issue date {data.issue_date} is before the end of the work {end}")
    if data.performance_location not in _LOCATIONS:
        raise _fail(data, f"performance_location {data.performance_location!r} is not one of {_LOCATIONS}")
    if not data.centre.email or not data.customer.email:
        raise _fail(data, "centre and customer need an e-mail address (DCC 3.1.2 requires eMail)")
    if data.validity is not None and data.validity.period_months <= 0:
        raise _fail(data, f"validity period {data.validity.period_months} months must be positive")
    if not data.authorised_by.name.strip():
        raise _fail(data, "'authorised_by' has no name; a certificate needs an authorised signatory")
    _check_points(data)
