"""Integration platforms as plugins: one module each, found through a Python entry-point group.

A platform is a `Platform` value. A package makes one available by declaring it:

    [project.entry-points."workbench.platforms"]
    acme = "acme_platform:PLATFORM"

The entry point's name is what an account file's `platform:` key says. Core, CLI and GUI find
a platform here, by that name, and never name one themselves. What lives above the core (the
app's panel, the sandbox's stand-in, a CLI command) is named as "module:attribute" text and
imported only by the layer that uses it, so the core never imports Qt, the CLI or the sandbox.
Platforms load lazily, once; one that fails to load is reported, not fatal.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from workbench.core.formspec import FormSpec
    from workbench.core.platforms.account import PlatformAccount
    from workbench.core.redaction import Redactor
    from workbench.core.webhooks.signatures import SignatureCheck

ENTRY_POINT_GROUP = "workbench.platforms"
LOG = logging.getLogger(__name__)

ClientFactory = Callable[["Any", Mapping[str, str], "httpx.AsyncClient", "Redactor"], Any]
"""(account, the keys form's values, the recorded client, the run's redactor) → API client."""
KeyCheck = Callable[[Any], Awaitable[None]]
"""The cheapest call that proves the keys work, on the client; raises PlatformError if not."""
WebhookChecks = Callable[[str], "list[SignatureCheck]"]
"""How the platform signs webhooks, given the secrets typed (space-separated while rotating)."""


@dataclass(frozen=True)
class Command:
    """A command the platform adds to the CLI (`workbench job`). `module` is a module of the
    CLI layer with `DESCRIPTION`, `add_arguments(parser)` and `run(args, redactor) -> int`.
    `properties` are the JSON Schema of the keys its --json object adds, `required` those it
    always has once it ran."""

    name: str
    help: str
    module: str
    required: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StandIn:
    """The platform's local stand-in in the sandbox: mounted at `mount`, made by `app`
    ("module:function" returning an aiohttp Application). `demo` ("module:function") runs
    the platform's whole flow against it for `workbench demo`."""

    mount: str
    app: str
    demo: str = ""


@dataclass(frozen=True)
class Platform:
    """Everything the workbench knows about one platform, in one place.

    `account` is the account file's model (its JSON Schema is the file's schema), `form` the
    keys form for an account, `client` builds the API client, `check_keys` is the cheapest
    proof the keys work (`workbench check`, the app's Check keys), `webhook_checks` verify its
    webhooks, `outcomes` are the outcome words its commands print (for the --json schema).
    """

    name: str
    title: str
    account: type[PlatformAccount]
    form: Callable[[Any], FormSpec]
    client: ClientFactory
    check_keys: KeyCheck
    webhook_checks: WebhookChecks
    keys_label: str = ""  # the caption of the keys form: "Deck API keys"
    webhook_path: str = ""  # added to the receiver's URL in the platform's webhook URL
    outcomes: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()
    panel: str = ""  # "module:Class" of the app's panel for an account (a PlatformPanel)
    stand_in: StandIn | None = None

    @property
    def label(self) -> str:
        """What an account file of this platform is, in the library: "Deck account"."""
        return f"{self.title} account"

    def webhook_url(self, receiver_url: str) -> str:
        """Where this platform's webhooks go on a receiver (or a tunnel) at `receiver_url`;
        empty when there is none."""
        return receiver_url + self.webhook_path if receiver_url else ""


@dataclass(frozen=True)
class PluginProblem:
    """An installed platform that could not be used, and why."""

    name: str
    target: str
    reason: str


@cache
def _loaded() -> tuple[dict[str, Platform], tuple[PluginProblem, ...]]:
    found: dict[str, Platform] = {}
    problems: list[PluginProblem] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        if point.name in found:
            continue  # the first installed distribution wins, as for console scripts
        try:
            value: Any = point.load()
        except Exception as exc:  # a broken plugin must not take the app down
            problems.append(PluginProblem(point.name, point.value,
                                          f"{type(exc).__name__}: {exc}"))
            continue
        if not isinstance(value, Platform):
            problems.append(PluginProblem(point.name, point.value,
                                          f"is a {type(value).__name__}, not a Platform"))
        elif value.name != point.name:
            problems.append(PluginProblem(point.name, point.value,
                                          f"calls itself {value.name!r}; the names must match"))
        else:
            found[point.name] = value
    for problem in problems:
        LOG.warning("platform %s (%s) not loaded: %s", problem.name, problem.target,
                    problem.reason)
    return found, tuple(problems)


def platforms() -> dict[str, Platform]:
    """Every installed platform by name, in name order."""
    return dict(_loaded()[0])


def platform(name: str | None) -> Platform | None:
    """The installed platform called `name`, or None."""
    return _loaded()[0].get(name or "")


def platform_problems() -> tuple[PluginProblem, ...]:
    """Installed platforms that failed to load."""
    return _loaded()[1]


def reload_platforms() -> None:
    """Forget what was loaded (after installing a plugin, or in tests)."""
    _loaded.cache_clear()


def load_target(target: str) -> Any:
    """The object a "module:attribute" text names (a panel class, a stand-in's factory)."""
    module, _sep, attribute = target.partition(":")
    found: Any = importlib.import_module(module)
    for part in filter(None, attribute.split(".")):
        found = getattr(found, part)
    return found
