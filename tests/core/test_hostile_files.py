"""Hostile connector files: each of the nastiest cases loads or is refused fast, with a position.

Every case is generated here (nothing huge is committed). A refusal must be a ConfigError whose
problems each name a line and column (1-based) and say in words what is wrong; nothing else may
escape the loaders, and none may take long.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.config import load_connector_text
from workbench.core.config.limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_KEYS,
    MAX_LINE_CHARS,
    MAX_NODES,
    MAX_NUMBER_CHARS,
    MAX_PROBLEMS,
    MAX_SCALAR_CHARS,
)
from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError, ConfigProblem
from workbench.core.platforms.account import load_platform_text

FAST_S = 2.0  # generous for a loaded 2-core CI machine; the cases take milliseconds when idle

GOOD = """\
interface_parameters:
  section:
    source:
      - name: "sandbox_url"
        type: "string"
        value: "http://127.0.0.1:8765"
      - name: "sandbox_auth"
        type: "authentication"
        auth_type: "bearer"
        fields:
          - name: "bearer_token"
            is_encrypted: true
connector:
  name: "Hostile"
  base_url: "{sandbox_url}/api"
"""
MANIFEST = '{\n  "auth": "api_key",\n  "workbench": {"base_url": "http://127.0.0.1:9"}\n}\n'
DECK = "platform: deck\nname: My Deck\nclient_id: abc\n"


def refused(load: Callable[[], object]) -> list[ConfigProblem]:
    """The problems of a load that must fail fast with positioned problems only."""
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load()
    elapsed = time.perf_counter() - started
    assert elapsed < FAST_S, f"took {elapsed:.2f} s"
    problems = caught.value.problems
    assert problems
    for problem in problems:
        assert problem.line >= 1 and problem.column >= 1, problem
        assert len(problem.format()) < 2_000, "a problem is shown in a few lines, not megabytes"
    return problems


def yaml_refused(text: str, path: str = "hostile.yaml") -> list[ConfigProblem]:
    return refused(lambda: load_connector_text(text, path))


def laughs(levels: int, fan: int = 9) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fan) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * fan) + "]")
    return "\n".join(lines) + "\n"


# -- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["value", "key", "list item", "negative"])
def test_an_integer_literal_over_python_s_limit_is_refused_at_its_position(where: str) -> None:
    digits = "9" * (1_000 if where == "key" else 5_000)  # YAML caps simple keys at 1,024
    line = {"value": f"  extra: {digits}\n", "key": f"  {digits}: x\n",
            "list item": f"  extra: [1, {digits}]\n", "negative": f"  extra: -{digits}\n"}[where]
    text = GOOD.replace('  name: "Hostile"\n', '  name: "Hostile"\n' + line)
    [problem] = yaml_refused(text)
    assert problem.line == 15
    length = {"key": "1,000", "negative": "5,001"}.get(where, "5,000")
    assert f"{length} characters" in problem.message
    assert f"at most {MAX_NUMBER_CHARS}" in problem.message and "quotes" in problem.message


def test_a_huge_integer_in_a_manifest_is_refused_at_its_position() -> None:
    text = MANIFEST.replace('"auth": "api_key",', '"auth": "api_key", "n": ' + "7" * 5_000 + ",")
    [problem] = refused(lambda: load_connector_text(text, "acme/manifest.json"))
    assert (problem.line, problem.column) == (2, 27)
    assert "number" in problem.message


def test_a_huge_integer_in_a_platform_account_is_refused() -> None:
    text = DECK + "connection_idle_minutes: " + "1" * 5_000 + "\n"
    [problem] = refused(lambda: load_platform_text(text, "deck.yaml"))
    assert (problem.line, problem.column) == (4, 26)


# -- characters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("char", "name"), [("\x00", "NUL"), ("\x01", "U+0001"),
                                            ("\x1b", "ESC"), ("\x7f", "DEL"), ("\ufffe", "U+FFFE")])
def test_a_control_character_is_refused_at_its_position(char: str, name: str) -> None:
    text = GOOD.replace('name: "Hostile"', f'name: "Hos{char}tile"')
    [problem] = yaml_refused(text)
    assert (problem.line, problem.column) == (14, 13)
    assert name in problem.message and "not allowed" in problem.message


@pytest.mark.parametrize("escape", ["\\0", "\\x01", "\\e", "\\u0007"])
def test_an_escaped_control_character_in_a_value_is_refused(escape: str) -> None:
    text = GOOD.replace('name: "Hostile"', f'name: "Hos{escape}tile"')
    [problem] = yaml_refused(text)
    assert (problem.line, problem.column) == (14, 9)
    assert "control character" in problem.message


def test_a_control_character_in_a_manifest_is_refused_at_its_position() -> None:
    text = MANIFEST.replace('"api_key"', '"api\x00key"')
    [problem] = refused(lambda: load_connector_text(text, "acme/manifest.json"))
    assert (problem.line, problem.column) == (2, 15)


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ud83d x"])
def test_an_escaped_lone_surrogate_is_refused(escape: str) -> None:
    text = GOOD.replace('name: "Hostile"', f'name: "Hos{escape}tile"')
    [problem] = yaml_refused(text)
    assert problem.line == 14 and "surrogate" in problem.message


def test_a_lone_surrogate_in_a_manifest_is_refused_but_a_pair_is_one_character() -> None:
    lone = MANIFEST.replace('"api_key",', '"api_key", "label": "\\ud800",')
    [problem] = refused(lambda: load_connector_text(lone, "acme/manifest.json"))
    assert problem.line == 2 and "surrogate" in problem.message
    pair = MANIFEST.replace('"http://127.0.0.1:9"}',
                            '"http://127.0.0.1:9", "name": "Acme \\ud83d\\ude00"}')
    loaded = load_connector_text(pair, "acme/manifest.json")
    assert loaded.name == "Acme \U0001f600"


def test_a_raw_lone_surrogate_in_text_is_refused_at_its_position() -> None:
    [problem] = yaml_refused(GOOD.replace('"Hostile"', '"Hos\ud800tile"'))
    assert (problem.line, problem.column) == (14, 13) and "surrogate" in problem.message


def test_invalid_utf8_names_line_and_column_in_characters(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(GOOD.replace('"Hostile"', '"Hé\xffstile"').encode("utf-8", "surrogateescape")
                     .replace(b"\xc3\xbf", b"\xff"))
    [problem] = refused(lambda: load_file(path))
    assert (problem.line, problem.column) == (14, 12)
    assert "not UTF-8" in problem.message


@pytest.mark.parametrize("bom", ["utf-16", "utf-32"])
def test_a_utf16_or_utf32_file_is_named_as_such(tmp_path: Path, bom: str) -> None:
    path = tmp_path / "wide.yaml"
    path.write_bytes(GOOD.encode(bom))  # Python writes the byte-order mark first
    [problem] = refused(lambda: load_file(path))
    assert (problem.line, problem.column) == (1, 1)
    assert bom.upper() in problem.message and "save it as UTF-8" in problem.message


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_file(path).name == "Hostile"
    manifest = tmp_path / "acme" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_bytes(b"\xef\xbb\xbf" + MANIFEST.encode())
    assert load_file(manifest).name == "acme"


# -- nesting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 10_000])
def test_deep_flow_nesting_is_refused_where_it_gets_too_deep(depth: int) -> None:
    text = "connector: " + "[" * depth + "]" * depth + "\n"
    [problem] = yaml_refused(text)
    assert problem.line == 1 and problem.column == 12 + MAX_DEPTH - 1
    assert f"more than {MAX_DEPTH} levels" in problem.message


def test_deep_block_nesting_is_refused() -> None:
    text = "connector:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 1_200))
    [problem] = yaml_refused(text)
    assert problem.line == MAX_DEPTH + 1 and "levels" in problem.message
    dashes = "- " * 10_000 + "x\n"  # a list in a list in a list…, on one line
    [problem] = yaml_refused(dashes)
    assert problem.line == 1 and "levels" in problem.message


@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_deep_json_is_refused_at_its_position(depth: int) -> None:
    text = '{"auth": "api_key", "x": ' + "[" * depth + "]" * depth + "}"
    [problem] = refused(lambda: load_connector_text(text, "acme/manifest.json"))
    assert (problem.line, problem.column) == (1, 26 + MAX_DEPTH - 1)
    assert "levels" in problem.message


def test_deep_nesting_in_a_platform_account_is_refused() -> None:
    text = DECK + "description: " + "[" * 5_000 + "]" * 5_000 + "\n"
    [problem] = refused(lambda: load_platform_text(text, "deck.yaml"))
    assert problem.line == 4 and "levels" in problem.message


# -- aliases and sheer size ----------------------------------------------------------------------


def test_a_billion_laughs_fails_fast_and_names_the_alias() -> None:
    [problem] = yaml_refused(laughs(9) + GOOD)
    assert "alias" in problem.message and f"{MAX_NODES:,}" in problem.message
    assert problem.line <= 9


def test_nested_aliases_cannot_make_the_checks_exponential() -> None:
    """The 1.3 KB file that took 12 s: each level reuses the one below it."""
    small = laughs(6, fan=7) + GOOD.replace('  base_url: "{sandbox_url}/api"\n',
                                            '  base_url: "{sandbox_url}/api"\n  extra: *l5\n')
    assert len(small) < 1_500
    [problem] = yaml_refused(small)
    assert "alias" in problem.message


def test_merge_keys_that_double_at_each_level_are_refused() -> None:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: {i}}}" for i in range(1, 30)]
    [problem] = yaml_refused("\n".join(lines) + "\n" + GOOD)
    assert "alias" in problem.message


def test_modest_alias_reuse_still_loads() -> None:
    text = GOOD.replace("connector:\n", "defaults: &defaults\n  Accept: application/json\n"
                        "connector:\n") + "  default_headers: *defaults\n"
    loaded = load_connector_text(text, "aliases.yaml")
    assert loaded.blueprint.connector.default_headers == {"Accept": "application/json"}


def test_a_map_of_100k_keys_fails_fast_at_the_first_key_too_many() -> None:
    text = GOOD + "extra:\n" + "".join(f"  k{i}: {i}\n" for i in range(100_000))
    [problem] = yaml_refused(text)
    assert problem.line == 17 + MAX_KEYS
    assert f"more than {MAX_KEYS:,} keys" in problem.message


def test_too_many_values_overall_are_refused() -> None:
    lists = "".join(f"k{i}: [" + ", ".join(["1"] * 1_000) + "]\n" for i in range(60))
    [problem] = yaml_refused(GOOD + lists)
    assert f"more than {MAX_NODES:,} values" in problem.message


def test_a_line_over_the_limit_is_refused_with_its_line_number() -> None:
    text = GOOD + "extra: " + "x" * 100_000 + "\n"
    [problem] = yaml_refused(text)
    assert problem.line == 16 and problem.column == MAX_LINE_CHARS + 1
    assert "100,007 characters long" in problem.message
    assert f"at most {MAX_LINE_CHARS:,}" in problem.message


def test_a_20_mb_line_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "long-line.yaml"
    path.write_text(GOOD + "extra: " + "x" * (20 * 1024 * 1024) + "\n")
    [problem] = refused(lambda: load_file(path))
    assert "20.0 MiB" in problem.message
    [problem] = yaml_refused(path.read_text())  # the same text handed over in memory
    assert "20.0 MiB" in problem.message


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as out:
        out.write(GOOD.encode())
        out.truncate(3 * 1024 * 1024 * 1024)  # 3 GB, sparse: reading it would take a while
    [problem] = refused(lambda: load_file(path))
    assert "3.0 GiB" in problem.message and f"{MAX_FILE_BYTES // 1024 // 1024} MiB" in \
        problem.message


def test_the_same_size_limit_holds_for_text_in_memory() -> None:
    text = GOOD + ("# comment\n" * (MAX_FILE_BYTES // 10 + 1))
    [problem] = yaml_refused(text)
    assert "MiB" in problem.message


def test_a_very_long_value_and_a_very_long_key_are_refused() -> None:
    block = "  description: |\n" + "".join(f"    {'x' * 1000}\n" for _ in range(300))
    text = GOOD.replace("connector:\n", "connector:\n" + block)
    [problem] = yaml_refused(text)
    assert problem.line == 14 and f"at most {MAX_SCALAR_CHARS:,}" in problem.message
    [problem] = yaml_refused(GOOD + "? " + "k" * 5_000 + "\n: 1\n")  # an explicit key
    assert problem.line == 16 and "key" in problem.message


def test_thousands_of_problems_are_capped_and_still_fast() -> None:
    text = DECK + "".join(f"unknown_{i}: x\n" for i in range(5_000))
    problems = refused(lambda: load_platform_text(text, "deck.yaml"))
    assert len(problems) == MAX_PROBLEMS + 1
    assert "more problems" in problems[-1].message and "4,9" in problems[-1].message


# -- wrong types ---------------------------------------------------------------------------------


@pytest.mark.parametrize("edit", [
    ('type: "authentication"', "type: [[1, 2]]"),
    ('type: "authentication"', "type: {a: [b]}"),
    ('auth_type: "bearer"', "auth_type: [[x]]"),
    ('auth_type: "bearer"', "auth_type: {bearer: 1}"),
    ('type: "string"', "type: [[]]"),
    ('- name: "bearer_token"', "- name: [[x]]"),
    ('fields:\n', "fields: {a: [1]}\n        x:\n"),
    ('section:\n', "section: [[1]]\n  x:\n"),
    ('name: "Hostile"', "name: {[a]: b}"),
    ('base_url: "{sandbox_url}/api"', "base_url: [[{a: 1}]]"),
])
def test_wrong_types_anywhere_are_validation_errors(edit: tuple[str, str]) -> None:
    text = GOOD.replace(*edit, 1)
    assert text != GOOD
    problems = yaml_refused(text)
    assert all("Error" not in p.message for p in problems)  # words, not exception names


def test_a_wrong_type_at_the_top_of_a_manifest_or_account_is_an_error() -> None:
    for text in ('{"auth": [[1]], "workbench": {"api_key": [[1]]}}',
                 '{"auth": "api_key", "additional_parameters": {"a": [[1]]}}',
                 '{"auth": "api_key", "workbench": {"defaults": {"x": [[1]]}, "check": [1]}}'):
        refused(lambda text=text: load_connector_text(text, "acme/manifest.json"))
    for text in ("platform: [[deck]]\nname: x\n", "platform: {deck: 1}\nname: x\n",
                 "platform: deck\nname: [[x]]\ncategories: {a: 1}\n"):
        refused(lambda text=text: load_platform_text(text, "account.yaml"))


# -- files that are not files --------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    [problem] = refused(lambda: load_file(pipe))
    assert "not a regular file" in problem.message


def test_a_device_is_refused_without_reading_it() -> None:
    [problem] = refused(lambda: load_file(Path("/dev/zero")))
    assert "not a regular file" in problem.message


def test_the_json_of_the_corpus_is_json() -> None:
    """The manifest fixture above is itself valid: what is refused is the edit."""
    assert json.loads(MANIFEST)["auth"] == "api_key"
    assert load_connector_text(MANIFEST, "acme/manifest.json").name == "acme"
    assert load_connector_text(GOOD, "good.yaml").name == "Hostile"
    assert load_platform_text(DECK, "deck.yaml").name == "My Deck"


@pytest.mark.parametrize("value", ["!!int", "!!int abc", "!!float x", "!!bool maybe",
                                   "!!timestamp soon", "!!set [a]",
                                   "!!omap {a: 1}", "!!python/object:os.system x"])
def test_explicit_tags_on_unreadable_text_are_yaml_errors(value: str) -> None:
    [problem] = yaml_refused(GOOD + f"extra: {value}\n")
    assert problem.line == 16
