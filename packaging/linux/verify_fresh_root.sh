#!/usr/bin/env bash
# Release check of both Linux installers in fresh minimal Debian roots (no Qt libraries at all):
#   sudo packaging/linux/verify_fresh_root.sh dist/connection-workbench_<v>_amd64.deb \
#       dist/connection-workbench-<v>-linux-x86_64.tar.gz
# 1. .deb: `apt install ./…deb` brings every library; --version, gui --smoke (offscreen and
#    under Xvfb), demo, an embedded-browser login under xvfb-run against a page on 127.0.0.1;
#    `apt remove` keeps /opt; `apt purge` plus autoremove leave no file of it behind.
# 2. .tar.gz: on the bare root the app names the missing library and the package to install;
#    after `apt install` of the README's packages it passes the same checks.
# Needs root and a Debian mirror. Each root is debootstrapped (minbase, about 3 minutes), or
# copied from BASE (e.g. BASE=/tmp/fresh-base, the root ../shared/tools/fresh-root.sh caches).
# MIRROR and SUITE pick the mirror and release; WORK (default /tmp/workbench-verify) the roots.
set -euo pipefail
deb=$(readlink -f "$1")
tarball=$(readlink -f "$2")
here=$(dirname "$(readlink -f "$0")")
work=${WORK:-/tmp/workbench-verify}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
user_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp/home LANG=C.UTF-8
          PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
mounted=()
cleanup() {
  local root
  for root in "${mounted[@]}"; do
    for fs in dev sys proc; do umount -R "$root/$fs" 2>/dev/null || true; done
  done
}
trap cleanup EXIT

make_root() {
  local root=$1
  rm -rf "$root"
  mkdir -p "$work"
  if [ -n "${BASE:-}" ]; then
    cp -a "$BASE" "$root"
  else
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >/dev/null
    cp /etc/resolv.conf "$root/etc/resolv.conf"
  fi
  mount -t proc proc "$root/proc"
  mount -t sysfs sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
  mounted+=("$root")
  in_root "$root" apt-get update -qq
}
in_root() { local root=$1; shift; chroot "$root" "${user_env[@]}" "$@"; }
apt_in() {
  local root=$1; shift
  in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "$@" >/dev/null
}
# Every path of the root but volatile state (logs, apt's and dpkg's own records, /tmp).
files_of() {
  chroot "$1" find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
    -o -path /tmp -o -path /var/log -o -path /var/cache -o -path /var/lib/apt \
    -o -path /var/lib/dpkg -o -path /root \) -prune -o -print | sort
}
run_checks() {  # ROOT PROGRAM: what both installers must do once their libraries are there
  local root=$1 program=$2
  in_root "$root" "$program" --version
  in_root "$root" env QT_QPA_PLATFORM=offscreen "$program" gui --smoke
  in_root "$root" xvfb-run -a -s "-screen 0 1280x800x24" "$program" gui --smoke
  in_root "$root" "$program" demo | tail -n 1
  cp "$here/login_check.py" "$root/tmp/login_check.py"
  in_root "$root" xvfb-run -a -s "-screen 0 1280x800x24" python3 /tmp/login_check.py "$program"
}

say "1. the .deb in a fresh root"
root="$work/deb-root"
make_root "$root"
apt_in "$root" xvfb xauth python3  # the test's tools, installed before the snapshot
files_of "$root" > "$work/before.txt"
cp "$deb" "$root/tmp/"
say "apt install ./$(basename "$deb")"
apt_in "$root" "/tmp/$(basename "$deb")"
in_root "$root" dpkg-query -W -f='${Package} ${Version}\n' connection-workbench
run_checks "$root" workbench
in_root "$root" test -f /usr/share/applications/connection-workbench.desktop
in_root "$root" test -f /usr/share/doc/connection-workbench/copyright
say "apt remove, then purge"
in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq connection-workbench >/dev/null
[ -d "$root/opt" ] || fail "apt remove deleted /opt"
in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq connection-workbench >/dev/null
in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq >/dev/null
files_of "$root" > "$work/after.txt"
left=$(comm -13 "$work/before.txt" "$work/after.txt")
[ -z "$left" ] || fail "left behind after purge:"$'\n'"$left"
[ -d "$root/opt" ] || fail "purge deleted /opt"
say "the .deb passed: installed, ran, removed without a trace (/opt kept)"

say "2. the tarball in a fresh root"
root="$work/tarball-root"
make_root "$root"
mkdir -p "$root/tmp/unpacked"
tar -xzf "$tarball" -C "$root/tmp/unpacked"
program=$(cd "$root" && ls -d tmp/unpacked/*/workbench)
program="/$program"
set +e
bare=$(in_root "$root" env QT_QPA_PLATFORM=offscreen "$program" gui --smoke 2>&1)
code=$?
set -e
printf '%s\n' "$bare"
[ "$code" = 2 ] && grep -q "sudo apt install lib" <<<"$bare" ||
  fail "without the system packages the app should name the library and package (exit $code)"
packages=$(sed -n 's/^ *sudo apt install //p' "$(dirname "$root$program")/README")
say "apt install (from the README) $packages"
# shellcheck disable=SC2086
apt_in "$root" $packages xvfb xauth python3
run_checks "$root" "$program"
say "the tarball passed: it names what is missing, and runs with the README's packages"
