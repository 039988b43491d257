"""Compare two runs of an auth flow step by step: the one that works and the one that doesn't.

Each run is outlined — authorization request, redirects, token requests and answers, API
calls — and the outlines are compared field by field: parameters, how the client
authenticated, body keys, headers, scopes, the tokens' JWT claims, statuses. Secrets are
compared by digest only, so the diff says "same secret" or "different secret" and never
shows one. Values that differ on every login by design (state, nonce, PKCE) are marked so.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from workbench.core.diagnosis.flow import AuthFlow, Step, find_flow
from workbench.core.events import Event
from workbench.core.jwt import decode_jwt, numeric_date
from workbench.core.redaction import Redactor
from workbench.core.secret_digest import compare

SECRET_FIELDS = frozenset({"code", "code_verifier", "client_secret", "refresh_token",
                           "client_assertion", "assertion", "password", "access_token",
                           "id_token", "state", "nonce", "device_code"})
PER_LOGIN = frozenset({"state", "nonce", "code_challenge", "code", "code_verifier"})
VOLATILE_HEADERS = frozenset({"date", "content-length", "cookie", "set-cookie", "x-request-id",
                              "traceparent", "request-id", "x-ms-request-id", "etag", "age",
                              "expires", "last-modified", "report-to", "nel", "cf-ray"})
CLAIMS = ("iss", "aud", "azp", "appid", "scp", "scope", "roles", "tid", "ver", "token_use",
          "client_id", "sub")


@dataclass(frozen=True)
class DiffRow:
    """One compared field; `a`/`b` are what may be shown ("" when absent)."""

    step: str
    field: str
    a: str
    b: str
    same: bool
    secret: bool = False
    per_login: bool = False  # differs on every login by design: not a difference that matters

    @property
    def matters(self) -> bool:
        return not self.same and not self.per_login


@dataclass
class RunDiff:
    """Every compared field of two runs, in flow order."""

    a_name: str
    b_name: str
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def differences(self) -> list[DiffRow]:
        return [r for r in self.rows if r.matters]

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a_name, "b": self.b_name, "same": not self.differences,
                "differences": len(self.differences),
                "rows": [{**asdict(r), "matters": r.matters} for r in self.rows]}


def diff_runs(a: Sequence[Event], b: Sequence[Event], redactor: Redactor, *,
              a_name: str = "A", b_name: str = "B") -> RunDiff:
    """Compare two runs' events; shown values pass through `redactor`."""
    diff = RunDiff(a_name, b_name)
    rows = _Rows(diff.rows, redactor)
    flow_a, flow_b = find_flow(a), find_flow(b)
    _pairs(rows, "authorize", flow_a.of("authorize"), flow_b.of("authorize"), _authorize)
    rows.lists("redirects", "chain", _redirects(flow_a), _redirects(flow_b))
    _pairs(rows, "callback", flow_a.of("callback"), flow_b.of("callback"), _callback)
    _pairs(rows, "token", flow_a.of("token"), flow_b.of("token"), _token)
    _apis(rows, flow_a, flow_b)
    return diff


# -- the steps ------------------------------------------------------------------------------

def _authorize(rows: _Rows, step: str, a: Step, b: Step) -> None:
    rows.value(step, "endpoint", _endpoint(a.event.url), _endpoint(b.event.url))
    rows.fields(step, "parameter", a.query, b.query)
    rows.value(step, "status", _status(a.event), _status(b.event))


def _callback(rows: _Rows, step: str, a: Step, b: Step) -> None:
    rows.value(step, "received at", _endpoint(a.redirect_url or a.event.url),
               _endpoint(b.redirect_url or b.event.url))
    rows.lists(step, "parameters", sorted(a.params), sorted(b.params))
    for name in ("error", "error_description", "iss"):
        rows.value(step, name, a.params.get(name, ""), b.params.get(name, ""))


def _token(rows: _Rows, step: str, a: Step, b: Step) -> None:
    rows.value(step, "endpoint", _endpoint(a.event.url), _endpoint(b.event.url))
    rows.value(step, "client authentication", _client_auth(a), _client_auth(b))
    rows.lists(step, "body keys", sorted(a.form), sorted(b.form))
    rows.fields(step, "body", a.form, b.form)
    rows.headers(step, a.event.request_headers, b.event.request_headers)
    rows.value(f"{step} response", "status", _status(a.event), _status(b.event))
    answer_a, answer_b = _object(a.response_json), _object(b.response_json)
    rows.lists(f"{step} response", "fields", sorted(answer_a), sorted(answer_b))
    rows.fields(f"{step} response", "field", answer_a, answer_b, skip=("access_token",
                "id_token", "refresh_token"))
    for name in ("access_token", "id_token", "refresh_token"):
        rows.secret(f"{step} response", name, _text(answer_a.get(name)),
                    _text(answer_b.get(name)))
    for name in ("access_token", "id_token"):
        rows.claims(f"{step} response {name}", _text(answer_a.get(name)),
                    _text(answer_b.get(name)))


def _apis(rows: _Rows, flow_a: AuthFlow, flow_b: AuthFlow) -> None:
    calls_a, calls_b = flow_a.of("api"), flow_b.of("api")
    keys_a, keys_b = [_call(s) for s in calls_a], [_call(s) for s in calls_b]
    matcher = difflib.SequenceMatcher(a=keys_a, b=keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for x, y in zip(calls_a[i1:i2], calls_b[j1:j2], strict=True):
                _api(rows, f"API {_call(x)}", x, y)
            continue
        for x in calls_a[i1:i2]:
            rows.value(f"API {_call(x)}", "request", _call(x), "")
        for y in calls_b[j1:j2]:
            rows.value(f"API {_call(y)}", "request", "", _call(y))


def _api(rows: _Rows, step: str, a: Step, b: Step) -> None:
    rows.value(step, "host", urlsplit(a.event.url).netloc, urlsplit(b.event.url).netloc)
    rows.value(step, "status", _status(a.event), _status(b.event))
    rows.headers(step, a.event.request_headers, b.event.request_headers)
    rows.value(step, "WWW-Authenticate", a.event.header("www-authenticate") or "",
               b.event.header("www-authenticate") or "")


def _pairs(rows: _Rows, name: str, a: list[Step], b: list[Step], compare_steps: Any) -> None:
    for number in range(max(len(a), len(b))):
        label = name if max(len(a), len(b)) == 1 else f"{name} #{number + 1}"
        if number >= len(a) or number >= len(b):
            present = "present" if number < len(a) else ""
            rows.value(label, "step", present, "present" if number < len(b) else "")
            continue
        compare_steps(rows, label, a[number], b[number])


# -- comparing values -----------------------------------------------------------------------

class _Rows:
    """Appends DiffRows, masking what is shown and comparing secrets by digest."""

    def __init__(self, rows: list[DiffRow], redactor: Redactor) -> None:
        self._rows = rows
        self._redactor = redactor

    def value(self, step: str, name: str, a: str, b: str, *, per_login: bool = False) -> None:
        if a == "" and b == "":
            return
        self._rows.append(DiffRow(step, name, self._redactor.text(a), self._redactor.text(b),
                                  a == b, per_login=per_login))

    def secret(self, step: str, name: str, a: str | None, b: str | None, *,
               per_login: bool = False) -> None:
        verdict = compare(a or None, b or None)
        if not verdict:
            return
        shown_a = "" if not a else "(secret)"
        shown_b = "" if not b else "(secret)"
        self._rows.append(DiffRow(step, f"{name}: {verdict}", shown_a, shown_b,
                                  verdict == "same secret", secret=True, per_login=per_login))

    def lists(self, step: str, name: str, a: list[str], b: list[str]) -> None:
        self.value(step, name, ", ".join(a), ", ".join(b))

    def fields(self, step: str, label: str, a: dict[str, Any], b: dict[str, Any],
               skip: Iterable[str] = ()) -> None:
        for key in sorted(set(a) | set(b)):
            if key in skip:
                continue
            va, vb = a.get(key), b.get(key)
            per_login = key in PER_LOGIN
            if key in SECRET_FIELDS or self._redactor.is_sensitive_key(key):
                self.secret(step, f"{label} {key}", _text(va) if key in a else None,
                            _text(vb) if key in b else None, per_login=per_login)
            else:
                self.value(step, f"{label} {key}", _shown(va, key in a),
                           _shown(vb, key in b), per_login=per_login)

    def headers(self, step: str, a: list[tuple[str, str]], b: list[tuple[str, str]]) -> None:
        ha, hb = _header_map(a), _header_map(b)
        for name in sorted(set(ha) | set(hb)):
            if name in VOLATILE_HEADERS or name.startswith(":"):
                continue
            va, vb = ha.get(name), hb.get(name)
            if self._redactor.is_sensitive_header(name):
                scheme_a, scheme_b = _scheme(va), _scheme(vb)
                self.value(step, f"header {name} scheme", scheme_a, scheme_b)
                self.secret(step, f"header {name}", va, vb)
            else:
                self.value(step, f"header {name}", va or "", vb or "")

    def claims(self, step: str, a: str | None, b: str | None) -> None:
        ca, cb = _claims(a), _claims(b)
        if ca is None and cb is None:
            return
        for name in CLAIMS:
            va, vb = (ca or {}).get(name), (cb or {}).get(name)
            if va is None and vb is None:
                continue
            self.value(step, f"claim {name}", _shown(va, va is not None),
                       _shown(vb, vb is not None))
        self.value(step, "lifetime (exp - iat)", _lifetime(ca), _lifetime(cb))


def _claims(token: str | None) -> dict[str, Any] | None:
    decoded = decode_jwt(token) if token else None
    return decoded.claims if decoded is not None else None


def _lifetime(claims: dict[str, Any] | None) -> str:
    if not claims:
        return ""
    exp, iat = numeric_date(claims.get("exp")), numeric_date(claims.get("iat"))
    return f"{int(exp - iat)} s" if exp is not None and iat is not None else ""


def _client_auth(step: Step) -> str:
    authorization = (step.event.header("authorization", response=False) or "").lower()
    if authorization.startswith("basic "):
        return "client_secret_basic (Basic header)"
    if "client_assertion" in step.form:
        return "private_key_jwt / client_secret_jwt (client_assertion)"
    if "client_secret" in step.form:
        return "client_secret_post (secret in the body)"
    return "none (public client)" if "client_id" in step.form else "none"


def _redirects(flow: AuthFlow) -> list[str]:
    return [f"{s.event.status} → {_endpoint(s.event.header('location') or '')}"
            for s in flow.steps if not s.via_redirect and s.event.status
            and 300 <= s.event.status < 400 and s.role in ("authorize", "other", "callback")]


def _call(step: Step) -> str:
    return f"{step.event.method} {urlsplit(step.event.url).path or '/'}"


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path


def _status(event: Event) -> str:
    if event.status is None:
        return event.error or "no response"
    return f"{event.status} {event.reason}".strip()


def _header_map(headers: list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.lower(), value)
    return found


def _scheme(value: str | None) -> str:
    if not value:
        return ""
    scheme, _, rest = value.strip().partition(" ")
    return scheme if rest else "(none)"


def _object(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _shown(value: Any, present: bool) -> str:
    if not present:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "(empty)" if value in ("", None) else str(value)
