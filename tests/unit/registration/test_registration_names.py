"""Name matching: transliteration families, order, optional names, truncation and the near-miss rules."""

from __future__ import annotations

import pytest

from kyc_engine.registration import NameMatcher, match_names
from kyc_engine.registration.translit import keys, skeleton, spellings, tokens


def hows(result: object) -> dict[str | None, str]:
    return {t.registered: t.how for t in result.tokens}  # type: ignore[attr-defined]


def test_tokens_drop_apostrophes_and_split_hyphens_and_fillers() -> None:
    assert tokens("Seán O'Brien-Smith<<X") == ["SEÁN", "OBRIEN", "SMITH", "X"]


@pytest.mark.parametrize(
    ("cyrillic", "icao"),
    [
        ("ЩУКИНА", "SHCHUKINA"),
        ("ЮЛИЯ", "IULIIA"),
        ("ХАБАРОВ", "KHABAROV"),
        ("ЦОЙ", "TSOI"),
        ("ПОДЪЯЧЕВ", "PODIEIACHEV"),
        ("НАТАЛЬЯ", "NATALIA"),
        ("ӘЛИЯ", "AELIIA"),
        ("ҒАЛЫМ", "GALYM"),
        ("ҚАЙРАТ", "QAIRAT"),
        ("ШЫҢҒЫС", "SHYNGYS"),
        ("ӨМІРЗАҚ", "OEMIRZAQ"),
        ("ҰЛАН", "ULAN"),
        ("ҮМІТ", "UEMIT"),
        ("ҺАМИТ", "HAMIT"),
        ("ІЛИЯС", "ILIIAS"),
    ],
)
def test_icao_9303_cyrillic_is_the_first_spelling(cyrillic: str, icao: str) -> None:
    assert spellings(cyrillic)[0] == icao


@pytest.mark.parametrize(
    "group",
    [
        ["IULIIA", "YULIYA", "YULIA", "ЮЛИЯ"],
        ["EVGENII", "YEVGENIY", "EVGENY", "ЕВГЕНИЙ"],
        ["SHCHUKIN", "SCHUKIN", "ЩУКИН"],
        ["KHASAN", "HASAN", "ХАСАН"],
        ["ZHANNA", "JANNA", "ЖАННА"],
        ["TSOI", "TSOY", "COI", "ЦОЙ"],
        ["FEDOR", "FYODOR", "ФЁДОР"],
        ["QAZYBEK", "KAZYBEK", "Қазыбек", "Qazybek"],
        ["AELIIA", "ALIYA", "Äliya", "Әлия"],
        ["MUELLER", "MÜLLER", "MULLER"],
        ["SHYNGYS", "Şyñğys", "ШЫҢҒЫС"],
    ],
)
def test_variant_keys_meet(group: list[str]) -> None:
    sets = [keys(t.upper()) for t in group]
    common = frozenset.intersection(*sets)
    assert common, [sorted(s) for s in sets]


def test_skeleton_keeps_different_names_apart() -> None:
    assert skeleton("IVAN") != skeleton("IGOR")
    assert skeleton("AIGERIM") != skeleton("AIGUL")
    assert skeleton("MARIA") != skeleton("MARA")


@pytest.mark.parametrize(
    ("registered", "surname", "given", "how"),
    [
        ("Юлия Щукина", "SHCHUKINA", "IULIIA", "transliteration"),
        ("Yuliya Shchukina", "SHCHUKINA", "IULIIA", "variant"),
        ("Әлия Сейтқалиева", "SEITQALIEVA", "AELIIA", "transliteration"),
        ("Äliya Seitqalieva", "SEITQALIEVA", "AELIIA", "variant"),
        ("Kairat Zhaksybekov", "ZHAQSYBEKOV", "QAIRAT", "variant"),
        ("Shkëlqim Çela", "CELA", "SHKELQIM", "transliteration"),
        ("Jürgen Müller", "MUELLER", "JUERGEN", "transliteration"),
        ("Jurgen Muller", "MUELLER", "JUERGEN", "variant"),
    ],
)
def test_transliteration_families_match(registered: str, surname: str, given: str, how: str) -> None:
    result = match_names(registered, surname, given)
    assert result.decision == "match", result.notes
    assert how in hows(result).values()
    assert result.score >= result.match_threshold


def test_informal_kazakh_vowel_is_a_variant() -> None:
    result = match_names("Nursoltan Abishev", "AEBISHEV", "NURSULTAN")
    assert result.decision == "match"
    assert hows(result)["NURSOLTAN"] == "variant"


def test_umlaut_spelling_does_not_fold_o_into_u() -> None:
    assert match_names("Jürgen Müller", "MOELLER", "JUERGEN").decision != "match"


def test_swapped_order_and_exact_explanation() -> None:
    result = match_names("Petrov Ivan", "PETROV", "IVAN")
    assert result.decision == "match" and result.score == 1.0
    assert {(t.registered, t.document, t.how, t.role) for t in result.tokens} == {
        ("PETROV", "PETROV", "exact", "surname"),
        ("IVAN", "IVAN", "exact", "given"),
    }


def test_patronymic_on_either_side_is_optional() -> None:
    left = match_names("Иван Сергеевич Петров", "PETROV", "IVAN")
    assert left.decision == "match"
    assert hows(left)["СЕРГЕЕВИЧ"] == "missing-optional"
    right = match_names("Petrov Ivan", "PETROV", "IVAN SERGEEVICH")
    assert right.decision == "match"
    assert [t.how for t in right.tokens if t.registered is None] == ["missing-optional"]


def test_truncated_mrz_token_matches_longer_registered_token() -> None:
    result = match_names(
        "Aigerim Kuanyshbekkyzy Nurmukhambetova", "NURMUKHAMBETOVA", "AIGERIM KUANY", truncated=True
    )
    assert result.decision == "match"
    assert hows(result)["KUANYSHBEKKYZY"] == "truncation"
    # without the truncation flag the cut token is not accepted as a prefix
    assert (
        hows(match_names("Aigerim Kuanyshbekkyzy Nurmukhambetova", "NURMUKHAMBETOVA", "AIGERIM KUANY")).get(
            "KUANYSHBEKKYZY"
        )
        != "truncation"
    )


def test_given_names_lost_to_truncation_are_optional() -> None:
    result = match_names(
        "Hubert Blaine Wolfeschlegelsteinhausen", "WOLFESCHLEGELSTEINHAUSEN", "HUBE", truncated=True
    )
    assert result.decision == "match"
    assert hows(result) == {
        "WOLFESCHLEGELSTEINHAUSEN": "exact",
        "HUBERT": "truncation",
        "BLAINE": "missing-optional",
    }


def test_hyphens_apostrophes_and_joined_compounds() -> None:
    assert match_names("Sean O'Brien", "OBRIEN", "SEAN").decision == "match"
    assert match_names("Anna-Maria Müller", "MUELLER", "ANNA MARIA").decision == "match"
    assert match_names("Jeanpierre Dubois", "DUBOIS", "JEAN PIERRE").decision == "match"
    assert match_names("Abdulrahman Al-Hassan", "AL HASSAN", "ABDULRAHMAN").decision == "match"


@pytest.mark.parametrize(
    ("registered", "surname", "given"),
    [
        ("Aigul Seitkalieva", "SEITQALIEVA", "AIGERIM"),
        ("Ivan Petrov", "PETROV", "IGOR"),
        ("Айгүл Сейтқалиева", "SEITQALIEVA", "AELIIA"),
        ("Aigerim Nurlanovna Seitkali", "SEITKALI", "AIGUL"),
        ("Grace Njeri Wanjiku", "WANJIKU", "MERCY NJERI"),
    ],
)
def test_same_family_different_first_name_is_no_match(registered: str, surname: str, given: str) -> None:
    result = match_names(registered, surname, given)
    assert result.decision == "no_match"
    assert any("first given name differs" in n for n in result.notes)


@pytest.mark.parametrize(
    ("registered", "surname", "given"),
    [
        ("Ivan Petrov", "IVANOV", "PETR"),
        ("Aidos Serikov", "AIDOSOV", "SERIK"),
        ("Askar Nurlanov", "ASKAROV", "NURLAN"),
    ],
)
def test_swapped_names_of_two_people_are_no_match(registered: str, surname: str, given: str) -> None:
    assert match_names(registered, surname, given).decision == "no_match"


def test_one_typo_is_uncertain_with_ratio() -> None:
    result = match_names("Ivan Petrav", "PETROV", "IVAN")
    assert result.decision == "uncertain"
    (fuzzy,) = [t for t in result.tokens if t.how == "fuzzy"]
    assert (fuzzy.registered, fuzzy.document) == ("PETRAV", "PETROV")
    assert 0.8 <= fuzzy.ratio < 1.0


def test_one_letter_different_first_name_is_not_a_match() -> None:
    assert match_names("Alina Ivanova", "IVANOVA", "ALISA").decision == "uncertain"


def test_different_surname_is_no_match() -> None:
    assert match_names("Айгерим Бекова", "SEITQALIEVA", "AIGERIM").decision == "no_match"


def test_viz_name_supplies_the_full_token() -> None:
    # MRZ cut the given name; the visual zone (Cyrillic) has it whole
    result = match_names(
        "Айгерім Нұрмұхамбетова", "NURMUKHAMBETOVA", "AIG", truncated=True, viz_name="НҰРМҰХАМБЕТОВА АЙГЕРІМ"
    )
    assert result.decision == "match"
    assert hows(result)["АЙГЕРІМ"] in {"exact", "transliteration", "truncation"}


def test_empty_name_is_no_match() -> None:
    assert match_names("", "PETROV", "IVAN").decision == "no_match"


def test_to_dict_and_thresholds() -> None:
    out = (
        NameMatcher(match_threshold=0.9, uncertain_threshold=0.6)
        .match("Ivan Petrov", "PETROV", "IVAN")
        .to_dict()
    )
    assert out["decision"] == "match" and out["match_threshold"] == 0.9 and out["uncertain_threshold"] == 0.6
    assert {"registered", "document", "how", "ratio", "role"} <= set(out["tokens"][0])


def test_reason_codes_for_the_decision() -> None:
    from kyc_engine.reasons import ReasonCode

    assert match_names("Ivan Petrov", "PETROV", "IVAN").reason() is None
    mismatch = match_names("Ivan Petrov", "PETROV", "IGOR").reason()
    assert mismatch is not None and mismatch.code is ReasonCode.REGISTRATION_NAME_MISMATCH
    assert mismatch.detail["decision"] == "no_match" and mismatch.detail["tokens"]
    assert mismatch.detail["registered"] == "Ivan Petrov" and mismatch.detail["document"] == "PETROV / IGOR"
    assert mismatch.detail["threshold"] == 0.85 and mismatch.detail["score"] < 0.85
    assert "PETROV / IGOR" in mismatch.reviewer_message
    uncertain = match_names("Ivan Petrav", "PETROV", "IVAN").reason()
    assert uncertain is not None and uncertain.code is ReasonCode.REGISTRATION_NAME_UNCERTAIN


def test_very_long_names_stay_bounded() -> None:
    result = match_names(" ".join(["Ivan"] * 50), " ".join(["A"] * 15), " ".join(["B"] * 15))
    assert result.decision == "no_match"
