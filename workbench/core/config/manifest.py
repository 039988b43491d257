"""Sesam connector manifests (`manifest.json`), loaded into the same Blueprint model.

A manifest says how a system authenticates (`auth`, `auth_variant`, `oauth2`, `jwt`), not where
a check should go; an optional `workbench` block fills that in (base URL, check request, how an
API key is sent, environment hosts). Everything else (`datatypes`, templates) is kept as is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from workbench.core.auth.plugins import VendorScheme, vendor_scheme, vendor_schemes
from workbench.core.config.findings import Finding, capped, place
from workbench.core.config.limits import deep_json
from workbench.core.config.model import Blueprint, Text, _Open
from workbench.core.config.positions import NodePosition, Position, offset_position, problem_at
from workbench.core.config.validation import validation_findings
from workbench.core.config.yaml_loader import check_text, parse_yaml
from workbench.core.errors import ConfigError

MANIFEST_NAME = "manifest.json"
SESAM_KEY = "sesam"  # Blueprint extra that marks a connector loaded from a manifest
# Sesam secret name → the form field that holds it, per built-in scheme.
SECRET_FIELDS = {"header": "key_value", "query_param": "key_value", "basic_password": "password",
                 "oauth2_client_secret": "client_secret"}


class OAuth2Block(_Open):
    login_url: str | None = Field(default=None, description="The authorization URL.")
    token_url: str | None = None
    scopes: list[str] | str | None = None


class JwtBlock(_Open):
    login_url: str | None = None
    refresh_url: str | None = None
    jwt_header_key: str | None = None


class ApiKeyUse(_Open):
    """How the `api_key` secret is sent (the system template's `$SECRET(api_key)`)."""

    location: Literal["header", "query_param", "basic_password", "oauth2_client_secret"] = "header"
    name: str = Field(default="Authorization", description="Header or query parameter name.")
    username: str | None = Field(
        default=None, description="Basic username (basic_password) or client id (oauth2).")
    username_label: str | None = Field(default=None, description="What to call it in the form.")
    token_url: str | None = Field(
        default=None, description="oauth2_client_secret: where client credentials buy a token.")

    @model_validator(mode="after")
    def _token_url_for_oauth2(self) -> ApiKeyUse:
        if self.location == "oauth2_client_secret" and not self.token_url:
            raise ValueError("location oauth2_client_secret needs a token_url")
        return self


class WorkbenchBlock(_Open):
    """What a connection check needs that a manifest does not say (a workbench extension)."""

    name: str | None = None
    base_url: str | None = Field(default=None, description="May hold {parameter} placeholders.")
    headers: dict[str, Text] = Field(default_factory=dict)
    check: str | None = Field(default=None, description='The check request, e.g. "GET /me".')
    api_key: ApiKeyUse | None = None
    environments: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, Text] = Field(
        default_factory=dict, description="Form values to start with (a sandbox's demo keys).")

    @model_validator(mode="after")
    def _check_shape(self) -> WorkbenchBlock:
        if self.check is not None:
            method, _, path = self.check.strip().partition(" ")
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD") or not path:
                raise ValueError('check must be "METHOD path", like "GET /me"')
        return self


class Manifest(_Open):
    """A Sesam connector manifest."""

    uninterpreted_keys: ClassVar[frozenset[str]] = frozenset({
        "datatypes", "system-template", "system_template", "requires_service_api_access",
        "use_webhook_secret", "system"})

    auth: Literal["oauth2", "api_key"]
    auth_variant: str | None = None
    oauth2: OAuth2Block | None = None
    jwt: JwtBlock | None = None
    additional_parameters: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    workbench: WorkbenchBlock | None = None

    @field_validator("auth_variant")
    @classmethod
    def _installed_variant(cls, variant: str | None, info: ValidationInfo) -> str | None:
        if variant is None:
            return None
        scheme = vendor_scheme(variant)
        if scheme is None:
            known = ", ".join(sorted(vendor_schemes())) or "none"
            raise ValueError(f"auth_variant {variant!r} is not installed (installed: {known})")
        auth = info.data.get("auth")
        if auth is not None and scheme.sesam_auth != auth:
            raise ValueError(f"auth_variant {variant} goes with auth {scheme.sesam_auth}, "
                             f"not {auth}")
        return variant

    @model_validator(mode="after")
    def _check_auth(self) -> Manifest:
        if self.auth == "oauth2" and (self.oauth2 is None or not self.oauth2.token_url):
            raise ValueError("auth oauth2 needs an oauth2 block with token_url and login_url")
        return self

    @property
    def variant(self) -> str | None:
        """The auth variant; SuperOffice's own manifest leaves it out, its token host tells."""
        if self.auth_variant:
            return self.auth_variant
        token_url = (self.oauth2.token_url or "") if self.oauth2 else ""
        if self.auth == "oauth2" and urlsplit(token_url).hostname in _SUPEROFFICE_HOSTS:
            return "superoffice-ticket"
        return None


_SUPEROFFICE_HOSTS = {"sod.superoffice.com", "qaonl.superoffice.com", "online.superoffice.com"}


def is_manifest_path(path: str | Path) -> bool:
    name = Path(path).name.lower()
    return name == MANIFEST_NAME or name.endswith("." + MANIFEST_NAME)


def load_manifest_data(text: str, path: str) -> tuple[Blueprint, NodePosition]:
    """Parse and validate a manifest and turn it into a Blueprint; problems name line:col."""
    check_text(text, path)
    too_deep = deep_json(text)  # before json.loads, which would hit RecursionError
    if too_deep is not None:
        offset, message = too_deep
        raise ConfigError([problem_at(path, text, offset_position(text, offset), "", message)])
    try:
        # Only the syntax is checked here: numbers stay text (no 4,300-digit int conversion);
        # the YAML pass below reads the values, within the limits.
        json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        position = Position(exc.lineno, exc.colno)
        message = f"not valid JSON: {exc.msg}"
        raise ConfigError([problem_at(path, text, position, "", message)]) from None
    parsed = parse_yaml(text.replace("\t", " "), path)  # JSON is YAML; tabs only indent here
    data = parsed.data
    if not isinstance(data, dict):
        message = "a manifest is a JSON object ({ ... }) with at least an `auth` key"
        raise ConfigError([problem_at(path, text, parsed.positions.value, "", message)])
    findings: list[Finding] = []
    manifest: Manifest | None = None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        findings += validation_findings(exc)
    problems = parsed.problems + place(findings, path, text, parsed.positions)
    if problems or manifest is None:
        raise ConfigError(capped(problems))
    try:
        return Blueprint.model_validate(as_blueprint(manifest, path)), parsed.positions
    except ValidationError as exc:  # a manifest that validates yields a valid Blueprint
        auth = parsed.positions.locate(("auth",))[1].value
        raise ConfigError([problem_at(path, text, auth, "auth", _first(exc))]) from None


def as_blueprint(manifest: Manifest, path: str) -> dict[str, Any]:
    """The Blueprint a manifest stands for, as data."""
    extra = manifest.workbench or WorkbenchBlock()
    variant = manifest.variant
    scheme = vendor_scheme(variant)
    params = [_parameter(name, spec) for name, spec in manifest.additional_parameters.items()]
    entry: dict[str, Any] = {"name": "authentication", "type": "authentication", "fields": []}
    secrets: dict[str, str] = {}
    if scheme is not None:
        entry.update(auth_type=variant, environments=extra.environments,
                     jwt=manifest.jwt.model_dump(exclude_none=True) if manifest.jwt else {})
    elif manifest.auth == "api_key":
        use = extra.api_key or ApiKeyUse()
        secrets["api_key"] = SECRET_FIELDS[use.location]
        entry.update(_api_key_entry(use))
    else:
        entry["auth_type"] = "oauth2"
        secrets.update(client_id="client_id", client_secret="client_secret")
    if manifest.auth == "oauth2" and manifest.oauth2 is not None:
        entry["oauth2_settings"] = {
            "grant_type": "authorization_code", "token_url": manifest.oauth2.token_url,
            "authorization_url": manifest.oauth2.login_url, "scopes": manifest.oauth2.scopes}
    base_url = extra.base_url or _default_base_url(manifest, scheme)
    if "{base_url}" in base_url and "base_url" not in manifest.additional_parameters:
        params.append({"name": "base_url", "type": "string", "required": True,
                       "description": "Where the system's API lives (the manifest does not say)."})
    steps = []
    if extra.check:
        method, _, endpoint = extra.check.strip().partition(" ")
        steps.append({"name": "check", "type": "rest", "http_method": method.upper(),
                      "endpoint": "{{%BASE_URL%}}/" + endpoint.strip().lstrip("/")})
    _apply_defaults(extra.defaults, params, entry)
    name = extra.name or Path(path).parent.name or Path(path).stem
    return {
        "interface_parameters": {"section": {"source": [*params, entry]}},
        "connector": {"name": name, "base_url": base_url, "default_headers": extra.headers},
        "pre_run_configurations": {"name": "check", "steps": steps} if steps else None,
        SESAM_KEY: {"auth": manifest.auth, "auth_variant": variant, "secret_fields": secrets},
    }


def _apply_defaults(defaults: dict[str, str], params: list[dict[str, Any]],
                    entry: dict[str, Any]) -> None:
    """Start values: a parameter's value, else an auth field's (added if the scheme implies it)."""
    for name, value in defaults.items():
        param = next((p for p in params if p["name"] == name), None)
        field = next((f for f in entry["fields"] if f["name"] == name), None)
        if param is not None:
            param["value"] = value
        elif field is not None:
            field["value"] = value
        else:
            entry["fields"].append({"name": name, "value": value})


def _api_key_entry(use: ApiKeyUse) -> dict[str, Any]:
    help_text = "The Sesam secret api_key."
    if use.location == "oauth2_client_secret":
        settings = {"grant_type": "client_credentials", "token_url": use.token_url,
                    "is_basic_auth": True}
        return {"auth_type": "oauth2", "oauth2_settings": settings, "fields": [
            {"name": "client_id", "value": use.username,
             "label": use.username_label or "Client id"},
            {"name": "client_secret", "label": "api_key", "is_encrypted": True,
             "description": help_text + " Sent as the OAuth2 client secret."}]}
    if use.location == "basic_password":
        return {"auth_type": "basic_http", "fields": [
            {"name": "username", "value": use.username,
             "label": use.username_label or "Username"},
            {"name": "password", "label": "api_key", "is_encrypted": True,
             "description": help_text + " Sent as the Basic password."}]}
    return {"auth_type": "api_key", "location": use.location, "fields": [
        {"name": "key_name", "value": use.name, "label": "Sent as"},
        {"name": "key_value", "label": "api_key", "is_encrypted": True,
         "description": f"{help_text} Sent as {use.name} exactly as typed."}]}


def _parameter(name: str, spec: dict[str, Any] | None) -> dict[str, Any]:
    spec = spec or {}
    found: dict[str, Any] = {"name": name, "type": "string"}
    for key in ("label", "description", "required"):
        if key in spec:
            found[key] = spec[key]
    if "value" in spec or "default" in spec:
        found["value"] = spec.get("value", spec.get("default"))
    return found


def _default_base_url(manifest: Manifest, scheme: VendorScheme | None) -> str:
    """Where requests go when the workbench block does not say (a vendor scheme decides)."""
    if scheme is not None and scheme.environments:
        return next(iter(scheme.environments.values()))
    if manifest.jwt is not None and manifest.jwt.login_url:
        login = manifest.jwt.login_url
        return login[: login.lower().rfind("/auth/")] if "/auth/" in login.lower() else login
    if manifest.oauth2 is not None and manifest.oauth2.token_url:
        parts = urlsplit(manifest.oauth2.token_url)
        return f"{parts.scheme}://{parts.netloc}"
    return "{base_url}"


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
