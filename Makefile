# Shortcuts; ./dev.sh does the work (system packages, the venv, then the command).
.PHONY: package package-quick test test-package verify-package clean-package

## Linux installers into dist/: the one-folder bundle (build/dist/workbench), the .deb and the
## .tar.gz. Windows and macOS: see docs/packaging.md.
package:
	./dev.sh package

## The same with light compression (seconds instead of ~1.5 minutes; for trying things out).
package-quick:
	./dev.sh package --quick

test:
	./dev.sh test

## Only the installer test: builds everything and runs it from a scratch root (~1 minute).
test-package:
	./dev.sh test tests/packaging

## Release check (root, a Debian mirror): both installers in fresh Debian roots, installed, run
## (with an embedded login under Xvfb) and purged. BASE=/tmp/fresh-base copies a cached root.
verify-package:
	packaging/linux/verify_fresh_root.sh dist/connection-workbench_*.deb dist/connection-workbench-*.tar.gz

clean-package:
	rm -rf build/dist build/pyinstaller build/deb-root dist
