#!/bin/sh
# /usr/bin/workbench from the connection-workbench package: runs the bundle in /opt.
# The bundle is found relative to this script (resolving symlinks), so the unpacked package
# also runs from another root (dpkg-deb -x pkg.deb DIR; DIR/usr/bin/workbench).
here=$(dirname "$(readlink -f "$0")")
exec "$here/../../opt/connection-workbench/workbench" "$@"
