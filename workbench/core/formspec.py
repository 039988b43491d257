"""Forms are data: which values a connector needs, derived once and used by GUI and CLI alike."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from workbench.core.auth.plugins import environment_names, vendor_scheme
from workbench.core.config.model import (
    RESPONSE_ONLY_KEYS,
    Authentication,
    Blueprint,
    FieldEntry,
    Parameter,
)
from workbench.core.templates import placeholders

FieldKind = Literal["text", "secret", "integer", "boolean", "list"]
Group = Literal["parameters", "authentication"]

# Always secret, even when a config forgets `is_encrypted`.
SECRET_NAMES = frozenset(
    {"password", "bearer_token", "key_value", "client_secret", "refresh_token", "code",
     "private_key", "secret_access_key", "session_token", "hmac_key"}
)
# Grants a form warns about (OAuth 2.0 Security BCP, RFC 9700 §2.4: must not be used).
DEPRECATED_GRANTS = {
    "password": "The password grant is deprecated (OAuth 2.0 Security BCP, RFC 9700): it "
                "hands the user's password to the client and cannot do MFA. Use it only for "
                "the legacy back-end that requires it."}

_HELP = {
    "bearer_token": "Sent as 'Authorization: Bearer <token>'; do not type the 'Bearer ' prefix.",
    "username": "The user name for HTTP Basic authentication.",
    "password": "The password (or API token) for HTTP Basic authentication.",
    "key_name": "Header name (such as X-API-Key) or query parameter name for the key.",
    "key_value": "Sent exactly as given: include a prefix such as 'Bearer ' if the API wants one.",
    "client_id": "The OAuth2 client (application) id.",
    "client_secret": "The OAuth2 client secret.",
    "refresh_token": "A refresh token issued earlier; exchanged for a fresh access token.",
    "code": "An authorization code from the provider's redirect (single use, short-lived).",
    "redirect_uri": "The redirect URI registered for the client; must match exactly.",
    "authorization_url": "The provider's login page (the config does not name one).",
    "private_key": "The client's private key, PEM (-----BEGIN PRIVATE KEY-----) or JWK; its "
                   "public key is registered with the provider.",
    "key_id": "The kid the provider registered the key under; empty: the JWK's own kid, or "
              "none for a PEM key.",
    "access_key_id": "The AWS access key id (AKIA… for an IAM user, ASIA… for temporary "
                     "credentials, which also need the session token).",
    "secret_access_key": "The secret access key that belongs to the access key id.",
    "session_token": "Only for temporary credentials (ASIA…): the session token from STS, SSO "
                     "or the console; sent as X-Amz-Security-Token.",
    "region": "The AWS region the endpoint is in, such as eu-west-1.",
    "service": "The signing name of the service: execute-api (API Gateway), s3, es, lambda…",
    "hmac_key": "The shared secret the signature is computed with.",
    "subject": "The sub of the JWT bearer assertion (the user or service account acted for); "
               "empty: the client id.",
}
_SCHEME_HELP = {
    ("digest", "username"): "The user name for HTTP Digest authentication.",
    ("digest", "password"): "The password; Digest never sends it, only a hash of it.",
    ("hmac", "key_id"): "The id of the key, if the API wants one (sent as the key id header "
                        "or in the signature).",
}
_PASSWORD_GRANT_HELP = {
    "username": "The resource owner's user name (password grant).",
    "password": "The resource owner's password (password grant).",
}


@dataclass(frozen=True)
class FormField:
    """One input of a connector form."""

    name: str
    label: str
    kind: FieldKind = "text"
    group: Group = "parameters"
    required: bool = False
    default: str = ""
    help: str = ""
    options: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()  # offered in an editable list; any value is allowed

    @property
    def secret(self) -> bool:
        return self.kind == "secret"


@dataclass(frozen=True)
class FormSpec:
    """The ordered inputs of a connector: parameters first, then authentication fields."""

    fields: tuple[FormField, ...]
    auth_type: str | None = None
    grant_type: str | None = None
    response_key_map: Mapping[str, str] = field(default_factory=dict)
    client_auth: str | None = None  # token_endpoint_auth_method, for OAuth2

    @property
    def deprecation(self) -> str:
        """Why this connector's grant should not be used, or ""."""
        return DEPRECATED_GRANTS.get(self.grant_type or "", "")

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def secret_names(self) -> list[str]:
        return [f.name for f in self.fields if f.secret]

    def with_defaults(self, given: Mapping[str, str]) -> dict[str, str]:
        """Every field's value: what was given, else the default."""
        return {f.name: given.get(f.name, f.default) for f in self.fields}

    def problems(
        self, values: Mapping[str, str], *, optional: Collection[str] = ()
    ) -> dict[str, str]:
        """Field name → what is wrong with its value; empty when the form is complete.
        Names in `optional` may stay empty this time (a base URL given another way)."""
        found: dict[str, str] = {}
        for f in self.fields:
            value = values.get(f.name, "")
            if f.required and not value.strip() and f.name not in optional:
                found[f.name] = "required"
            elif f.kind == "integer" and value.strip() and not _is_int(value):
                found[f.name] = "must be a whole number"
            elif f.kind == "boolean" and value.strip().lower() not in ("", "true", "false"):
                found[f.name] = "must be true or false"
            elif f.options and value and value not in f.options:
                found[f.name] = "must be one of " + ", ".join(f.options)
        return found


def form_spec(blueprint: Blueprint) -> FormSpec:
    """Derive the form: parameters, then the fields the auth type needs (implied if omitted)."""
    in_base_url = placeholders(blueprint.connector.base_url)
    in_steps = step_placeholders(blueprint)
    fields = [_parameter_field(p, p.name in in_base_url, p.name in in_steps)
              for p in blueprint.parameters]
    auth = blueprint.authentication
    if auth is None or auth.auth_type is None:
        return FormSpec(tuple(fields))
    settings = auth.oauth2_settings
    grant = settings.grant_type if settings else None
    vendor = vendor_scheme(auth.auth_type)
    fields += _vendor_fields(auth, vendor.fields) if vendor else _auth_fields(auth, grant)
    method = settings.client_auth_method if settings and not vendor else None
    return FormSpec(tuple(fields), auth.auth_type, grant, auth.key_map(), method)


def step_placeholders(blueprint: Blueprint) -> set[str]:
    """Names the validation steps and default headers refer to."""
    texts = list(blueprint.connector.default_headers.values())
    for step in blueprint.check_steps:
        texts += [step.endpoint or "", *step.headers.values(), *step.query_params.values()]
        if isinstance(step.body, str):
            texts.append(step.body)
    return set().union(*(placeholders(t) for t in texts)) if texts else set()


def _parameter_field(param: Parameter, in_base_url: bool, in_steps: bool) -> FormField:
    kind: FieldKind = {"integer": "integer", "boolean": "boolean", "list": "list",
                       "multiselect": "list"}.get(param.type, "text")  # type: ignore[assignment]
    if param.is_encrypted:
        kind = "secret"
    used = in_base_url or in_steps
    required = param.required if param.required is not None else used
    return FormField(
        name=param.name,
        label=param.label or _label(param.name),
        kind=kind,
        required=required,
        default=param.default_text,
        help=param.description or ("Used in the base URL." if in_base_url else ""),
        options=tuple(str(o) for o in param.options or ()),
    )


def _implied(auth: Authentication, grant: str | None) -> list[tuple[str, bool]]:
    """(name, required) of the fields an auth type always needs."""
    if auth.auth_type == "bearer":
        return [("bearer_token", True)]
    if auth.auth_type == "basic_http":
        return [("username", True), ("password", True)]
    if auth.auth_type == "api_key":
        return [("key_name", True), ("key_value", True)]
    if auth.auth_type == "aws_sigv4":
        return [("access_key_id", True), ("secret_access_key", True), ("session_token", False),
                ("region", True), ("service", True)]
    if auth.auth_type == "digest":
        return [("username", True), ("password", True)]
    if auth.auth_type == "hmac":
        return [("key_id", False), ("hmac_key", True)]
    settings = auth.oauth2_settings
    method = settings.client_auth_method if settings else "client_secret_post"
    needed = [("client_id", True)]
    if method in ("client_secret_basic", "client_secret_post", "client_secret_jwt"):
        # Public clients have no secret; client_credentials and client_secret_jwt need one.
        needed.append(("client_secret", grant == "client_credentials"
                       or method == "client_secret_jwt"))
    if method == "private_key_jwt" or grant == "jwt_bearer":
        needed += [("private_key", True), ("key_id", False)]
    if grant == "jwt_bearer":
        needed.append(("subject", False))
    if grant == "password":
        needed += [("username", True), ("password", True)]
    if grant == "refresh_token":
        needed.append(("refresh_token", True))
    if grant == "authorization_code":
        needed += [("code", True), ("redirect_uri", True)]
        if auth.oauth2_settings is not None and not auth.oauth2_settings.authorization_url:
            needed.append(("authorization_url", False))  # the config lacks it: ask the user
    return needed


def _auth_fields(auth: Authentication, grant: str | None) -> list[FormField]:
    implied = _implied(auth, grant)
    names = [name for name, _ in implied]
    extra = [f.name for f in auth.fields if f.name not in names and not _response_only(f, grant)]
    result = []
    for name in names + extra:
        entry = auth.field(name)
        required = dict(implied).get(name, False)
        if entry is not None and entry.required is not None:
            required = entry.required
        secret = name in SECRET_NAMES or bool(entry and entry.is_encrypted)
        result.append(
            FormField(
                name=name,
                label=(entry.label if entry and entry.label else _label(name)),
                kind="secret" if secret else "text",
                group="authentication",
                required=required,
                default=(entry.value or "") if entry else "",
                help=(entry.description if entry and entry.description
                      else _help(name, grant, auth.auth_type)),
            )
        )
    return result


def _help(name: str, grant: str | None, auth_type: str | None = None) -> str:
    if (auth_type, name) in _SCHEME_HELP:
        return _SCHEME_HELP[(auth_type or "", name)]
    if grant == "password" and name in _PASSWORD_GRANT_HELP:
        return _PASSWORD_GRANT_HELP[name]
    return _HELP.get(name, "")


def _vendor_fields(auth: Authentication, fields: tuple[FormField, ...]) -> list[FormField]:
    """A vendor scheme's own fields; the connector may set their defaults, labels and help."""
    result = []
    for spec in fields:
        if spec.name == "environment" and spec.options:
            spec = replace(spec, options=environment_names(auth, spec.options))
        entry = auth.field(spec.name)
        if entry is not None:
            spec = replace(
                spec,
                label=entry.label or spec.label,
                default=entry.value if entry.value is not None else spec.default,
                help=entry.description or spec.help,
                required=spec.required if entry.required is None else entry.required,
            )
        result.append(replace(spec, group="authentication"))
    return result


def _response_only(entry: FieldEntry, grant: str | None) -> bool:
    """Fields that only map token-response keys are not inputs."""
    if entry.name in RESPONSE_ONLY_KEYS:
        return True
    return entry.name == "refresh_token" and bool(entry.key_map) and grant != "refresh_token"


def _label(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _is_int(value: str) -> bool:
    try:
        int(value.strip())
    except ValueError:
        return False
    return True
