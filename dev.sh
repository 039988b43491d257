#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine with nothing but Python 3:
#   ./dev.sh app    install what is missing, then open the desktop app on the bundled connectors
#   ./dev.sh test   install what is missing (test tools too), then run the whole test suite
#   ./dev.sh package  build the Linux installers (bundle, .deb, .tar.gz) into dist/ (make package)
# Extra arguments after `test` go to pytest; after `app`, to `workbench`; after `package`, to
# packaging/linux/build.py.
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-app}"
shift || true
VENV="${WORKBENCH_VENV:-.venv}"

# Libraries Qt (and QtWebEngine, which links the X client libraries even offscreen) needs.
QT_PACKAGES="libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libnss3
  libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 ca-certificates"
# For tests: a real Secret Service, a virtual screen for screenshots, curl to replay exports.
TEST_PACKAGES="gnome-keyring dbus xvfb xauth curl"
# For the installers (and their test): objdump and strip for PyInstaller; dpkg-deb is in dpkg.
PACKAGE_PACKAGES="binutils"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { say "not Debian/Ubuntu: install the Qt libraries yourself"; return 0; }
  local missing=() pkg alt
  for pkg in "$@"; do
    # Ubuntu 24.04 renamed libasound2 to libasound2t64; either satisfies Qt.
    alt="$pkg"; [ "$pkg" = libasound2 ] && alt=libasound2t64
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" && continue
    dpkg-query -W -f='${Status}' "$alt" 2>/dev/null | grep -q "ok installed" && continue
    missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "need root to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  say "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  # libasound2 is a virtual package on newer Ubuntu; fall back to its t64 name.
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]/libasound2/libasound2t64}" >/dev/null
  fi
}

python_env() {
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  [ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$py" -m venv "$VENV"; }
  local stamp="$VENV/.installed-$1" want
  want=$(sha256sum < pyproject.toml | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing the project into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[$1]"
    echo "$want" > "$stamp"
  fi
}

# A real OpenID Provider for the OAuth tests: oidc-provider and a Node.js it supports (22, as an
# npm package), both from the npm registry. Any npm will do to fetch them; apt's is enough.
node_env() {
  local folder=tests/oidc stamp want
  stamp="$folder/node_modules/.installed"
  want=$(cat "$folder/package.json" "$folder/package-lock.json" | sha256sum | cut -c1-16)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  command -v npm >/dev/null 2>&1 || apt_install npm
  say "installing oidc-provider and Node.js 22 into $folder/node_modules"
  (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
}

case "$mode" in
  app)
    apt_install $QT_PACKAGES
    python_env test
    exec "$VENV/bin/workbench" gui "$@"
    ;;
  test)
    apt_install $QT_PACKAGES $TEST_PACKAGES $PACKAGE_PACKAGES
    python_env dev
    node_env
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    set +e
    "$VENV/bin/python" -m pytest "$@"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      say "pytest collected no tests: that is a failure"
      exit 1
    fi
    exit "$rc"
    ;;
  package)
    apt_install $QT_PACKAGES $PACKAGE_PACKAGES
    python_env dev
    exec "$VENV/bin/python" packaging/linux/build.py "$@"
    ;;
  *)
    echo "usage: ./dev.sh app|test|package [args...]" >&2
    exit 2
    ;;
esac
