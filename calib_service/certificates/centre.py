"""The issuing centre as printed on certificates and reports: the stored profile or a demo default."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.documents import Centre, Text
from calib_service.models import CentreProfile

__all__ = ["DEFAULT_PROFILE", "centre_of", "current_profile", "set_profile"]

#: Used until a profile is stored (``set_profile``): clearly demo data, never a real authorisation.
DEFAULT_PROFILE: dict[str, str] = {
    "name_zh": "重庆市碳计量中心（演示）",
    "name_en": "Chongqing Carbon Metrology Centre (demo)",
    "address_zh": "重庆市渝北区（演示地址）",
    "address_en": "Yubei District, Chongqing (demo address)",
    "email": "calib@centre.example",
    "authorisation_number": "DEMO-(渝)法计(2026)00001号",
    "city": "重庆",
    "postcode": "401120",
    "phone": "",
    "laboratory_code": "",
    "certificate_prefix": "CQCM",
}


def current_profile(*, session: Session) -> CentreProfile | None:
    """The newest stored profile, or None."""
    return session.scalars(select(CentreProfile).order_by(CentreProfile.id.desc())).first()


def set_profile(*, session: Session, **fields: str) -> CentreProfile:
    """Store a new centre profile (the newest one is used); unspecified fields take the current values.

    Args:
        session: The caller's session (flushed, not committed).
        **fields: Columns of :class:`CentreProfile` (``name_zh``, ``email``, ``authorisation_number``, …).

    Returns:
        The new row.
    """
    base = current_profile(session=session)
    values = {k: (getattr(base, k) if base is not None else v) for k, v in DEFAULT_PROFILE.items()}
    values.update(fields)
    row = CentreProfile(**values)
    session.add(row)
    session.flush()
    return row


def centre_of(*, session: Session, standard_certificate_numbers: Iterable[str] = ()) -> Centre:
    """The centre for a document.

    Args:
        session: Database session.
        standard_certificate_numbers: 计量标准考核证书号 of the centre's standards behind this document.

    Returns:
        The :class:`~calib_service.documents.Centre`.
    """
    row = current_profile(session=session)
    v = DEFAULT_PROFILE if row is None else {k: str(getattr(row, k)) for k in DEFAULT_PROFILE}
    return Centre(
        name=Text(v["name_zh"], v["name_en"]),
        address=Text(v["address_zh"], v["address_en"]),
        email=v["email"],
        authorisation_number=v["authorisation_number"],
        standard_certificate_numbers=tuple(dict.fromkeys(n for n in standard_certificate_numbers if n)),
        city=v["city"],
        postcode=v["postcode"],
        phone=v["phone"],
        laboratory_code=v["laboratory_code"],
    )
