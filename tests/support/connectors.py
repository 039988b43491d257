"""Build small Blueprint connectors for tests, pointing at a local server."""

from __future__ import annotations

import textwrap

from workbench.core.check import CheckOptions, CheckResult, run_check
from workbench.core.config import Blueprint, load_connector_text
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings


def blueprint(yaml_text: str) -> Blueprint:
    return load_connector_text(textwrap.dedent(yaml_text), "test.yaml").blueprint


def auth_connector(auth_yaml: str, *, steps: str = "", params: str = "") -> Blueprint:
    """A connector with `base_url: {url}` and the given authentication entry (indented YAML)."""
    auth = textwrap.indent(textwrap.dedent(auth_yaml).strip(), " " * 6)
    extra = textwrap.indent(textwrap.dedent(params).strip(), " " * 6) if params else ""
    text = (
        "interface_parameters:\n"
        "  section:\n"
        "    source:\n"
        '      - name: "url"\n'
        '        type: "string"\n'
        + (extra + "\n" if extra else "")
        + auth + "\n"
        "connector:\n"
        '  name: "Test"\n'
        '  base_url: "{url}"\n'
        + (textwrap.dedent(steps) if steps else
           "pre_run_configurations:\n"
           "  steps:\n"
           '    - name: "Who am I"\n'
           "      type: rest\n"
           '      endpoint: "{{%BASE_URL%}}/me"\n')
    )
    return load_connector_text(text, "test.yaml").blueprint


async def check(
    bp: Blueprint, values: dict[str, str], log: EventLog | None = None, **options: object
) -> CheckResult:
    log = EventLog() if log is None else log
    opts = CheckOptions(**options)  # type: ignore[arg-type]
    if "settings" not in options:
        opts.settings = TransportSettings(timeout=5.0, connect_timeout=2.0)
    return await run_check(bp, values, log, opts)


def oauth_entry(grant: str, basic: bool, extra_fields: str = "", scopes: str = "") -> str:
    """An oauth2 authentication entry whose token_url is `{url}/token`."""
    return f"""
        - name: auth
          type: authentication
          auth_type: oauth2
          oauth2_settings:
            grant_type: {grant}
            token_url: "{{url}}/token"
            is_basic_auth: {"true" if basic else "false"}
            {f'scopes: "{scopes}"' if scopes else ""}
          fields:
            - name: client_id
            - name: client_secret
              is_encrypted: true
{extra_fields}
    """
