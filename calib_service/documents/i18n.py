"""Bilingual text and the fixed labels printed on certificates and reports.

Certificates are issued in Chinese (``zh``, the default) and optionally in English (``en``). Every piece of
free text in the data classes is a :class:`Text` that carries both; the renderers pick one with
:meth:`Text.get`. Fixed labels (headings, column names) live in :data:`LABELS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from calib_service.documents.errors import DocumentError

__all__ = ["EMPTY_TEXT", "LABELS", "SUPPORTED_LANGS", "Text", "check_lang", "label"]

SUPPORTED_LANGS: tuple[str, ...] = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """A text in Chinese with an optional English version.

    Attributes:
        zh: The Chinese text (the text of record).
        en: The English text; empty when there is none.
    """

    zh: str
    en: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang``; English falls back to Chinese when no English text was given.

        Args:
            lang: ``"zh"`` or ``"en"``.

        Returns:
            The text to print.
        """
        if lang == "en" and self.en:
            return self.en
        return self.zh

    def __bool__(self) -> bool:
        return bool(self.zh or self.en)


EMPTY_TEXT = Text("")
"""An empty text (a shared immutable default)."""


def check_lang(lang: str, allowed: tuple[str, ...] = SUPPORTED_LANGS) -> str:
    """Return ``lang`` when it is one of ``allowed``.

    Args:
        lang: A two-letter ISO 639-1 code.
        allowed: The codes accepted here.

    Returns:
        ``lang`` unchanged.

    Raises:
        DocumentError: ``lang`` is not allowed.
    """
    if lang not in allowed:
        raise DocumentError(f"language {lang!r} is not available here; use one of {', '.join(allowed)}")
    return lang


# key -> (zh, en)
LABELS: dict[str, tuple[str, str]] = {
    # certificate titles
    "title.verification": ("检定证书", "Verification Certificate"),
    "title.verification_notice": ("检定结果通知书", "Notification of Verification Result"),
    "title.calibration": ("校准证书", "Calibration Certificate"),
    # page furniture
    "cert_no": ("证书编号", "Certificate No."),
    "page_of": ("第 {page} 页 共 {pages} 页", "Page {page} of {pages}"),
    "authorisation_no": ("计量授权证书号", "Authorisation No."),
    "standard_cert_nos": ("计量标准考核证书号", "Measurement standard certificate No."),
    # administrative block
    "customer": ("委托单位", "Customer"),
    "customer_address": ("委托单位地址", "Customer address"),
    "item": ("计量器具名称", "Instrument"),
    "manufacturer": ("制造单位", "Manufacturer"),
    "model": ("型号规格", "Model"),
    "serial": ("出厂编号", "Serial number"),
    "accuracy_class": ("准确度等级", "Accuracy class"),
    "condition": ("接收时状态", "Condition on receipt"),
    "receipt_date": ("接收日期", "Date of receipt"),
    "performance_date": ("检定/校准日期", "Date(s) of performance"),
    "issue_date": ("签发日期", "Date of issue"),
    "location": ("地点", "Location"),
    "method": ("依据的技术文件", "Method / regulation"),
    "conclusion": ("结论", "Conclusion"),
    "valid_until": ("有效期至", "Valid until"),
    "period": ("检定周期", "Verification period"),
    "months": ("{n} 个月", "{n} months"),
    "performed_by": ("检定/校准员", "Performed by"),
    "performed_by.verification": ("检定员", "Verified by"),
    "performed_by.calibration": ("校准员", "Calibrated by"),
    "performance_date.verification": ("检定日期", "Date of verification"),
    "performance_date.calibration": ("校准日期", "Date(s) of calibration"),
    "sec.results.verification": ("检定结果", "Verification results"),
    "sec.results.calibration": ("校准结果", "Calibration results"),
    "reviewed_by": ("核验员", "Checked by"),
    "authorised_by": ("批准人", "Approved by"),
    "centre_address": ("地址", "Address"),
    "centre_email": ("电子邮箱", "E-mail"),
    "replaces": ("本证书替代证书", "This certificate replaces certificate"),
    # sections
    "sec.environment": ("环境条件", "Environmental conditions"),
    "sec.standards": ("使用的计量标准器具", "Measurement standards used"),
    "sec.traceability": ("溯源性说明", "Traceability"),
    "sec.results": ("检定/校准结果", "Results"),
    "sec.decision_rule": ("判定规则与风险", "Decision rule and risk"),
    "sec.conformity": ("符合性声明", "Statement of conformity"),
    "sec.failed_points": ("不合格项目", "Points that failed"),
    "sec.notes": ("备注", "Notes"),
    "sec.software": ("数据处理软件", "Software"),
    # table columns
    "col.quantity": ("参量", "Quantity"),
    "col.value": ("量值", "Value"),
    "col.name": ("名称", "Name"),
    "col.std_serial": ("编号", "Serial No."),
    "col.std_cert": ("证书编号", "Certificate No."),
    "col.std_lab": ("溯源机构", "Issued by"),
    "col.std_u": ("不确定度/准确度", "Uncertainty"),
    "col.std_valid": ("有效期至", "Valid until"),
    "col.point": ("检测点", "Point"),
    "col.reference": ("标准值", "Reference value"),
    "col.indication": ("示值", "Indication"),
    "col.error": ("误差", "Error"),
    "col.measured": ("测得值", "Measured value"),
    "col.mpe": ("最大允许误差", "MPE"),
    "col.u": ("扩展不确定度 U", "Expanded uncertainty U"),
    "col.k": ("k", "k"),
    "col.decision": ("判定", "Decision"),
    # states and decisions
    "state.as_found": ("调整前（接收状态）", "As found (before adjustment)"),
    "state.as_left": ("调整后", "As left (after adjustment)"),
    "decision.pass": ("合格", "Pass"),
    "decision.fail": ("不合格", "Fail"),
    "decision.undetermined": ("待定", "Undetermined"),
    "decision.none": ("—", "—"),
    "uncertainty_note": (
        "扩展不确定度 U 由合成标准不确定度乘以包含因子 k 得到，对应的包含概率约为 {p} %。",
        "The expanded uncertainty U is the combined standard uncertainty multiplied by the coverage "
        "factor k, corresponding to a coverage probability of about {p} %.",
    ),
    "statement.scope": (
        "本证书的结果仅对所检器具在检定/校准时的状态有效。未经本机构书面批准，不得部分复制本证书。",
        "The results relate only to the item as it was when calibrated. This certificate shall not be "
        "reproduced except in full without the written approval of the laboratory.",
    ),
    "end": ("（以下空白）", "(End of certificate)"),
}


def label(key: str, lang: str, **fields: object) -> str:
    """A fixed label in ``lang`` with ``{placeholders}`` filled in.

    Args:
        key: A key of :data:`LABELS`.
        lang: ``"zh"`` or ``"en"``.
        **fields: Values for the placeholders.

    Returns:
        The label text.

    Raises:
        KeyError: ``key`` is unknown (a programming error).
    """
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**fields) if fields else text
