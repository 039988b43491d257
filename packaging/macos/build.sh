#!/usr/bin/env bash
# Build "Connection Workbench.app" and a .dmg on macOS: bundle, smoke test, sign, notarize, dmg.
#   packaging/macos/build.sh
# Environment:
#   CODESIGN_IDENTITY  "Developer ID Application: Name (TEAMID)"; unset = ad-hoc (local use only)
#   NOTARY_PROFILE     a `xcrun notarytool store-credentials` profile; unset = not notarized
#   TARGET_ARCH        arm64 | x86_64 | universal2 (default: this Python's architecture)
#   PYTHON             the Python to make the build venv with (default python3.11)
# Output: dist/connection-workbench-<version>-macos-<arch>.dmg. Step by step: docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# 1. A clean virtual environment with the app and PyInstaller.
[ -x .venv-package/bin/python ] || "${PYTHON:-python3.11}" -m venv .venv-package
py=.venv-package/bin/python
"$py" -m pip install -q --upgrade pip
"$py" -m pip install -q -e ".[package]"

# 2. The version, from workbench.__version__ (the one source).
version=$("$py" -c "import sys; sys.path.insert(0, 'packaging'); import workbench_bundle as wb; print(wb.version())")
arch=${TARGET_ARCH:-$(uname -m)}
say "Connection Workbench $version ($arch)"

# 3. The .app (PyInstaller signs every binary in it when CODESIGN_IDENTITY is set).
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/macos/dist --workpath build/macos/work packaging/macos/workbench.spec
app="build/macos/dist/Connection Workbench.app"

# 4. Smoke test: the CLI and the first paint, from inside the .app.
test "$("$app/Contents/MacOS/workbench" --version)" = "workbench $version"
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/workbench" gui --smoke
"$app/Contents/MacOS/workbench" demo >/dev/null

# 5. Sign with the hardened runtime: the QtWebEngine helper first (it needs the JIT
#    entitlements too), then the whole app. Ad-hoc ("-") when no identity is given.
identity=${CODESIGN_IDENTITY:--}
entitlements=packaging/macos/entitlements.plist
timestamp=--timestamp
[ "$identity" = "-" ] && timestamp=--timestamp=none
sign() {
  codesign --force "$timestamp" --options runtime --entitlements "$entitlements" \
    --sign "$identity" "$@"
}
helper=$(find "$app" -path "*QtWebEngineProcess.app" -type d | head -n 1)
[ -n "$helper" ] && sign "$helper"
sign "$app"
codesign --verify --deep --strict --verbose=2 "$app"

# 6. Notarize and staple (needs a Developer ID identity and a notarytool profile).
if [ -n "${NOTARY_PROFILE:-}" ] && [ "$identity" != "-" ]; then
  ditto -c -k --keepParent "$app" build/macos/notarize.zip
  xcrun notarytool submit build/macos/notarize.zip --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$app"
fi

# 7. The .dmg: the app and a link to /Applications to drag it onto.
mkdir -p dist
dmg="dist/connection-workbench-$version-macos-$arch.dmg"
staging=build/macos/dmg
rm -rf "$staging" "$dmg"
mkdir -p "$staging"
ditto "$app" "$staging/Connection Workbench.app"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "Connection Workbench $version" -srcfolder "$staging" -ov -format UDZO "$dmg"
if [ "$identity" != "-" ]; then
  codesign --force --timestamp --sign "$identity" "$dmg"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
  fi
fi
say "$dmg ($(du -h "$dmg" | cut -f1); app $(du -sh "$app" | cut -f1))"
