"""The Blueprint connector model: what a connector file means, independent of YAML.

Known keys are typed; keys the Blueprint format allows elsewhere (report `steps`, pagination,
`variables_metadata`, …) are kept as extras so nothing a user wrote is lost.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from workbench.core.auth.plugins import vendor_scheme, vendor_schemes

BUILTIN_AUTH_TYPES = ("bearer", "basic_http", "api_key", "oauth2", "aws_sigv4", "digest", "hmac")
# Vendor schemes (plugins) add names at run time, so the schema offers these and allows more.
AuthType = Annotated[str, WithJsonSchema({
    "anyOf": [{"enum": [*BUILTIN_AUTH_TYPES, "tripletex", "superoffice-ticket", "jwt"]},
              {"type": "string", "description": "A scheme added by an installed plugin."}]})]
GrantType = Literal["client_credentials", "refresh_token", "authorization_code", "password",
                    "jwt_bearer"]
ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "client_secret_jwt",
                           "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth",
                           "none"]
SigningAlg = Literal["RS256", "PS256", "ES256", "HS256"]
ParameterType = Literal[
    "string", "integer", "boolean", "date_range", "list", "multiselect", "authentication"
]
TOKEN_RESPONSE_KEYS = ("access_token", "expires_in", "token_type", "refresh_token")
# Token-response names that only rename keys (via key_map); never inputs, never placeholders.
RESPONSE_ONLY_KEYS = ("access_token", "expires_in", "token_type")

# Input fields each scheme works with even when the file does not list them (the engine implies
# them); steps may use them as placeholders because the check fills them from the form.
IMPLIED_AUTH_FIELDS: dict[str, tuple[str, ...]] = {
    "bearer": ("bearer_token",),
    "basic_http": ("username", "password"),
    "api_key": ("key_name", "key_value"),
    "oauth2": ("client_id", "client_secret", "refresh_token", "code", "redirect_uri",
               "username", "password", "private_key", "key_id", "subject"),
    "aws_sigv4": ("access_key_id", "secret_access_key", "session_token", "region", "service"),
    "digest": ("username", "password"),
    "hmac": ("key_id", "hmac_key"),
}

# Text the user may write unquoted (`8080`, `true`): accepted, and turned back into text.
Text = Annotated[str, WithJsonSchema({"type": ["string", "number", "boolean"]})]


class _Open(BaseModel):
    """A model that keeps unknown keys (the format has more than we interpret)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    # Keys the Blueprint format defines at this level that we keep without interpreting; the
    # loader knows them so that it neither calls them misspellings nor misses their typos.
    uninterpreted_keys: ClassVar[frozenset[str]] = frozenset()


class FieldEntry(_Open):
    """One field of an authentication entry (`client_id`, `password`, `access_token`, …)."""

    name: str = Field(description="Field name: client_id, password, bearer_token, key_value, …")
    type: str = "string"
    value: Text | None = Field(default=None, description="Default (or fixed) value.")
    is_encrypted: bool = Field(default=False, description="A secret: masked, kept in the keychain.")
    key_map: str | None = Field(
        default=None,
        description="Name (or dotted path) of this field in a non-standard token response.",
    )
    label: str | None = Field(default=None, description="Label shown in the form.")
    description: str | None = Field(default=None, description="Help text shown in the form.")
    required: bool | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _scalar_to_text(cls, value: Any) -> Any:
        return _scalar_text(value)


class OAuth2Settings(_Open):
    """`oauth2_settings` of an oauth2 entry; extra keys are authorization parameters."""

    grant_type: GrantType
    token_url: str = Field(description="Endpoint that issues access tokens.")
    is_basic_auth: bool = Field(
        default=False,
        description="Send client_id/client_secret in a Basic Authorization header, not the body.",
    )
    scopes: str | list[str] | None = Field(default=None, description="Space-separated or a list.")
    authorization_url: str | None = Field(
        default=None, description="Login page for the authorization_code grant."
    )
    device_authorization_url: str | None = Field(
        default=None, description="Device authorization endpoint (RFC 8628), for logging in "
        "on another device.")
    issuer: str | None = Field(
        default=None, description="The provider's issuer (RFC 9207): a login's redirect must come "
        "from it. Default: learned from the metadata at the authorization URL's origin.")
    token_endpoint_auth_method: ClientAuthMethod | None = Field(
        default=None, description="How the client authenticates at the token endpoint. Default: "
        "client_secret_basic with is_basic_auth, else client_secret_post (none without a "
        "secret). private_key_jwt and client_secret_jwt sign an assertion (RFC 7523); "
        "tls_client_auth and self_signed_tls_client_auth use the client certificate (RFC 8705).")
    signing_alg: SigningAlg | None = Field(
        default=None, description="Algorithm of client assertions and JWT bearer assertions. "
        "Default: the key's (RS256 for RSA, ES256 for EC P-256); HS256 for client_secret_jwt.")
    assertion_audience: str = Field(
        default="token_endpoint", description="The aud of signed assertions: token_endpoint (the "
        "URL the request goes to), issuer (oauth2_settings.issuer), or a URL of its own.")
    assertion_claims: dict[str, Text] = Field(
        default_factory=dict, description="Extra claims of a jwt_bearer assertion (Google "
        "service accounts want scope here).")
    audience: str | None = Field(
        default=None, description="The API the token is for, as Auth0 and others name it: sent "
        "as audience with token and authorization requests.")
    resource: str | list[str] | None = Field(
        default=None, description="RFC 8707 resource indicator(s): the API URL(s) the token is "
        "for, sent as resource with token and authorization requests.")
    dpop: bool = Field(
        default=False, description="Bind tokens to a key with DPoP proofs (RFC 9449) on token "
        "requests and API calls; a server nonce (use_dpop_nonce) is retried once.")
    use_mtls_endpoint_aliases: bool = Field(
        default=True, description="With tls_client_auth/self_signed_tls_client_auth, send token "
        "(and introspection, revocation) requests to the metadata's mtls_endpoint_aliases.")
    introspection_url: str | None = Field(
        default=None, description="RFC 7662 introspection endpoint. Default: from the metadata.")
    revocation_url: str | None = Field(
        default=None, description="RFC 7009 revocation endpoint. Default: from the metadata.")

    @field_validator("assertion_claims", mode="before")
    @classmethod
    def _claims_to_text(cls, claims: Any) -> Any:
        if isinstance(claims, dict):
            return {k: _scalar_text(v) for k, v in claims.items()}
        return claims

    @model_validator(mode="after")
    def _check_client_auth(self) -> OAuth2Settings:
        method = self.token_endpoint_auth_method
        if self.is_basic_auth and method not in (None, "client_secret_basic"):
            raise ValueError(f"is_basic_auth: true sends a client secret in a Basic header; it "
                             f"cannot go with token_endpoint_auth_method {method}")
        if method == "client_secret_jwt" and self.signing_alg not in (None, "HS256"):
            raise ValueError("client_secret_jwt signs with the client secret: signing_alg must "
                             "be HS256 (use private_key_jwt for RS256, PS256 or ES256)")
        if method == "private_key_jwt" and self.signing_alg == "HS256":
            raise ValueError("private_key_jwt signs with a private key: signing_alg HS256 is "
                             "client_secret_jwt")
        if self.assertion_audience == "issuer" and not self.issuer:
            raise ValueError("assertion_audience: issuer needs oauth2_settings.issuer")
        return self

    @property
    def client_auth_method(self) -> str:
        """The effective token_endpoint_auth_method (before knowing if there is a secret)."""
        if self.token_endpoint_auth_method:
            return self.token_endpoint_auth_method
        return "client_secret_basic" if self.is_basic_auth else "client_secret_post"

    @property
    def uses_mtls(self) -> bool:
        """The client certificate is the client's credential (RFC 8705)."""
        return self.client_auth_method in ("tls_client_auth", "self_signed_tls_client_auth")

    def resources(self) -> list[str]:
        """The resource indicators, as a list."""
        if isinstance(self.resource, list):
            return [r for r in self.resource if r]
        return [self.resource] if self.resource else []

    def target_params(self) -> dict[str, str | list[str]]:
        """audience and resource, for token requests."""
        params: dict[str, str | list[str]] = {}
        if self.audience:
            params["audience"] = self.audience
        if self.resources():
            params["resource"] = self.resources()
        return params

    def scope_string(self) -> str:
        """Scopes as the space-separated string the token endpoint expects."""
        if isinstance(self.scopes, list):
            return " ".join(s for s in self.scopes if s)
        return " ".join((self.scopes or "").split())

    def extra_authorization_params(self) -> dict[str, str]:
        """Extra keys (prompt, access_type, …), audience and the (first) resource indicator,
        for the authorization request."""
        params = {k: str(v) for k, v in (self.model_extra or {}).items() if v is not None}
        if self.audience:
            params["audience"] = self.audience
        if self.resources():
            params["resource"] = self.resources()[0]
        return params


class AwsSigV4Settings(_Open):
    """`aws_sigv4` of an aws_sigv4 entry (region, service and keys are form fields)."""

    unsigned_payload: bool = Field(
        default=False, description="S3 only: send x-amz-content-sha256: UNSIGNED-PAYLOAD "
        "instead of signing the body's hash.")


HmacComponent = Annotated[str, Field(
    pattern=r"^(method|path|path_only|query|host|timestamp|nonce|key_id|body|body_sha256|"
            r"body_sha256_base64|body_md5_base64|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+|literal:.*)$")]


class HmacSettings(_Open):
    """`hmac` of an hmac entry: what is signed, how, and where the signature goes."""

    algorithm: Literal["sha256", "sha512", "sha1"] = "sha256"
    components: list[HmacComponent] = Field(
        default_factory=lambda: ["method", "path", "timestamp", "nonce", "body_sha256"],
        description="What is signed, in order, joined by separator: method, path (with the "
        "query), path_only, query, host, timestamp, nonce, key_id, body, body_sha256 (hex), "
        "body_sha256_base64, body_md5_base64, header:<name>, literal:<text>.")
    separator: str = Field(default="\n", description="Between components.")
    encoding: Literal["hex", "base64", "base64url"] = Field(
        default="base64", description="How the signature is written.")
    key_encoding: Literal["text", "base64", "hex"] = Field(
        default="text", description="How hmac_key is given: as text, or the key's bytes in "
        "base64 or hex (a key shown as base64 is usually meant as bytes).")
    signature_header: str = Field(default="X-Signature", description="Header of the signature.")
    signature_format: str = Field(
        default="{signature}", description="The header's value; {signature} and {key_id} are "
        "filled (e.g. 'HMAC {key_id}:{signature}').")
    timestamp_header: str | None = Field(default="X-Timestamp",
                                         description="Header of the timestamp; null for none.")
    timestamp_format: Literal["unix", "unix_ms", "iso8601", "http_date"] = "unix"
    nonce_header: str | None = Field(default="X-Nonce", description="Header of a unique "
                                     "nonce per request; null for none.")
    key_id_header: str | None = Field(default=None, description="Header of key_id, if any.")
    body_digest_header: str | None = Field(
        default=None, description="Also send the body's SHA-256 (hex) in this header "
        "(X-Content-SHA256).")


class Parameter(_Open):
    """A plain interface parameter (`type: string` and friends) with its default in `value`."""

    name: str = Field(description="Referenced as {name} or {{%name%}}.")
    type: Literal["string", "integer", "boolean", "date_range", "list", "multiselect"] = "string"
    value: Any = Field(default=None, description="Default value.")
    is_encrypted: bool = False
    label: str | None = Field(default=None, description="Label shown in the form.")
    description: str | None = Field(default=None, description="Help text shown in the form.")
    required: bool | None = None
    options: list[Any] | None = None

    @property
    def default_text(self) -> str:
        return "" if self.value is None else str(_scalar_text(self.value))


class Authentication(_Open):
    """A `type: authentication` entry: how requests prove who they are."""

    name: str
    type: Literal["authentication"]
    auth_type: AuthType | None = None
    location: Literal["header", "query_param"] | None = None
    oauth2_settings: OAuth2Settings | None = None
    aws_sigv4: AwsSigV4Settings | None = None
    hmac: HmacSettings | None = None
    fields: list[FieldEntry] = Field(default_factory=list)

    @field_validator("auth_type")
    @classmethod
    def _known_auth_type(cls, auth_type: str | None) -> str | None:
        if auth_type is None or auth_type in BUILTIN_AUTH_TYPES or vendor_scheme(auth_type):
            return auth_type
        known = ", ".join([*BUILTIN_AUTH_TYPES, *sorted(vendor_schemes())])
        raise ValueError(f"unknown auth_type {auth_type!r}; known: {known}")

    @model_validator(mode="after")
    def _check_shape(self) -> Authentication:
        vendor = vendor_scheme(self.auth_type)
        signs_in = self.auth_type == "oauth2" or bool(vendor and vendor.uses_oauth2)
        if self.auth_type == "oauth2" and self.oauth2_settings is None:
            raise ValueError("auth_type oauth2 needs an oauth2_settings block")
        if not signs_in and self.oauth2_settings is not None:
            raise ValueError(
                f"oauth2_settings only applies to auth_type oauth2, not {self.auth_type}"
            )
        if self.location is not None and self.auth_type != "api_key":
            raise ValueError("location only applies to auth_type api_key")
        for block in ("aws_sigv4", "hmac"):
            if getattr(self, block) is not None and self.auth_type != block:
                raise ValueError(f"{block} only applies to auth_type {block}")
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"field listed twice: {', '.join(dupes)}")
        return self

    def field(self, name: str) -> FieldEntry | None:
        return next((f for f in self.fields if f.name == name), None)

    def key_map(self) -> dict[str, str]:
        """Standard token-response key → the provider's key, from fields with `key_map`."""
        return {
            f.name: f.key_map for f in self.fields if f.key_map and f.name in TOKEN_RESPONSE_KEYS
        }


_PARAMETER_TYPES = frozenset(get_args(Parameter.model_fields["type"].annotation))


def _source_kind(entry: Any) -> str:
    """Which model an entry is; one with a mistyped `type` but auth keys is still auth."""
    if not isinstance(entry, dict):
        kind = getattr(entry, "type", None)
        return "authentication" if kind == "authentication" else "parameter"
    kind = entry.get("type")
    if kind == "authentication":
        return "authentication"
    looks_like_auth = "auth_type" in entry or "fields" in entry
    known = isinstance(kind, str) and kind in _PARAMETER_TYPES  # `type: [[…]]` is no type
    return "authentication" if looks_like_auth and not known else "parameter"


# Each entry validates against exactly one model, so errors name that model's keys.
SourceEntry = Annotated[
    Annotated[Authentication, Tag("authentication")] | Annotated[Parameter, Tag("parameter")],
    Discriminator(_source_kind),
]


class Section(_Open):
    source: list[SourceEntry] = Field(default_factory=list)


class InterfaceParameters(_Open):
    section: Section = Field(default_factory=Section)


class ConnectorInfo(_Open):
    """The `connector` block: where requests go and what they always carry."""

    uninterpreted_keys = frozenset(
        {"default_retry_strategy", "variables_metadata", "variables_storages"}
    )

    name: str
    base_url: str = Field(description="May hold {parameter} placeholders.")
    default_headers: dict[str, Text] = Field(
        default_factory=dict, description="Headers sent with every request."
    )

    @field_validator("default_headers", mode="before")
    @classmethod
    def _header_values_to_text(cls, headers: Any) -> Any:
        if isinstance(headers, dict):
            return {k: _scalar_text(v) for k, v in headers.items()}
        return headers


class Step(_Open):
    """A step of `pre_run_configurations`; `rest` steps are what a connection check sends."""

    uninterpreted_keys = frozenset(
        {"pagination", "variables_output", "items_path", "item_name", "nested_steps"}
    )

    name: str | None = None
    type: str = Field(default="rest", description="rest steps are sent by a connection check.")
    description: str | None = None
    http_method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
    endpoint: str | None = Field(default=None, description='For example "{{%BASE_URL%}}/me".')
    headers: dict[str, Text] = Field(default_factory=dict)
    query_params: dict[str, Text] = Field(default_factory=dict)
    body: Any = None

    @field_validator("http_method", mode="before")
    @classmethod
    def _upper_method(cls, method: Any) -> Any:
        return method.upper() if isinstance(method, str) else method

    @field_validator("headers", "query_params", mode="before")
    @classmethod
    def _values_to_text(cls, mapping: Any) -> Any:
        if isinstance(mapping, dict):
            return {k: _scalar_text(v) for k, v in mapping.items()}
        return mapping

    @model_validator(mode="after")
    def _rest_needs_endpoint(self) -> Step:
        if self.type == "rest" and not self.endpoint:
            raise ValueError("a rest step needs an endpoint")
        return self


class RunConfiguration(_Open):
    name: str | None = None
    steps: list[Step] = Field(default_factory=list)


class Blueprint(_Open):
    """A whole Blueprint connector file."""

    uninterpreted_keys = frozenset({"steps", "multi-reports", "post_run_configurations"})

    interface_parameters: InterfaceParameters | None = None
    connector: ConnectorInfo
    pre_run_configurations: RunConfiguration | None = None

    @property
    def parameters(self) -> list[Parameter]:
        if self.interface_parameters is None:
            return []
        return [e for e in self.interface_parameters.section.source if isinstance(e, Parameter)]

    @property
    def authentication(self) -> Authentication | None:
        """The connector's (first) authentication entry, or None for no auth."""
        if self.interface_parameters is None:
            return None
        entries = self.interface_parameters.section.source
        return next((e for e in entries if isinstance(e, Authentication)), None)

    @property
    def check_steps(self) -> list[Step]:
        """The rest steps a connection check runs, in order."""
        if self.pre_run_configurations is None:
            return []
        return [s for s in self.pre_run_configurations.steps if s.type == "rest"]


def _scalar_text(value: Any) -> Any:
    """Numbers and booleans written where text is meant become the text the user wrote."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value
