#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine with nothing but Python 3:
#   ./dev.sh app    install what is missing, then open the desktop app on the bundled connectors
#   ./dev.sh test   install what is missing (test tools too), then run the whole test suite
#   ./dev.sh package  build the Linux installers (bundle, .deb, .tar.gz) into dist/ (make package)
# Extra arguments after `test` go to pytest; after `app`, to `workbench`; after `package`, to
# packaging/linux/build.py. `package` builds from its own clean venv, .venv-package (runtime
# dependencies and PyInstaller only); WORKBENCH_VENV overrides the venv of any mode.
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-app}"
shift || true
if [ "$mode" = package ]; then VENV="${WORKBENCH_VENV:-.venv-package}"; else VENV="${WORKBENCH_VENV:-.venv}"; fi

# Libraries Qt (and QtWebEngine, which links the X client libraries even offscreen) needs.
QT_PACKAGES="libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libnss3
  libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 ca-certificates"
# For tests: a real Secret Service, a virtual screen for screenshots, curl to replay exports,
# desktop-file-validate for the menu entry.
TEST_PACKAGES="gnome-keyring dbus xvfb xauth curl desktop-file-utils"
# For the installers (and their test): objdump and strip for PyInstaller, patchelf to drop
# build-machine RUNPATHs; dpkg-deb is in dpkg. Plus the Python shared library (python_shared_lib).
PACKAGE_PACKAGES="binutils patchelf"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Ubuntu 24.04 renamed many libraries for 64-bit time_t (libasound2 → libasound2t64,
# libglib2.0-0 → libglib2.0-0t64, libpython3.12 → libpython3.12t64): either name will do.
installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" ||
    dpkg-query -W -f='${Status}' "${1}t64" 2>/dev/null | grep -q "ok installed"
}
has_candidate() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { say "not Debian/Ubuntu: install these yourself: $*"; return 0; }
  local missing=() pkg
  for pkg in "$@"; do
    installed "$pkg" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "need root to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  local names=()
  for pkg in "${missing[@]}"; do
    if ! has_candidate "$pkg" && has_candidate "${pkg}t64"; then pkg="${pkg}t64"; fi
    names+=("$pkg")
  done
  say "installing system packages: ${names[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${names[@]}" >/dev/null
}

# PyInstaller bundles the Python shared library (libpython3.X.so.1.0). Debian's and Ubuntu's
# python3 keep it in a package of its own, libpython3.X: install the one for the Python in use.
python_shared_lib() {
  local py="${PYTHON:-python3}" version library prefix
  read -r version library prefix < <("$py" -c 'import os, sys, sysconfig
v = sysconfig.get_config_var
print(f"{sys.version_info[0]}.{sys.version_info[1]}",
      os.path.join(v("LIBDIR") or "", v("INSTSONAME") or "-"), sys.base_prefix)')
  [ -e "$library" ] && return 0
  if [ "$prefix" = /usr ] && command -v apt-get >/dev/null 2>&1; then
    apt_install "libpython$version"
    [ -e "$library" ] && return 0
  fi
  say "PyInstaller needs the shared library of $py ($library, not found): use a Python built"
  say "with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared) or the system's"
  exit 1
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
    # A child, not exec: the app times its start from its process's start, which exec would
    # move back to this script's (the installs above).
    "$VENV/bin/workbench" gui "$@"
    ;;
  test)
    apt_install $QT_PACKAGES $TEST_PACKAGES $PACKAGE_PACKAGES
    python_shared_lib
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
    python_shared_lib
    python_env package
    exec "$VENV/bin/python" packaging/linux/build.py "$@"
    ;;
  *)
    echo "usage: ./dev.sh app|test|package [args...]" >&2
    exit 2
    ;;
esac
