"""An API that refuses says why in its challenges and body; the hint uses what it said."""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict

from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen

BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""
BASIC = """
    - name: auth
      type: authentication
      auth_type: basic_http
"""


def api_key(name: str, location: str = "header") -> str:
    return f"""
        - name: auth
          type: authentication
          auth_type: api_key
          location: {location}
          fields:
            - name: key_name
              value: {name}
            - name: key_value
              is_encrypted: true
    """


def refuse(status: int, *challenges: str, body: object = None):  # type: ignore[no-untyped-def]
    headers = CIMultiDict(("WWW-Authenticate", c) for c in challenges)

    def answer(_seen: Seen) -> web.Response:
        return web.json_response(body if body is not None else {"error": "refused"},
                                 status=status, headers=headers)

    return answer


async def _oauth_check(server: RecordingServer, token: dict[str, object],
                       scopes: str = "api:read"):  # type: ignore[no-untyped-def]
    server.json("POST", "/token", token)
    bp = auth_connector(oauth_entry("client_credentials", basic=False, scopes=scopes))
    return (await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"})).verdict


async def test_insufficient_scope_names_the_missing_scopes_and_the_fix(
        server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(403, 'Bearer realm="api", error="insufficient_scope", '
                                           'scope="api:read api:write admin"'))
    verdict = await _oauth_check(server, {"access_token": "at", "scope": "api:read"})
    assert verdict.outcome == "forbidden"
    assert "lacks the scope the API needs: api:write admin" in verdict.hint
    assert "Add api:write admin to scopes in oauth2_settings" in verdict.hint
    assert "have an admin grant it" in verdict.hint


async def test_insufficient_scope_in_a_second_header_is_read(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(403, 'Basic realm="legacy"',
                                      'Bearer error="insufficient_scope", scope="reports"'))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert "lacks the scope the API needs: reports" in verdict.hint
    assert "Create a token with reports" in verdict.hint


async def test_invalid_token_quotes_its_description(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, 'Bearer error="invalid_token", '
                                           'error_description="The access token expired, '
                                           'renew it"'))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert "refused the token as invalid_token: “The access token expired, renew it”" in (
        verdict.hint)


async def test_a_bearer_challenge_to_a_bare_key_says_the_prefix_is_missing(
        server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, 'Bearer realm="api"'))
    verdict = (await check(auth_connector(api_key("Authorization")),
                           {"url": server.url, "key_value": "sk-abc"})).verdict
    assert "the 'Bearer ' prefix is missing" in verdict.hint
    assert server.seen[0].header("Authorization") == "sk-abc"


async def test_a_bearer_challenge_to_a_key_in_another_header(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, 'Bearer realm="api"'))
    verdict = (await check(auth_connector(api_key("X-Key")),
                           {"url": server.url, "key_value": "sk-abc"})).verdict
    assert "wants a Bearer token in the Authorization header" in verdict.hint
    assert "the key went in the header 'X-Key'" in verdict.hint


async def test_a_basic_challenge_says_the_api_expects_basic(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, 'Basic realm="Jenkins"'))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert "expects HTTP Basic authentication" in verdict.hint
    assert "asks for a Bearer" not in verdict.hint
    # To a Basic request, the same challenge means the user name or password was wrong.
    verdict = (await check(auth_connector(BASIC), {"url": server.url, "username": "ada",
                                                   "password": "pw"})).verdict
    assert "user name or password was rejected" in verdict.hint


async def test_several_challenges_in_one_header_are_all_read(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, 'Negotiate, NTLM, Basic realm="corp"'))
    verdict = (await check(auth_connector(api_key("X-Key")),
                           {"url": server.url, "key_value": "k"})).verdict
    assert "Negotiate or NTLM or Basic" in verdict.hint
    # Basic is among them and was sent: the scheme is right, the credentials are not.
    verdict = (await check(auth_connector(BASIC), {"url": server.url, "username": "ada",
                                                   "password": "pw"})).verdict
    assert "user name or password was rejected" in verdict.hint


async def test_windows_sign_in_is_named(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, "Negotiate", "NTLM"))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert "asks for Negotiate or NTLM authentication" in verdict.hint
    assert "Windows (Kerberos)" in verdict.hint


async def test_the_key_name_the_api_names_is_the_one_suggested(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(401, body={"message": "Missing header X-Api-Key"}))
    verdict = (await check(auth_connector(api_key("X-Key")),
                           {"url": server.url, "key_value": "k"})).verdict
    assert "names 'X-Api-Key', but the key was sent as the header 'X-Key'" in verdict.hint
    assert "set key_name to X-Api-Key" in verdict.hint
    assert verdict.summary.endswith("“Missing header X-Api-Key”")


async def test_a_403_that_means_another_tenant(server: RecordingServer) -> None:
    server.route("GET", "/me", refuse(403, body={"error": {
        "code": "InvalidAuthenticationToken",
        "message": "The token was issued for a different tenant than this resource"}}))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert "belong to another tenant" in verdict.hint
    assert "issued for a different tenant" in verdict.hint


async def test_a_400_quotes_what_the_api_said(server: RecordingServer) -> None:
    server.json("GET", "/me", {"errors": [{"message": "team is required"}]}, status=400)
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert verdict.outcome == "bad_request"
    assert verdict.summary == "GET /me answered 400 Bad Request: “team is required”"


async def test_a_token_without_token_type_refused_by_the_api_says_it_was_sent_as_bearer(
        server: RecordingServer) -> None:
    server.json("GET", "/me", {}, status=401)
    verdict = await _oauth_check(server, {"access_token": "at"})
    assert "named no token_type, so it was sent as Bearer" in verdict.hint
    assert server.requests_to("/me")[0].header("Authorization") == "Bearer at"


async def test_an_html_page_where_json_was_asked_for_is_a_warning(
        server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: web.Response(
        text="<html><title>Sign in to Contoso</title></html>", content_type="text/html"))
    bp = auth_connector(BEARER, steps="""
        pre_run_configurations:
          steps:
            - name: me
              type: rest
              endpoint: "{{%BASE_URL%}}/me"
              headers:
                Accept: application/json
    """)
    verdict = (await check(bp, {"url": server.url, "bearer_token": "t"})).verdict
    assert verdict.ok
    assert any("HTML page (titled 'Sign in to Contoso') where JSON was asked for" in w
               for w in verdict.warnings)


async def test_a_body_that_only_repeats_the_status_is_not_quoted(
        server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: web.Response(status=401))  # "401: Unauthorized"
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert verdict.summary == "GET /me answered 401 Unauthorized"


async def test_a_quoted_server_message_never_carries_the_secret_it_echoes(
        server: RecordingServer) -> None:
    secret = "s3cr3t-echoed-token-991"
    server.route("GET", "/me", refuse(
        401, f'Bearer error="invalid_token", error_description="token {secret} expired"',
        body={"message": f"token {secret} is not valid"}))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": secret})).verdict
    assert "is not valid" in verdict.summary and "expired" in verdict.hint
    assert secret not in str(verdict.to_dict())
