"""Write a certificate as a PTB Digital Calibration Certificate (DCC 3.1.2 with D-SI 2.1.0) and validate it.

Mapping (``shared/domain/regulations.md`` §4.3):

* ``coreData``: country ``CN``, used and mandatory languages = the languages of issue, the certificate
  number, receipt and performance dates, location; the replaced certificate as ``previousReport``.
* ``items/item``: name, accuracy class (``equipmentClass``), condition on receipt (``description``),
  manufacturer, model, serial number and customer asset number (``identifications``).
* ``statements``: conformity (pass/fail; 待定 → conditionalPass/conditionalFail by |Δ| vs MPE, §2.3) with
  ``norm`` = the regulation and ``declaration`` = the decision rule; the verification validity; the
  traceability statement; the notes.
* One ``measurementResult`` per result set: ``usedMethods/usedMethod/norm`` = regulation,
  ``measuringEquipments`` with each standard's certificate as ``hashType`` (referral = issuing lab,
  referralID = certificate number, procedure = ``SHA-256`` or ``none``, value = the digest), environment
  and as-found/as-left status (``beforeAdjustment``/``afterAdjustment``) as ``influenceConditions``, one
  ``result`` per point with the error as ``si:real`` + ``si:expandedUnc`` (rounded as on the PDF), the
  reference value, indication and MPE, and the per-point conformity list in ``measurementMetaData``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from lxml import etree

from calib_service.documents.certificate_data import (
    CertificateData,
    Decision,
    MeasurementPoint,
    ResultSet,
    ResultState,
    check_certificate,
)
from calib_service.documents.errors import DccValidationError
from calib_service.documents.i18n import Text, label
from calib_service.documents.rounding import format_number, round_result
from calib_service.documents.units import dsi_unit, unit_symbol

__all__ = ["DCC_NS", "SCHEMA_VERSION", "SI_NS", "dcc_conformity", "render_dcc_xml", "validate_dcc"]

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
SCHEMA_VERSION = "3.1.2"
_NSMAP = {"dcc": DCC_NS, "si": SI_NS}
_E = etree._Element


def _d(parent: _E, tag: str, text: str | None = None) -> _E:
    el = etree.SubElement(parent, f"{{{DCC_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _si(parent: _E, tag: str, text: str | None = None) -> _E:
    el = etree.SubElement(parent, f"{{{SI_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _text(parent: _E, tag: str, text: Text | str, langs: tuple[str, ...]) -> _E:
    """A ``textType``/``richContentType`` with one ``content`` per language that has a text."""
    el = _d(parent, tag)
    if isinstance(text, str):
        _d(el, "content", text)
        return el
    written = False
    for lang in langs:
        value = text.zh if lang == "zh" else text.en
        if value:
            _d(el, "content", value).set("lang", lang)
            written = True
    if not written:  # e.g. an English-only certificate given only Chinese text
        _d(el, "content", text.zh).set("lang", "zh")
    return el


def _lbl(key: str, **fields: object) -> Text:
    return Text(label(key, "zh", **fields), label(key, "en", **fields))


def dcc_conformity(decision: Decision, error: float | None = None, mpe: float | None = None) -> str:
    """The DCC conformity value for a decision (regulations.md §2.3).

    Args:
        decision: pass, fail or undetermined.
        error: The error at the point (needed for undetermined).
        mpe: The MPE at the point (needed for undetermined).

    Returns:
        ``pass``, ``fail``, ``conditionalPass`` (待定 with |Δ| ≤ MPE) or ``conditionalFail`` (|Δ| > MPE).

    >>> dcc_conformity(Decision.UNDETERMINED, -0.55, 0.5)
    'conditionalFail'
    """
    if decision is Decision.PASS:
        return "pass"
    if decision is Decision.FAIL:
        return "fail"
    if error is not None and mpe is not None and abs(error) > mpe:
        return "conditionalFail"
    return "conditionalPass"


def _overall_conformity(data: CertificateData) -> str | None:
    if data.conformity is None:
        return None
    if data.conformity is not Decision.UNDETERMINED:
        return dcc_conformity(data.conformity)
    final = data.results[-1]
    outside = [
        p
        for p in final.points
        if p.decision is Decision.UNDETERMINED and p.mpe is not None and abs(p.error) > p.mpe
    ]
    return "conditionalFail" if outside else "conditionalPass"


def _location(
    parent: _E, tag: str, city: str, country: str, postcode: str, address: Text, langs: tuple[str, ...]
) -> None:
    loc = _d(parent, tag)
    if city:
        _d(loc, "city", city)
    _d(loc, "countryCode", country)
    if postcode:
        _d(loc, "postCode", postcode)
    _text(loc, "further", address, langs)


def _core(admin: _E, data: CertificateData) -> None:
    core = _d(admin, "coreData")
    _d(core, "countryCodeISO3166_1", data.centre.country_code)
    for lang in data.langs:
        _d(core, "usedLangCodeISO639_1", lang)
    for lang in data.langs:
        _d(core, "mandatoryLangCodeISO639_1", lang)
    _d(core, "uniqueIdentifier", data.number)
    ids = _d(core, "identifications")
    ident = _d(ids, "identification")
    _d(ident, "issuer", "calibrationLaboratory")
    _d(ident, "value", data.kind.value)
    _text(ident, "name", _lbl(f"title.{data.kind.value}"), data.langs)
    _d(core, "receiptDate", data.receipt_date.isoformat())
    _d(core, "beginPerformanceDate", data.performance_dates[0].isoformat())
    _d(core, "endPerformanceDate", data.performance_dates[1].isoformat())
    _d(core, "performanceLocation", data.performance_location)
    if data.replaces:
        prev = _d(core, "previousReport")
        _text(prev, "referral", _lbl("replaces"), data.langs)
        _d(prev, "referralID", data.replaces)
        _d(prev, "procedure", "SHA-256" if data.replaces_sha256 else "none")
        _d(prev, "value", data.replaces_sha256)


def _items(admin: _E, data: CertificateData) -> None:
    items = _d(admin, "items")
    item = _d(items, "item")
    _text(item, "name", data.item.description, data.langs)
    if data.item.accuracy_class:
        cls = _d(item, "equipmentClass")
        _d(cls, "reference", data.method.number)
        _d(cls, "classID", data.item.accuracy_class)
    _text(item, "description", data.item.condition_on_receipt, data.langs)
    manu = _d(item, "manufacturer")
    _text(manu, "name", data.item.manufacturer, data.langs)
    _d(item, "model", data.item.model)
    ids = _d(item, "identifications")
    ident = _d(ids, "identification")
    _d(ident, "issuer", "manufacturer")
    _d(ident, "value", data.item.serial_number)
    _text(ident, "name", _lbl("serial"), data.langs)
    if data.item.customer_asset_number:
        ident = _d(ids, "identification")
        _d(ident, "issuer", "customer")
        _d(ident, "value", data.item.customer_asset_number)


def _parties(admin: _E, data: CertificateData) -> None:
    c = data.centre
    lab = _d(admin, "calibrationLaboratory")
    _d(lab, "calibrationLaboratoryCode", c.laboratory_code or c.authorisation_number)
    contact = _d(lab, "contact")
    _text(contact, "name", c.name, data.langs)
    _d(contact, "eMail", c.email)
    if c.phone:
        _d(contact, "phone", c.phone)
    _location(contact, "location", c.city, c.country_code, c.postcode, c.address, data.langs)
    persons = _d(admin, "respPersons")
    for person, key, main in (
        (data.performed_by, "performed_by", False),
        (data.reviewed_by, "reviewed_by", False),
        (data.authorised_by, "authorised_by", True),
    ):
        rp = _d(persons, "respPerson")
        who = _d(rp, "person")
        _text(who, "name", person.name, data.langs)
        _d(rp, "role", person.role or label(key, "en"))
        _d(rp, "mainSigner", "true" if main else "false")
    cu = data.customer
    customer = _d(admin, "customer")
    _text(customer, "name", cu.name, data.langs)
    _d(customer, "eMail", cu.email)
    _location(customer, "location", cu.city, cu.country_code, cu.postcode, cu.address, data.langs)


def _statements(admin: _E, data: CertificateData) -> None:
    statements = _d(admin, "statements")
    conformity = _overall_conformity(data)
    if conformity is not None:
        st = _d(statements, "statement")
        _d(st, "norm", data.method.number)
        _text(st, "declaration", data.decision_rule, data.langs)
        _d(st, "conformity", conformity)
    if data.validity is not None:
        st = _d(statements, "statement")
        _d(st, "norm", data.method.number)
        months = data.validity.period_months
        period = Text(
            f"{label('period', 'zh')}: {label('months', 'zh', n=months)}",
            f"{label('period', 'en')}: {label('months', 'en', n=months)}",
        )
        _text(st, "declaration", period, data.langs)
        _d(st, "valid", "true")
        _d(st, "date", data.validity.valid_until.isoformat())
        _d(st, "period", f"P{months}M")
    st = _d(statements, "statement")
    _d(st, "traceable", "true")
    _text(st, "declaration", data.traceability_statement, data.langs)
    for note in data.notes:
        st = _d(statements, "statement")
        _text(st, "declaration", note, data.langs)


def _real(parent: _E, value: str, unit: str, u: str | None = None, k: float = 2.0, p: float = 0.95) -> None:
    real = _si(parent, "real")
    _si(real, "value", value)
    _si(real, "unit", dsi_unit(unit))
    if u is not None:
        unc = _si(real, "expandedUnc")
        _si(unc, "uncertainty", u)
        _si(unc, "coverageFactor", format_number(k))
        _si(unc, "coverageProbability", format_number(p))


def _quantity(data_el: _E, name: Text, langs: tuple[str, ...]) -> _E:
    q = _d(data_el, "quantity")
    _text(q, "name", name, langs)
    return q


def _point_result(results: _E, point: MeasurementPoint, langs: tuple[str, ...]) -> None:
    res = _d(results, "result")
    _text(res, "name", point.label, langs)
    data_el = _d(res, "data")
    if point.uncertainty is None or point.k is None:  # a check judged against its limit: no budget
        # its value is what the check measures (T90, drift, a pulse count), not an error of indication
        _real(_quantity(data_el, _lbl("col.measured"), langs), format_number(point.error), point.error_unit)
    else:
        error, u, _ = round_result(point.error, point.uncertainty)
        _real(
            _quantity(data_el, _lbl("col.error"), langs),
            error,
            point.error_unit,
            u,
            point.k,
            point.coverage_probability,
        )
    if point.reference_value is not None:
        _real(
            _quantity(data_el, _lbl("col.reference"), langs),
            format_number(point.reference_value),
            point.value_unit,
        )
    if point.indication is not None:
        _real(
            _quantity(data_el, _lbl("col.indication"), langs),
            format_number(point.indication),
            point.value_unit,
        )
    if point.mpe is not None:
        _real(_quantity(data_el, _lbl("col.mpe"), langs), format_number(point.mpe), point.error_unit)


def _equipments(mr: _E, data: CertificateData) -> None:
    if not data.standards:
        return
    eqs = _d(mr, "measuringEquipments")
    for s in data.standards:
        eq = _d(eqs, "measuringEquipment")
        _text(eq, "name", s.name, data.langs)
        u = f"U = {format_number(s.uncertainty)} {unit_symbol(s.uncertainty_unit)}, k = {format_number(s.k)}"
        _text(
            eq,
            "description",
            Text(
                f"{u}；有效期至 {s.valid_until.isoformat()}", f"{u}; valid until {s.valid_until.isoformat()}"
            ),
            data.langs,
        )
        cert = _d(eq, "certificate")
        _text(cert, "referral", s.issuing_lab, data.langs)
        _d(cert, "referralID", s.certificate_number)
        _d(cert, "procedure", "SHA-256" if s.certificate_sha256 else "none")
        _d(cert, "value", s.certificate_sha256)
        ids = _d(eq, "identifications")
        ident = _d(ids, "identification")
        _d(ident, "issuer", "manufacturer")
        _d(ident, "value", s.serial_number)


def _influences(mr: _E, data: CertificateData, rs: ResultSet) -> None:
    if not data.environment and rs.state is None:
        return
    conds = _d(mr, "influenceConditions")
    if rs.state is not None:
        cond = _d(conds, "influenceCondition")
        _text(cond, "name", _lbl(f"state.{rs.state.value}"), data.langs)
        _d(cond, "status", "beforeAdjustment" if rs.state is ResultState.AS_FOUND else "afterAdjustment")
        _text(_d(cond, "data"), "text", _lbl(f"state.{rs.state.value}"), data.langs)
    for env in data.environment:
        cond = _d(conds, "influenceCondition")
        _text(cond, "name", env.quantity, data.langs)
        _real(_quantity(_d(cond, "data"), env.quantity, data.langs), format_number(env.value), env.unit)


def _measurement_result(parent: _E, data: CertificateData, rs: ResultSet) -> None:
    mr = _d(parent, "measurementResult")
    name = rs.name
    if rs.state is not None:
        state = _lbl(f"state.{rs.state.value}")
        name = Text(f"{rs.name.zh} — {state.zh}", f"{rs.name.en or rs.name.zh} — {state.en}")
    _text(mr, "name", name, data.langs)
    methods = _d(mr, "usedMethods")
    method = _d(methods, "usedMethod")
    _text(method, "name", data.method.title, data.langs)
    _d(method, "norm", data.method.number)
    sw = _d(_d(mr, "usedSoftware"), "software")
    _text(sw, "name", data.software.name, data.langs)
    _d(sw, "release", data.software.version)
    _d(sw, "type", "application")
    _equipments(mr, data)
    _influences(mr, data, rs)
    results = _d(mr, "results")
    for point in rs.points:
        _point_result(results, point, data.langs)
    decided = [p for p in rs.points if p.decision is not None]
    if decided and len(decided) == len(rs.points):
        meta = _d(_d(mr, "measurementMetaData"), "metaData")
        _d(meta, "norm", data.method.number)
        _text(meta, "declaration", data.decision_rule, data.langs)
        values = [dcc_conformity(p.decision, p.error, p.mpe) for p in decided if p.decision is not None]
        _d(meta, "conformityXMLList", " ".join(values))


def render_dcc_xml(data: CertificateData, *, pdf: bytes | None = None) -> bytes:
    """Write ``data`` as a DCC 3.1.2 XML document (UTF-8).

    Args:
        data: The certificate data.
        pdf: The human-readable certificate to embed as ``document`` (base64), or None.

    Returns:
        The XML bytes; the same input gives the same bytes.

    Raises:
        CertificateRefused: A verification whose outcome is undetermined (待定).
        CertificateDataError: Inconsistent data.
        DocumentError: A unit without D-SI mapping.
    """
    check_certificate(data)
    root = etree.Element(f"{{{DCC_NS}}}digitalCalibrationCertificate", nsmap=_NSMAP)
    root.set("schemaVersion", SCHEMA_VERSION)
    admin = _d(root, "administrativeData")
    sw = _d(_d(admin, "dccSoftware"), "software")
    _text(sw, "name", data.software.name, data.langs)
    _d(sw, "release", data.software.version)
    _d(sw, "type", "application")
    _core(admin, data)
    _items(admin, data)
    _parties(admin, data)
    _statements(admin, data)
    results = _d(root, "measurementResults")
    for rs in data.results:
        _measurement_result(results, data, rs)
    if pdf is not None:
        doc = _d(root, "document")
        _d(doc, "fileName", f"{data.number}.pdf")
        _d(doc, "mimeType", "application/pdf")
        _d(doc, "dataBase64", base64.b64encode(pdf).decode("ascii"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def validate_dcc(xml_bytes: bytes, xsd_path: str | Path) -> None:
    """Validate a DCC document against ``dcc.xsd`` (which imports ``SI_Format.xsd`` from its folder).

    Args:
        xml_bytes: The document.
        xsd_path: Path of ``dcc.xsd``, e.g. ``shared/dcc/dcc.xsd`` beside the repository.

    Raises:
        DccValidationError: The XML is not well formed or violates the schema; ``violations`` lists
            each violation with its line.
        FileNotFoundError: ``xsd_path`` does not exist.
    """
    path = Path(xsd_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"DCC schema {path} not found; pass the path of shared/dcc/dcc.xsd")
    schema = _schema(str(path))
    try:
        doc = etree.fromstring(xml_bytes, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise DccValidationError(f"DCC is not well-formed XML: {exc}", (str(exc),)) from exc
    if schema.validate(doc):
        return
    log = cast(Iterable[Any], schema.error_log)  # lxml-stubs lack _ErrorLog.__iter__
    violations = tuple(f"line {e.line}: {e.message}" for e in log)
    shown = "; ".join(violations[:5]) + (f"; ... ({len(violations)} in all)" if len(violations) > 5 else "")
    raise DccValidationError(f"DCC does not validate against {path.name}: {shown}", violations)
