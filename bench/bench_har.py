"""HAR diagnosis speed and memory: a generated 50 MB HAR with 5,000 entries, diagnosed as
`workbench har diagnose` does it (read, diagnose, learn every secret, redact), beside the
reference measured in the same run: `json.load` of the same file.

Run: .venv/bin/python bench/bench_har.py [--entries 5000] [--megabytes 50]
Each figure comes from a fresh process (peak RSS is per process); prints, asserts nothing
but prints whether the targets (≤ 2 s, ≤ 300 MB) are met.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS, TARGET_MB = 2.0, 300


def _jwt(number: int) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return (part({"alg": "RS256", "kid": "k1"}) + "." +
            part({"aud": "https://api.example.com", "iss": "https://idp.example.com",
                  "sub": f"user-{number}", "exp": 4102444800}) + ".c2lnbmF0dXJl" + "x" * 300)


def generate(path: Path, entries: int, megabytes: int, rotate_every: int = 100) -> None:
    """A Chromium-shaped capture: a login and token request, then API calls with a bearer
    token, JSON bodies sized so the file comes to about `megabytes`; a rotated session token
    (one more secret to learn) every `rotate_every` entries."""
    body_size = max(200, megabytes * 1024 * 1024 // entries - 1400)
    token = _jwt(1)
    filler = "x" * (body_size - 120)
    items = []
    for n in range(entries):
        second = n // 10
        stamp = f"2026-12-02T08:{30 + second // 60 % 30:02d}:{second % 60:02d}.{n % 1000:03d}Z"
        if n == 0:
            url = ("https://idp.example.com/authorize?response_type=code&client_id=spa&"
                   "redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s-1&"
                   "code_challenge=abc&code_challenge_method=S256")
            request, status, text = {"method": "GET", "url": url, "headers": []}, 302, ""
        elif n == 1:
            request = {"method": "POST", "url": "https://idp.example.com/token", "headers": [
                {"name": "content-type", "value": "application/x-www-form-urlencoded"}],
                "postData": {"mimeType": "application/x-www-form-urlencoded",
                             "text": "grant_type=authorization_code&code=c-1&code_verifier="
                                     "v" * 50 + "&client_id=spa&redirect_uri=https%3A%2F%2F"
                                     "app.example.com%2Fcb"}}
            status, text = 200, json.dumps({"access_token": token, "token_type": "Bearer",
                                            "refresh_token": "rt-secret-0001"})
        else:
            request = {"method": "GET", "url": f"https://api.example.com/v1/items/{n}",
                       "headers": [{"name": "authorization", "value": f"Bearer {token}"},
                                   {"name": "accept", "value": "application/json"}]}
            status = 401 if n % 997 == 0 else 200
            # A session token now and then (a real capture holds dozens of secrets, not one
            # per response); every body carries the bearer token's subject and some text.
            extra = {"session_token": f"st-{n:06d}-rotated"} if n % rotate_every == 0 else {}
            text = json.dumps({"id": n, "owner": f"user-{n}", **extra, "notes": filler})
        request.update(httpVersion="http/2.0", queryString=[], cookies=[], headersSize=-1,
                       bodySize=0)
        items.append({
            "_initiator": {"type": "script"}, "_resourceType": "fetch", "cache": {},
            "startedDateTime": stamp, "time": 12.5, "serverIPAddress": "203.0.113.9",
            "timings": {"blocked": 0.1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1,
                        "wait": 12.0, "receive": 0.3},
            "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "http/2.0",
                         "headers": [{"name": "content-type", "value": "application/json"}],
                         "cookies": [], "content": {"size": len(text),
                                                    "mimeType": "application/json",
                                                    "text": text},
                         "redirectURL": "", "headersSize": -1, "bodySize": -1}})
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {
        "name": "WebInspector", "version": "537.36"}, "entries": items}}), encoding="utf-8")


def measure(mode: str, path: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `mode` on `path`, in a fresh interpreter."""
    root = str(Path(__file__).resolve().parents[1])  # this checkout's workbench, first
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)],
                         capture_output=True, text=True, check=True, cwd=root,
                         env={**os.environ, "PYTHONPATH": root})
    seconds, peak = out.stdout.split()
    return float(seconds), float(peak)


def child(mode: str, path: str) -> None:
    if mode == "diagnose":
        from workbench.core.diagnosis.har_file import diagnose_har
        from workbench.core.redaction import Redactor
    started = time.perf_counter()
    if mode == "json.load":
        with open(path, encoding="utf-8") as file:
            json.load(file)
    else:
        diagnose_har(path, Redactor())
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{seconds:.3f} {peak_kb / 1024:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--rotate-every", type=int, default=100,
                        help="a new session token every N entries (default 100: 50 of them)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "capture.har"
        generate(path, args.entries, args.megabytes, args.rotate_every)
        size = os.path.getsize(path) / 1024 / 1024
        print(f"HAR: {args.entries} entries, {size:.1f} MiB, a new session token every "
              f"{args.rotate_every} entries")
        reference = measure("json.load", path)
        figures = measure("diagnose", path)
        print(f"json.load of the same file (reference): {reference[0]:.2f} s, "
              f"peak RSS {reference[1]:.0f} MB")
        print(f"har diagnose (read, diagnose, redact):   {figures[0]:.2f} s, "
              f"peak RSS {figures[1]:.0f} MB  (target ≤ {TARGET_SECONDS:.0f} s, "
              f"≤ {TARGET_MB} MB: "
              f"{'met' if figures[0] <= TARGET_SECONDS and figures[1] <= TARGET_MB else 'MISSED'})")
        print(f"ratio to json.load: {figures[0] / reference[0]:.1f}x time, "
              f"{figures[1] / reference[1]:.1f}x memory")


if __name__ == "__main__":
    main()
