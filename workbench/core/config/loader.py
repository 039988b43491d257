"""Load connector files into Blueprints, reporting every problem at once with file:line:col."""

from __future__ import annotations

import codecs
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.core.config.checks import misspelled_keys, unknown_placeholders
from workbench.core.config.findings import Finding, capped, loader_guard, place
from workbench.core.config.limits import MAX_FILE_BYTES, size_problem
from workbench.core.config.manifest import is_manifest_path, load_manifest_data
from workbench.core.config.model import Blueprint
from workbench.core.config.positions import NodePosition, Position, problem_at
from workbench.core.config.validation import validation_findings
from workbench.core.config.yaml_loader import parse_yaml
from workbench.core.errors import ConfigError, ConfigProblem

CONNECTORS_ENV = "WORKBENCH_CONNECTORS"
CONNECTOR_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedConnector:
    """A connector file that loaded cleanly: its Blueprint, its text, and where each key sits."""

    path: Path
    blueprint: Blueprint
    text: str
    positions: NodePosition = field(
        default_factory=lambda: NodePosition(Position(1, 1)), repr=False, compare=False
    )

    @property
    def name(self) -> str:
        return self.blueprint.connector.name


def load_connector(path: str | os.PathLike[str]) -> LoadedConnector:
    """Read and load one connector file; any problem (even a missing file) is a ConfigError."""
    file = Path(path)
    return load_connector_text(read_connector(file), file)


@loader_guard
def load_connector_text(text: str, path: str | os.PathLike[str] = "<text>") -> LoadedConnector:
    """Load connector YAML (or a Sesam manifest) held in memory; `path` only names it in
    messages. Any problem at all is a ConfigError."""
    name = str(path)
    if is_manifest_path(name):
        manifest, positions = load_manifest_data(text, name)
        return LoadedConnector(Path(path), manifest, text, positions)
    parsed = parse_yaml(text, name)
    data = parsed.data
    if data is None:
        message = "the file is empty; a connector needs at least a `connector` block"
        raise ConfigError([problem_at(name, text, Position(1, 1), "", message)])
    if not isinstance(data, dict):
        message = f"the top level must be a mapping (key: value lines), not {_kind(data)}"
        raise ConfigError([problem_at(name, text, parsed.positions.value, "", message)])

    findings = misspelled_keys(data) + unknown_placeholders(data)
    blueprint: Blueprint | None = None
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        findings += validation_findings(exc)
    problems = parsed.problems + place(_drop_explained(findings), name, text, parsed.positions)
    if problems or blueprint is None:
        raise ConfigError(capped(problems))
    return LoadedConnector(Path(path), blueprint, text, parsed.positions)


def _drop_explained(findings: list[Finding]) -> list[Finding]:
    """A key reported as misspelled explains why its right spelling is missing: say it once."""
    meant = {(f.loc[:-1], f.suggestion) for f in findings if f.suggestion}
    return [f for f in findings if not (f.missing and (f.loc, f.missing) in meant)]


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{value[:60]}'" + ("…" if len(value) > 60 else "")
    shown = repr(value)
    return f"the value {shown[:60]}" + ("…" if len(shown) > 60 else "")


# Checked before UTF-8: a UTF-32 little-endian mark starts like a UTF-16 one.
_WIDE_MARKS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
               (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def read_connector(file: Path) -> str:
    """The file's text; every way reading can fail becomes a ConfigError, never a traceback.

    Only regular files are read (a named pipe would wait for a writer, a device never ends),
    and only up to the size limit, checked before reading.
    """
    try:
        info = file.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            message = ("not a regular file (a pipe, socket or device); connector files are "
                       "plain files")
            raise ConfigError([ConfigProblem(str(file), 1, 1, "", message)])
        too_big = size_problem(info.st_size)
        if too_big is None:
            with file.open("rb") as stream:
                raw = stream.read(MAX_FILE_BYTES + 1)  # it may have grown since stat
            too_big = size_problem(len(raw))
        if too_big is not None:
            raise ConfigError([ConfigProblem(str(file), 1, 1, "", too_big)])
        return _decode(file, raw)
    except FileNotFoundError:
        message = "file not found"
    except IsADirectoryError:
        message = "this is a folder, not a connector file"
    except PermissionError:
        message = "permission denied: the file cannot be read"
    except OSError as exc:
        message = f"the file cannot be read: {exc.strerror or exc}"
    raise ConfigError([ConfigProblem(str(file), 0, 0, "", message)])


def _decode(file: Path, raw: bytes) -> str:
    for mark, encoding in _WIDE_MARKS:
        if raw.startswith(mark):
            message = (f"this file is {encoding} text (it starts with a {encoding} byte-order "
                       "mark); save it as UTF-8")
            raise ConfigError([ConfigProblem(str(file), 1, 1, "", message)])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([_not_utf8(file, raw, exc)]) from None


def _not_utf8(file: Path, raw: bytes, exc: UnicodeDecodeError) -> ConfigProblem:
    start = raw.rfind(b"\n", 0, exc.start) + 1
    end = raw.find(b"\n", exc.start)
    line = raw[start : end if end >= 0 else len(raw)].decode("utf-8", "replace").rstrip()
    column = len(raw[start : exc.start].decode("utf-8", "replace")) + 1  # in characters
    message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
    return ConfigProblem(
        str(file), raw.count(b"\n", 0, exc.start) + 1, column, "", message, line[:160]
    )


def discover_connectors(folder: str | os.PathLike[str]) -> list[Path]:
    """Every *.yaml / *.yml file and Sesam manifest.json under `folder` (recursive, hidden
    folders skipped), sorted."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if (p.suffix.lower() in CONNECTOR_SUFFIXES or is_manifest_path(p))
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts[:-1])
    )


def bundled_connectors_dir() -> Path:
    """The shipped connectors: $WORKBENCH_CONNECTORS, else the repo's (or bundle's) connectors/."""
    override = os.environ.get(CONNECTORS_ENV)
    if override:
        return Path(override).expanduser()
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle keeps data beside the code
    if bundle:
        return Path(bundle) / "connectors"
    return Path(__file__).resolve().parents[3] / "connectors"
