"""Registration data: validation of what the applicant typed, name matching, national ID-number semantics.

Pure logic (no images, no models)::

    from kyc_engine.registration import parse_registration, match_names, check_personal_number
    reg = parse_registration(b'{"full_name": "Юлия Щукина", "birth_date": "1990-05-01"}')
    match_names(reg.full_name, "SHCHUKINA", "IULIIA").decision   # 'match'
"""

from .idnumbers import (
    IdNumberMatch,
    PersonalNumberInfo,
    check_company_id,
    check_personal_number,
    compare_id_numbers,
    decode_al_nid,
    decode_iin,
    decode_personal_number,
    iin_check_digit,
    is_valid_nipt,
    normalize_id,
)
from .model import Registration, parse_registration
from .names import NameMatch, NameMatcher, TokenMatch, match_names

__all__ = [
    "IdNumberMatch",
    "NameMatch",
    "NameMatcher",
    "PersonalNumberInfo",
    "Registration",
    "TokenMatch",
    "check_company_id",
    "check_personal_number",
    "compare_id_numbers",
    "decode_al_nid",
    "decode_iin",
    "decode_personal_number",
    "iin_check_digit",
    "is_valid_nipt",
    "match_names",
    "normalize_id",
    "parse_registration",
]
