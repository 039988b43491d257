"""The connector YAML loader knows where every key is and reads scalars the way people mean them."""

from __future__ import annotations

import textwrap

import pytest

from workbench.core.config import load_connector_text
from workbench.core.config.yaml_loader import Position, dotted, parse_yaml
from workbench.core.errors import ConfigError

OAUTH_DOC = textwrap.dedent(
    """\
    interface_parameters:
      section:
        source:
          - name: "region"
            type: "string"
          - name: "api_credentials"
            type: "authentication"
            auth_type: "oauth2"
            oauth2_settings:
              grant_type: "client_credentials"
              token_url: "https://auth.example.com/oauth2/token"
    connector:
      name: "Example"
      base_url: "https://{region}.example.com"
    """
)


def _syntax_problem(text: str):  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "bad.yaml")
    [problem] = caught.value.problems
    return problem


def test_every_key_and_value_has_a_position() -> None:
    parsed = parse_yaml(OAUTH_DOC)
    path = ("interface_parameters", "section", "source", 1, "oauth2_settings", "token_url")
    found, node = parsed.positions.locate(path)
    assert found == path
    assert node.key == Position(11, 11)
    assert node.value == Position(11, 22)
    _, item = parsed.positions.locate(("interface_parameters", "section", "source", 1))
    assert item.key is None and item.value == Position(6, 9)  # a list item starts at its first key


def test_locate_skips_parts_the_document_does_not_have() -> None:
    positions = parse_yaml(OAUTH_DOC).positions
    with_tag = ("interface_parameters", "section", "source", 1, "authentication", "oauth2_settings")
    found, node = positions.locate((*with_tag, "scopes"))
    assert found == ("interface_parameters", "section", "source", 1, "oauth2_settings")
    assert node.anchor == Position(9, 9)


def test_yaml_1_1_booleans_octals_sexagesimals_and_dates_stay_text() -> None:
    data = parse_yaml(
        textwrap.dedent(
            """\
            a: on
            b: off
            c: yes
            d: no
            e: y
            f: N
            g: 0755
            h: 1:20
            i: 2022-11-28
            j: =
            k: 08
            """
        )
    ).data
    assert data == {
        "a": "on", "b": "off", "c": "yes", "d": "no", "e": "y", "f": "N",
        "g": "0755", "h": "1:20", "i": "2022-11-28", "j": "=", "k": "08",
    }  # fmt: skip


def test_true_false_and_plain_numbers_keep_their_types() -> None:
    data = parse_yaml("a: true\nb: FALSE\nc: True\nd: 42\ne: -7\nf: 0\ng: 1.5\nh: ~\ni:\n").data
    assert data == {"a": True, "b": False, "c": True, "d": 42, "e": -7, "f": 0, "g": 1.5,
                    "h": None, "i": None}  # fmt: skip
    assert type(data["d"]) is int


def test_duplicate_keys_are_reported_where_the_second_one_is() -> None:
    text = "connector:\n  name: a\n  base_url: b\n  name: c\n"
    parsed = parse_yaml(text, "dup.yaml")
    [problem] = parsed.problems
    assert (problem.line, problem.column) == (4, 3)
    assert problem.where == "connector.name"
    assert problem.message == "duplicate key 'name' (already set on line 2)"
    assert problem.source_line == "  name: c"


def test_merge_keys_may_be_overridden_without_a_duplicate_report() -> None:
    text = "base: &b\n  name: a\n  base_url: b\nconnector:\n  <<: *b\n  name: c\n"
    parsed = parse_yaml(text)
    assert parsed.problems == []
    assert parsed.data["connector"] == {"name": "c", "base_url": "b"}
    assert parsed.positions.locate(("connector", "name"))[1].key == Position(6, 3)


def test_bad_indentation_points_at_the_stray_line() -> None:
    problem = _syntax_problem("connector:\n  name: a\n base_url: b\n")
    assert (problem.line, problem.column) == (3, 2)
    assert "bad indentation" in problem.message
    assert problem.source_line == " base_url: b"
    assert problem.format().startswith("bad.yaml:3:2: bad indentation")


def test_an_unclosed_quote_points_where_the_quote_opens() -> None:
    problem = _syntax_problem('connector:\n  name: "GitHub\n  base_url: x\n')
    assert (problem.line, problem.column) == (2, 9)
    assert problem.message.startswith("unclosed quote")
    assert problem.source_line == '  name: "GitHub'


def test_a_tab_indent_is_named_as_such() -> None:
    problem = _syntax_problem("connector:\n\tname: a\n")
    assert (problem.line, problem.column) == (2, 1)
    assert "tab character" in problem.message


def test_an_empty_document_has_no_data() -> None:
    parsed = parse_yaml("# only a comment\n")
    assert parsed.data is None and parsed.problems == []


def test_dotted_paths_read_like_the_document() -> None:
    assert dotted(("interface_parameters", "section", "source", 1, "name")) == (
        "interface_parameters.section.source[1].name"
    )
    assert dotted(()) == ""


def test_an_alias_that_contains_itself_is_a_problem_not_a_hang() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("steps: &loop\n  - *loop\n", "loop.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.where) == (1, 8, "steps[0]")
    assert problem.message == "this alias refers to itself"


def test_aliased_nodes_share_the_anchor_positions() -> None:
    parsed = parse_yaml("base: &b\n  name: a\nother: *b\n")
    _, node = parsed.positions.locate(("other", "name"))
    assert node.key == Position(2, 3)


def test_an_unclosed_bracket_points_at_where_it_opened() -> None:
    text = 'connector:\n  name: "Broken"\n  base_url: [unclosed\n'
    with pytest.raises(ConfigError) as raised:
        load_connector_text(text, "broken.yaml")
    (problem,) = raised.value.problems
    assert (problem.line, problem.column) == (3, 13)
    assert "unclosed bracket" in problem.message and "]" in problem.message
