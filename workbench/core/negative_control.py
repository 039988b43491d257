"""The negative control: the same check with the main secret wrong must fail, or a pass
proves nothing (a mock, a cache, a public page or an API that ignores credentials answered).

Which secret is made wrong, per auth type:
- bearer: bearer_token; basic_http: password; api_key: key_value;
- oauth2: the access token itself, sent to the API with no token request and no renewal. The
  question is whether the *API* checks credentials; a wrong client_secret would only prove
  that the token endpoint does, and a control must never spend a single-use code or a
  rotating refresh token (reusing an old one revokes the grant at many providers);
- vendor schemes: their first secret field (Tripletex consumer_token, webCRM api_key,
  SuperOffice client_secret, which is also the SO-AppToken header).
The wrong value keeps the real one's shape (length, character classes, separators), so an
API that checks the format first still has to look the credential up.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from workbench.core.auth.plugins import vendor_scheme
from workbench.core.auth.tokens import TokenSet
from workbench.core.verdict import Verdict

ACCESS_TOKEN = "access token"
_MAIN_SECRET = {"bearer": "bearer_token", "basic_http": "password", "api_key": "key_value",
                "aws_sigv4": "secret_access_key", "digest": "password", "hmac": "hmac_key"}
# Outcomes that show the endpoint refused the wrong secret (some APIs answer 400 to a bad key).
_REFUSED = ("unauthorized", "forbidden", "token_error", "bad_request")

Conclusion = Literal["proven", "unproven", "inconclusive", "skipped"]


@dataclass(frozen=True)
class ControlPlan:
    """What the control run changes: `secret` names it; the wrong value is in `given` or, for
    OAuth2, is the `fixed_token` sent instead of the real one."""

    secret: str
    given: dict[str, str]
    fixed_token: TokenSet | None = None


@dataclass(frozen=True)
class NegativeControl:
    """What the run with a wrong secret showed; no secret values, only what was replaced."""

    secret: str
    conclusion: Conclusion
    outcome: str | None = None
    status: int | None = None
    summary: str = ""


def plan(auth_type: str | None, values: Mapping[str, str],
         token: TokenSet | None) -> ControlPlan | None:
    """The control run for this auth, or None when the connector sends no credentials."""
    given = dict(values)
    if auth_type == "oauth2":
        real = token.access_token if token is not None else ""
        wrong = TokenSet(wrong_like(real or "x" * 40),
                         token.token_type if token is not None else "Bearer")
        return ControlPlan(ACCESS_TOKEN, given, wrong)
    name = _MAIN_SECRET.get(auth_type or "")
    vendor = vendor_scheme(auth_type)
    if name is None and vendor is not None:
        name = next((f.name for f in vendor.fields if f.secret), None)
    if name is None:
        return None
    given[name] = wrong_like(values.get(name, "") or "x" * 24)
    return ControlPlan(name, given)


def wrong_like(value: str) -> str:
    """A value of the same shape that differs from `value` in every letter and digit."""
    out = []
    for char in value:
        for alphabet in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
            if char in alphabet:
                out.append(secrets.choice(alphabet.replace(char, "")))
                break
        else:
            out.append(char)
    wrong = "".join(out)
    return wrong if wrong != value else "wrong-" + value


def judge(secret: str, control: Verdict) -> NegativeControl:
    """What the control run's verdict says about the main run's pass."""
    if control.ok:
        conclusion: Conclusion = "unproven"
    elif control.outcome in _REFUSED:
        conclusion = "proven"
    else:
        conclusion = "inconclusive"
    return NegativeControl(secret, conclusion, control.outcome, control.status,
                           _describe(secret, conclusion, control))


def skipped() -> NegativeControl:
    return NegativeControl("", "skipped", summary="Negative control skipped: the connector "
                           "sends no credentials, so there is no secret to get wrong.")


def apply(verdict: Verdict, control: NegativeControl) -> Verdict:
    """Fold the control into the main run's (passing) verdict."""
    verdict.negative_control = control
    if control.conclusion == "unproven":
        verdict.outcome = "unproven"
        verdict.hint = (
            "Give the check a step that needs authentication (an endpoint that answers 401 "
            "without valid credentials, such as /me or an account endpoint), and make sure "
            "base_url is the real API, not a mock, a cache, a gateway or a public page.")
        verdict.summary = control.summary
    elif control.conclusion in ("inconclusive", "skipped"):
        verdict.warnings.append(control.summary)
    return verdict


def _describe(secret: str, conclusion: Conclusion, control: Verdict) -> str:
    if conclusion == "unproven":
        return (f"With a wrong {secret} the check passed too ({control.summary}): the endpoint "
                "does not check credentials, so a pass proves nothing.")
    if conclusion == "proven":
        return (f"Negative control: with a wrong {secret} the check failed as it should "
                f"({control.summary}), so the endpoint checks credentials.")
    return (f"The negative control was inconclusive: with a wrong {secret} the check ended "
            f"with {control.outcome} ({control.summary}), which says nothing about the "
            "credentials. Run it again.")
