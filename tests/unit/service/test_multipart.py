"""The API's multipart/form-data splitter, on bodies encoded by real clients (httpx, the stdlib email
package) and on hand-made edge cases: preamble, epilogue, padding, quoted names, binary content that
contains the boundary text, truncation, missing headers."""

from __future__ import annotations

import os

import httpx
import pytest

from kyc_engine.errors import InputError
from kyc_engine.service.uploads import FormPart, boundary_of, parse_multipart


def encoded(data: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://x/", data=data, files=files)
    return request.read(), request.headers["Content-Type"]


def parse(body: bytes, content_type: str, max_parts: int = 16) -> list[FormPart]:
    return parse_multipart(body, boundary_of(content_type), max_parts=max_parts)


def test_an_httpx_body_round_trips_byte_for_byte() -> None:
    photo = os.urandom(300_000) + b"\r\n--\r\n\r\n" + os.urandom(1000)  # binary, with CRLFs and dashes
    body, ctype = encoded({"registration": '{"full_name": "Ержан"}', "lang": "kk"},
                          {"selfie": ("s.jpg", photo, "image/jpeg"), "document": ("d.png", b"\x89PNG", "image/png")})  # fmt: skip
    parts = parse(body, ctype)
    assert [(p.name, p.filename) for p in parts] == [
        ("registration", None), ("lang", None), ("selfie", "s.jpg"), ("document", "d.png"),
    ]  # fmt: skip
    assert parts[0].data.decode() == '{"full_name": "Ержан"}'
    assert parts[2].data == photo and parts[3].data == b"\x89PNG"


def test_a_curl_style_body_parses_too() -> None:
    b = b"------------------------d74496d66958873e"
    body = (
        b + b'\r\nContent-Disposition: form-data; name="selfie"; filename="selfie.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8abc\r\n"
        + b + b'\r\nContent-Disposition: form-data; name="registration"\r\n\r\n{"full_name": "A B"}\r\n'
        + b + b"--\r\n"
    )
    parts = parse(body, "multipart/form-data; boundary=----------------------d74496d66958873e")
    assert parts == [FormPart("selfie", "selfie.jpg", b"\xff\xd8abc"), FormPart("registration", None, b'{"full_name": "A B"}')]


def test_preamble_padding_epilogue_and_quoting() -> None:
    body = (
        b"this is a preamble\r\n"
        b"--b0undary \t\r\n"
        b'Content-Disposition: form-data; name="a;b"; filename="x \\"y\\".jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
        b"DATA--b0undary-not-a-delimiter\r\n"
        b"--b0undary\r\n"
        b"content-disposition: form-data; name=plain\r\n\r\n"
        b"\r\n"
        b"--b0undary--\r\nepilogue --b0undary\r\n"
    )
    parts = parse(body, "multipart/form-data; charset=utf-8; boundary=b0undary")
    assert parts == [FormPart("a;b", 'x "y".jpg', b"DATA--b0undary-not-a-delimiter"), FormPart("plain", None, b"")]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"--zz\r\ngarbage", "truncated"),  # the test_api case: no closing delimiter
        (b"no boundary at all", "does not occur"),
        (b"--zz\r\nContent-Disposition: form-data; name=a\r\n\r\nabc", "truncated"),
        (b"--zz\r\nContent-Disposition: form-data; name=a\r\nabc\r\n--zz--", "header block"),
        (b"--zz\r\nContent-Type: text/plain\r\n\r\nabc\r\n--zz--", "Content-Disposition"),
        (b"--zz\r\nContent-Disposition: attachment; name=a\r\n\r\nabc\r\n--zz--", "Content-Disposition"),
        (b"--zz\r\nContent-Disposition: form-data; filename=a\r\n\r\nabc\r\n--zz--", "no name"),
        (b"--zz\r\nno colon here\r\n\r\nabc\r\n--zz--", "colon"),
        (b"--zzContent-Disposition: form-data; name=a\r\n\r\nabc\r\n--zz--", "line break"),
        (b"--zz\r\nContent-Disposition: form-data; name=a\r\nX: " + b"y" * 9000 + b"\r\n\r\nabc\r\n--zz--", "header block"),
    ],
)
def test_malformed_bodies_are_input_malformed_body(body: bytes, why: str) -> None:
    with pytest.raises(InputError) as info:
        parse(body, "multipart/form-data; boundary=zz")
    assert info.value.code == "input.malformed_body" and why in str(info.value)


def test_boundary_and_part_count_limits() -> None:
    for ctype in ("multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=" + "a" * 71):
        with pytest.raises(InputError) as info:
            boundary_of(ctype)
        assert info.value.code == "input.malformed_body"
    assert boundary_of('multipart/form-data; boundary="with space"') == b"with space"
    body, ctype = encoded({f"f{i}": "v" for i in range(4)}, {"file": ("a.jpg", b"x", "image/jpeg")})
    assert len(parse(body, ctype, max_parts=5)) == 5
    with pytest.raises(InputError, match="more than 4 parts"):
        parse(body, ctype, max_parts=4)
