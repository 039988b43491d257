#!/usr/bin/env bash
# Release check: does `apt install ./connection-workbench_*.deb` on a fresh Debian bring every
# library the app needs? Makes a minimal Debian (debootstrap, no Qt libraries at all), installs
# the .deb with apt there, and runs the app: --version, gui --smoke, demo (every sandbox
# connector against the bundled sandbox on 127.0.0.1).
#   sudo packaging/linux/verify_fresh_root.sh dist/connection-workbench_<version>_amd64.deb [ROOT]
# Needs root, debootstrap and the Debian mirror (about 3 minutes and 600 MB the first time; the
# root is kept in ROOT, default /tmp/workbench-fresh-root, and reused if it is still clean).
set -euo pipefail
deb=$(readlink -f "$1")
root=${2:-/tmp/workbench-fresh-root}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
if [ ! -x "$root/usr/bin/apt-get" ] || chroot "$root" dpkg -s connection-workbench >/dev/null 2>&1; then
  rm -rf "$root"
  say "debootstrap $suite (minbase) into $root"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >/dev/null
fi

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" || true; done; }
trap cleanup EXIT
for fs in proc dev dev/shm; do
  mount --bind "/$fs" "$root/$fs"
  mounted=("$root/$fs" "${mounted[@]}")
done

cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
say "apt install ./$(basename "$deb")"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >/dev/null
in_root dpkg-query -W -f='${Package} ${Version}\n' connection-workbench

say "the app in the fresh root"
in_root workbench --version
in_root env QT_QPA_PLATFORM=offscreen workbench gui --smoke
in_root workbench demo | tail -n 1
in_root test -f /usr/share/applications/connection-workbench.desktop
say "fresh-root check passed"
