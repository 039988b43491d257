"""Vendor auth schemes as plugins: one module each, found through a Python entry-point group.

A scheme is a `VendorScheme` value. A package makes one available by declaring it:

    [project.entry-points."workbench.auth_schemes"]
    acme-hmac = "acme_workbench.scheme:SCHEME"

The entry point's name is the `auth_type` (Blueprint) or `auth_variant` (Sesam manifest) that
selects the scheme. Schemes load lazily, once; one that fails to load is reported, not fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Literal

import httpx

from workbench.core.errors import InputError
from workbench.core.templates import fill

if TYPE_CHECKING:
    from workbench.core.auth import AuthContext
    from workbench.core.auth.tokens import TokenSet
    from workbench.core.config.model import Authentication
    from workbench.core.formspec import FormField
    from workbench.core.verdict import Verdict

ENTRY_POINT_GROUP = "workbench.auth_schemes"
LOG = logging.getLogger(__name__)

Builder = Callable[["Authentication", Mapping[str, str], "AuthContext"], httpx.Auth]
BaseUrl = Callable[["Authentication", Mapping[str, str]], str]
Received = Callable[[Mapping[str, str], "httpx.Auth | None"], Mapping[str, str]]
Hint = Callable[["Verdict", Mapping[str, str]], "str | None"]
Prepare = Callable[[Mapping[str, str], "TokenSet | None"], dict[str, str]]


@dataclass(frozen=True)
class VendorScheme:
    """How one vendor's connections authenticate, and how the workbench checks them.

    `build` turns form values into an httpx.Auth flow (logins, session tokens, retries);
    `check` is the request that proves the credentials work when a connector names none;
    `received` lists what a Sesam system would be given after a successful run.
    """

    name: str
    title: str
    fields: tuple[FormField, ...]
    build: Builder
    check: str = ""  # "GET /path" relative to the base URL
    base_url: BaseUrl | None = None  # where requests go, from the values (an environment)
    sesam_auth: Literal["oauth2", "api_key"] = "api_key"  # the manifest `auth` it extends
    injected: tuple[str, ...] = ()  # Sesam secret names the system receives
    received: Received | None = None
    hint: Hint | None = None  # a vendor-specific hint for a failed check
    prepare: Prepare | None = None  # fill values from an earlier sign-in (an id_token's claims)
    environments: Mapping[str, str] = field(default_factory=dict)  # name → default base URL

    @property
    def uses_oauth2(self) -> bool:
        """Signs in with OAuth2 first (so the connector keeps an oauth2_settings block)."""
        return self.sesam_auth == "oauth2"


@dataclass(frozen=True)
class PluginProblem:
    """An installed scheme that could not be used, and why."""

    name: str
    target: str
    reason: str


@cache
def _loaded() -> tuple[dict[str, VendorScheme], tuple[PluginProblem, ...]]:
    schemes: dict[str, VendorScheme] = {}
    problems: list[PluginProblem] = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in schemes:
            continue  # the first installed distribution wins, as for console scripts
        try:
            scheme: Any = point.load()
        except Exception as exc:  # a broken plugin must not take the app down
            problems.append(PluginProblem(point.name, point.value,
                                          f"{type(exc).__name__}: {exc}"))
            continue
        if not isinstance(scheme, VendorScheme):
            problems.append(PluginProblem(point.name, point.value,
                                          f"is a {type(scheme).__name__}, not a VendorScheme"))
        elif scheme.name != point.name:
            problems.append(PluginProblem(point.name, point.value,
                                          f"calls itself {scheme.name!r}; the names must match"))
        else:
            schemes[point.name] = scheme
    for problem in problems:
        LOG.warning("auth scheme %s (%s) not loaded: %s", problem.name, problem.target,
                    problem.reason)
    return schemes, tuple(problems)


def environment_url(entry: Authentication, values: Mapping[str, str],
                    defaults: Mapping[str, str], fallback: str) -> str:
    """The URL of the environment named in `values["environment"]`. A connector's
    `environments` may add names or point them elsewhere (a sandbox), with {placeholders}."""
    extra = (entry.model_extra or {}).get("environments")
    hosts = {**defaults, **({str(k): str(v) for k, v in extra.items()}
                            if isinstance(extra, dict) else {})}
    name = values.get("environment") or fallback
    if name not in hosts:
        raise InputError(f"unknown environment {name!r}; choose {', '.join(hosts)}")
    return fill(hosts[name], values, what=f"environment {name}").rstrip("/")


def environment_names(entry: Authentication, defaults: Iterable[str]) -> tuple[str, ...]:
    """The environments to offer: the scheme's and the connector's own."""
    extra = (entry.model_extra or {}).get("environments")
    return tuple(dict.fromkeys([*defaults, *(extra if isinstance(extra, dict) else ())]))


def json_body(response: httpx.Response) -> Any:
    """A response's JSON, or None when it is not JSON (an HTML error page, garbage)."""
    try:
        return response.json()
    except ValueError:
        return None


def vendor_schemes() -> dict[str, VendorScheme]:
    """Every installed vendor scheme by name."""
    return dict(_loaded()[0])


def vendor_scheme(name: str | None) -> VendorScheme | None:
    """The installed scheme called `name`, or None."""
    return _loaded()[0].get(name or "")


def plugin_problems() -> tuple[PluginProblem, ...]:
    """Installed schemes that failed to load."""
    return _loaded()[1]


def reload_schemes() -> None:
    """Forget what was loaded (after installing a plugin, or in tests)."""
    _loaded.cache_clear()
