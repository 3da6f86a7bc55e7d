"""Worked example data: a JJG 596-2012 verification of an electricity meter and a gas-analyser calibration.

Used by the tests, the docs and ``calib demo``-style previews. The people, companies and numbers are
invented; the regulation numbers and limits follow ``shared/domain/regulations.md`` (class 1 meter,
±1.0 % at PF = 1 from 0.1 Ib to Imax, ±1.5 % from 0.05 Ib to 0.1 Ib).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from calib_service.documents.certificate_data import (
    Centre,
    CertificateData,
    CertificateKind,
    Customer,
    Decision,
    EnvironmentCondition,
    Item,
    MeasurementPoint,
    Method,
    Person,
    ResultSet,
    ResultState,
    Software,
    StandardUsed,
    VerificationValidity,
)
from calib_service.documents.i18n import Text

__all__ = ["SAMPLE_CENTRE", "sample_calibration", "sample_verification"]

SAMPLE_CENTRE = Centre(
    name=Text("重庆市碳计量中心", "Chongqing Carbon Metrology Centre"),
    address=Text("重庆市渝北区示例路 1 号", "1 Example Road, Yubei District, Chongqing"),
    email="calib@example.cn",
    authorisation_number="(渝)法计(2026)00001号",
    standard_certificate_numbers=("[2026]渝量标证字第0101号", "[2026]渝量标证字第0102号"),
    city="重庆",
    postcode="401120",
    phone="023-00000000",
)

_CUSTOMER = Customer(
    name=Text("重庆示例水泥有限公司", "Chongqing Example Cement Co., Ltd."),
    address=Text("重庆市江津区示例工业园 8 号", "8 Example Industrial Park, Jiangjin District, Chongqing"),
    email="energy@example-cement.cn",
    city="重庆",
    postcode="402260",
)

_STANDARD = StandardUsed(
    name=Text("三相标准电能表", "Three-phase reference energy meter"),
    serial_number="RM-2026-017",
    certificate_number="DLj2026-04417",
    issuing_lab=Text("中国计量科学研究院", "National Institute of Metrology, China"),
    uncertainty=0.02,
    uncertainty_unit="percent",
    k=2.0,
    valid_until=dt.date(2027, 5, 31),
    certificate_sha256="5f1d4c0a7b3e2d9c8f6a1b0e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a",
)


_GAS_STANDARD = StandardUsed(
    name=Text("氮中二氧化碳气体标准物质", "CO₂ in N₂ gas reference material"),
    serial_number="CYL-8821",
    certificate_number="RM-CO2-2026-031",
    issuing_lab=Text("示例标准物质研制单位", "Example reference-material producer"),
    uncertainty=1.0,
    uncertainty_unit="percent",
    k=2.0,
    valid_until=dt.date(2027, 8, 31),
)


def _point(
    label_zh: str, label_en: str, error: float, u: float, mpe: float, decision: Decision
) -> MeasurementPoint:
    return MeasurementPoint(
        label=Text(label_zh, label_en),
        error=error,
        error_unit="percent",
        uncertainty=u,
        k=2.0,
        mpe=mpe,
        decision=decision,
    )


def sample_verification(langs: tuple[str, ...] = ("zh", "en")) -> CertificateData:
    """A passed JJG 596-2012 verification of a class 1 direct-connected meter (检定证书).

    Args:
        langs: Languages of issue.

    Returns:
        The certificate data.
    """
    points = (
        _point("Imax, cosφ=1.0", "Imax, PF 1.0", -0.19961, 0.0342, 1.0, Decision.PASS),
        _point("Ib, cosφ=1.0", "Ib, PF 1.0", 0.1249, 0.0342, 1.0, Decision.PASS),
        _point("0.1Ib, cosφ=1.0", "0.1 Ib, PF 1.0", 0.412, 0.061, 1.0, Decision.PASS),
        _point("0.05Ib, cosφ=1.0", "0.05 Ib, PF 1.0", 0.83, 0.12, 1.5, Decision.PASS),
    )
    return CertificateData(
        kind=CertificateKind.VERIFICATION,
        number="CQCM-JD-2026-000123",
        centre=SAMPLE_CENTRE,
        customer=_CUSTOMER,
        item=Item(
            description=Text("电子式交流电能表", "Electronic AC active energy meter"),
            manufacturer="示例电气股份有限公司",
            model="DTZY-1",
            serial_number="2026110042",
            accuracy_class="1",
            condition_on_receipt=Text("外观完好，铅封完整", "No visible damage, seals intact"),
        ),
        receipt_date=dt.date(2026, 11, 24),
        performance_dates=(dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
        issue_date=dt.date(2026, 11, 30),
        location=Text("本中心电能计量实验室", "Electrical energy laboratory of the centre"),
        method=Method("JJG 596-2012", Text("电子式交流电能表", "Electronic AC Energy Meters")),
        environment=(
            EnvironmentCondition(Text("温度", "Temperature"), 22.6, "degC"),
            EnvironmentCondition(Text("相对湿度", "Relative humidity"), 48.0, "percent_RH"),
        ),
        standards=(_STANDARD,),
        traceability_statement=Text(
            "所用计量标准的量值溯源至国家计量基准（SI 单位）。",
            "The standards used are traceable to the national primary standards realising the SI units.",
        ),
        results=(ResultSet(Text("基本误差", "Basic error"), points),),
        decision_rule=Text(
            "按 JJF 1094-2002：U95 ≤ MPEV/3 时以 |Δ| ≤ MPEV 判定合格；否则以 |Δ| ≤ MPEV − U95 判定合格，"
            "介于其间为待定。",
            "JJF 1094-2002: with U95 ≤ MPEV/3 the item passes when |Δ| ≤ MPEV; otherwise it passes when "
            "|Δ| ≤ MPEV − U95, fails when |Δ| ≥ MPEV + U95, and is undetermined in between.",
        ),
        conformity=Decision.PASS,
        performed_by=Person("张三"),
        reviewed_by=Person("李四"),
        authorised_by=Person("王五", "技术负责人"),
        software=Software("calib-service", "0.1.0"),
        langs=langs,
        validity=VerificationValidity(period_months=96, valid_until=dt.date(2034, 11, 25)),
        notes=(Text("检定时电压 220 V，频率 50 Hz。", "Tested at 220 V, 50 Hz."),),
    )


def sample_calibration(langs: tuple[str, ...] = ("zh", "en")) -> CertificateData:
    """A CO₂ analyser calibration with as-found and as-left results (校准证书).

    Args:
        langs: Languages of issue.

    Returns:
        The certificate data.
    """
    base = sample_verification(langs)

    def pt(conc: float, ind: float, u: float) -> MeasurementPoint:
        return MeasurementPoint(
            label=Text(f"{conc:g} μmol/mol CO₂/N₂", f"{conc:g} µmol/mol CO₂ in N₂"),
            error=ind - conc,
            error_unit="ppm",
            uncertainty=u,
            k=2.0,
            reference_value=conc,
            indication=ind,
            value_unit="ppm",
        )

    as_found = ResultSet(
        Text("示值误差", "Indication error"),
        (pt(400, 409.3, 4.1), pt(1000, 1021.0, 9.6)),
        ResultState.AS_FOUND,
    )
    as_left = ResultSet(
        Text("示值误差", "Indication error"),
        (pt(400, 401.2, 4.1), pt(1000, 1002.4, 9.6)),
        ResultState.AS_LEFT,
    )
    return replace(
        base,
        kind=CertificateKind.CALIBRATION,
        number="CQCM-JZ-2026-000456",
        item=Item(
            description=Text("二氧化碳红外气体分析器", "NDIR carbon dioxide analyser"),
            manufacturer="Example Analytics GmbH",
            model="CO2-IR 3000",
            serial_number="A3K-77120",
        ),
        method=Method(
            "JJG 635-2011",
            Text(
                "一氧化碳、二氧化碳红外气体分析器（参照执行）",
                "CO/CO₂ NDIR analysers (followed as the method)",
            ),
        ),
        location=Text("本中心气体分析实验室", "Gas analysis laboratory of the centre"),
        standards=(_GAS_STANDARD,),
        results=(as_found, as_left),
        conformity=None,
        validity=None,
        decision_rule=Text("不作符合性判定。", "No statement of conformity was requested."),
        replaces="CQCM-JZ-2026-000400",
        notes=(),
    )
