"""Document limits and registration comparison on real MRZ parses (no images)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kyc_engine.checks import age_on, compare_registration, document_checks
from kyc_engine.mrz.parse import Repair, parse_mrz
from kyc_engine.policy import PolicyLimits
from kyc_engine.registration.idnumbers import iin_check_digit
from kyc_engine.registration.model import parse_registration

TODAY = date(2026, 11, 1)


def kaz_mrz(iin: str, birth: str = "611130", expiry: str = "361012", surname: str = "ABDIKADYROV") -> dict:
    """A Kazakh TD1 with the IIN in line-1 optional data, every check digit computed."""
    from kyc_engine.mrz.checksum import check_digit

    number = "029445555"
    line1 = f"IDKAZ{number}{check_digit(number)}{iin}<<<"
    line2_head = f"{birth}{check_digit(birth)}M{expiry}{check_digit(expiry)}KAZ<<<<<<<<<<<"
    composite = check_digit(line1[5:30] + line2_head[0:7] + line2_head[8:15] + line2_head[18:29])
    line2 = line2_head + str(composite)
    line3 = f"{surname}<<ERZHAN".ljust(30, "<")
    result = parse_mrz([line1, line2, line3], today=TODAY)
    assert result.valid, result
    return result.fields


def make_iin(head: str) -> str:
    digit = iin_check_digit(head)
    assert digit is not None
    return head + str(digit)


def codes(reasons) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(r.code) for r in reasons}


def test_age_counts_completed_years() -> None:
    assert age_on(date(2008, 11, 2), TODAY) == 17
    assert age_on(date(2008, 11, 1), TODAY) == 18


def test_expired_underage_and_country_limits() -> None:
    limits = PolicyLimits(minimum_age=18, allowed_countries=frozenset({"ALB"}))
    fields = {"expiry_date": "2026-10-31", "birth_date": "2010-01-01", "issuing_country": "KAZ"}
    found = document_checks(fields, limits, TODAY)
    assert codes(found) == {"document.expired", "applicant.underage", "document.country_not_allowed"}
    expired = next(r for r in found if str(r.code) == "document.expired")
    assert expired.detail == {"expiry_date": "2026-10-31", "today": "2026-11-01"}
    ok = {"expiry_date": "2026-11-01", "birth_date": "1990-01-01", "issuing_country": "D"}
    assert document_checks(ok, PolicyLimits(allowed_countries=frozenset({"DEU"})), TODAY) == []


def test_genuine_registration_in_cyrillic_matches_a_kazakh_card() -> None:
    iin = make_iin("61113030052")
    fields = kaz_mrz(iin)
    reg = parse_registration(
        {
            "full_name": "Ержан Әбдіқадыров",
            "birth_date": "1961-11-30",
            "id_number": iin,
            "country": "KAZ",
            "sex": "M",
            "company_id": None,
        }  # fmt: skip
    )
    match = compare_registration(reg, fields)
    assert match.reasons == ()
    assert match.checks["name"]["decision"] == "match"
    assert match.checks["id_number"]["matched_field"] == "personal_number"


def test_each_mismatch_is_a_reason_with_the_values_compared() -> None:
    iin = make_iin("61113030052")
    fields = kaz_mrz(iin)
    reg = parse_registration(
        {
            "full_name": "Aigerim Abdikadyrova",
            "birth_date": "1961-11-29",
            "id_number": "029445556",
            "country": "UZB",
            "sex": "F",
        }  # fmt: skip
    )
    found = compare_registration(reg, fields).reasons
    assert {
        "registration.name_mismatch",
        "registration.birth_date_mismatch",
        "registration.id_number_mismatch",
        "registration.sex_mismatch",
        "registration.country_mismatch",
    } <= codes(found)
    birth = next(r for r in found if str(r.code) == "registration.birth_date_mismatch")
    assert birth.detail == {"registered": "1961-11-29", "document": "1961-11-30"}


def test_iin_that_disagrees_with_the_mrz_birth_date_is_flagged() -> None:
    iin = make_iin("62113030052")  # born 1962 by the IIN, 1961 by the MRZ
    fields = kaz_mrz(iin)
    reg = parse_registration(
        {"full_name": "Erzhan Abdikadyrov", "birth_date": "1961-11-30", "id_number": iin}
    )
    assert "id_number.birth_date_mismatch" in codes(compare_registration(reg, fields).reasons)


def test_albanian_company_id_is_validated() -> None:
    fields = kaz_mrz(make_iin("61113030052"))
    reg = parse_registration(
        {
            "full_name": "Erzhan Abdikadyrov",
            "birth_date": "1961-11-30",
            "country": "ALB",
            "company_id": "K12345678",
        }
    )
    assert "registration.company_id_invalid" in codes(compare_registration(reg, fields).reasons)


def test_national_scheme_applies_only_to_numbers_of_its_shape() -> None:
    fields = {**kaz_mrz(make_iin("61113030052")), "issuing_country": "ALB", "nationality": "ALB"}
    reg = parse_registration({"full_name": "Erzhan Abdikadyrov", "birth_date": "1961-11-30"})
    file_number = compare_registration(reg, {**fields, "optional_data": "32820126630380"})
    assert file_number.checks["personal_number"]["scheme_applied"] is False
    assert "id_number.invalid" not in codes(file_number.reasons)
    bad_letter = compare_registration(reg, {**fields, "optional_data": "G11130123Q"})
    assert bad_letter.checks["personal_number"]["scheme_applied"] is True
    assert codes(bad_letter.reasons) & {"id_number.invalid", "id_number.birth_date_mismatch"}


def test_a_single_altered_digit_on_a_clear_photo_is_a_clear_failure() -> None:
    from kyc_engine.mrz_stage import MrzReport
    from kyc_engine.reasons import Reason, ReasonCode
    from kyc_engine.verify import clear_check_digit_failure

    line1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    good = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    altered = good.replace("7408122", "7408132")  # birth date changed, its check digit not
    result = parse_mrz([line1, altered], today=date(2010, 1, 1))
    assert not result.valid

    def report(*reasons: Reason) -> MrzReport:
        return MrzReport(
            result=result, reasons=reasons, quality={}, document={}, timings_ms={}, elapsed_ms=0.0
        )

    assert clear_check_digit_failure(report()) is True
    assert clear_check_digit_failure(report(Reason(ReasonCode.QUALITY_BLUR))) is False
    garbled = parse_mrz([line1, good.replace("7408122", "7408132").replace("L898902C3", "L898902C4")],
                        today=date(2010, 1, 1))  # fmt: skip
    two = MrzReport(result=garbled, reasons=(), quality={}, document={}, timings_ms={}, elapsed_ms=0.0)
    assert clear_check_digit_failure(two) is False  # two fields failing: more likely a misreading
    # the same single failure where the reader had dropped a glyph OCR added: not a line read whole
    dropped = replace(result, repairs=(Repair(1, 3, "S", "", "length"),))
    cut = MrzReport(result=dropped, reasons=(), quality={}, document={}, timings_ms={}, elapsed_ms=0.0)
    assert clear_check_digit_failure(cut) is False
