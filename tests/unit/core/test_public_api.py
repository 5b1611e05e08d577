from __future__ import annotations

import kyc_engine


def test_all_names_exist_and_are_documented() -> None:
    for name in kyc_engine.__all__:
        obj = getattr(kyc_engine, name)
        assert obj.__doc__, f"{name} has no docstring"


def test_all_is_sorted_and_complete() -> None:
    public = {n for n in dir(kyc_engine) if not n.startswith("_") and n[0].isupper() or n in kyc_engine.__all__}
    exported = set(kyc_engine.__all__)
    assert kyc_engine.__all__ == sorted(kyc_engine.__all__)
    missing = {n for n in public if isinstance(getattr(kyc_engine, n), type)} - exported
    assert not missing, f"public classes not in __all__: {missing}"
