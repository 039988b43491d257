"""WWW-Authenticate challenges read as RFC 9110 writes them, and as servers really send them."""

from __future__ import annotations

import random

import pytest

from workbench.core.www_authenticate import Challenge, parse_challenges


def one(header: str) -> Challenge:
    found = parse_challenges([header])
    assert len(found) == 1, found
    return found[0]


def test_rfc_6750_insufficient_scope() -> None:
    c = one('Bearer realm="example", error="insufficient_scope", '
            'error_description="The request requires higher privileges", scope="read write"')
    assert c.is_scheme("bearer") and c.scheme == "Bearer"
    assert c.param("error") == "insufficient_scope"
    assert c.param("scope") == "read write"
    assert c.param("error_description") == "The request requires higher privileges"


def test_the_rfc_9110_example_of_two_challenges_in_one_header() -> None:
    found = parse_challenges(['Newauth realm="apps", type=1, title="Login to \\"apps\\"", '
                              'Basic realm="simple"'])
    assert [c.scheme for c in found] == ["Newauth", "Basic"]
    assert dict(found[0].params) == {"realm": "apps", "type": "1",
                                     "title": 'Login to "apps"'}
    assert found[1].param("realm") == "simple"


def test_commas_and_equals_inside_quotes_stay_in_the_value() -> None:
    c = one('Bearer error="invalid_token", error_description="a, b = c", realm="x"')
    assert c.param("error_description") == "a, b = c" and c.param("realm") == "x"


def test_several_headers_and_bare_schemes() -> None:
    found = parse_challenges(["Negotiate", 'Basic realm="corp"', "NTLM, Bearer"])
    assert [c.scheme for c in found] == ["Negotiate", "Basic", "NTLM", "Bearer"]
    assert not found[0].params and found[0].token68 is None


@pytest.mark.parametrize("header", ["Negotiate YIIBhg==", "Negotiate YIIBhg==, Basic realm=x"])
def test_token68(header: str) -> None:
    found = parse_challenges([header])
    assert found[0].token68 == "YIIBhg=="
    assert [c.scheme for c in found[1:]] == (["Basic"] if "Basic" in header else [])


def test_names_are_case_insensitive_and_the_first_of_a_duplicate_wins() -> None:
    c = one('bearer ERROR="invalid_token", error="other", Realm = "spaced"')
    assert c.param("Error") == "invalid_token" and c.param("realm") == "spaced"


@pytest.mark.parametrize("header", ["", " , ,", '"quoted garbage"', "Bearer error=",
                                    'Bearer error="unterminated', "=== ,", "Bearer ,,, ="])
def test_malformed_input_never_raises(header: str) -> None:
    found = parse_challenges([header])
    assert all(isinstance(c, Challenge) for c in found)


def test_unterminated_quotes_keep_what_was_there() -> None:
    assert one('Bearer error="invalid_token').param("error") == "invalid_token"


def test_random_text_made_of_the_grammar_s_characters_never_raises() -> None:
    rng = random.Random(13)
    alphabet = 'Bearer Basic realm error scope = , " \\ \t token68+/ abc'
    for _ in range(2000):
        parse_challenges(["".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))])
