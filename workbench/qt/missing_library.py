"""What to tell a user whose system lacks a library Qt needs: which library, and which package
brings it. Qt-free on purpose: it runs exactly when PySide6 failed to import.

The .deb pulls these packages in itself; the .tar.gz and a source checkout rely on the user
installing them (the tarball's README lists them), so the message names the package to install.
"""

from __future__ import annotations

import re

# The dynamic loader's words, as CPython's ImportError repeats them.
_LOADER_MESSAGE = re.compile(r"(?P<library>[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")

# Libraries whose Debian package is not named after the soname (Debian Policy 8.1).
_PACKAGE_EXCEPTIONS = {
    **dict.fromkeys(("libglib-2.0.so.0", "libgobject-2.0.so.0", "libgio-2.0.so.0",
                     "libgmodule-2.0.so.0", "libgthread-2.0.so.0"), "libglib2.0-0"),
    **dict.fromkeys(("libnss3.so", "libnssutil3.so", "libsmime3.so", "libssl3.so",
                     "libsoftokn3.so", "libfreebl3.so", "libfreeblpriv3.so", "libnssckbi.so",
                     "libnssdbm3.so"), "libnss3"),
    **dict.fromkeys(("libnspr4.so", "libplc4.so", "libplds4.so"), "libnspr4"),
    "libgcc_s.so.1": "libgcc-s1",
}


def missing_library(error: ImportError) -> str | None:
    """The shared library the loader could not find, or None if that is not what went wrong."""
    found = _LOADER_MESSAGE.search(str(error))
    return found.group("library") if found else None


def debian_package(library: str) -> str:
    """The Debian/Ubuntu package that ships `library`: by Debian Policy 8.1 the soname without
    `.so.`, lower case, with a hyphen between two numbers (libdbus-1.so.3 → libdbus-1-3)."""
    if library in _PACKAGE_EXCEPTIONS:
        return _PACKAGE_EXCEPTIONS[library]
    name, _so, version = library.partition(".so")
    version = version.lstrip(".")
    if not version:
        return name.lower()
    separator = "-" if name[-1].isdigit() else ""
    return f"{name}{separator}{version}".lower().replace("_", "-")


def explain(error: ImportError) -> str | None:
    """A message for stderr when Qt could not load a system library, or None for other errors."""
    library = missing_library(error)
    if library is None:
        return None
    return (f"error: the desktop app needs the system library {library}, which is not "
            "installed.\n"
            f"On Debian or Ubuntu: sudo apt install {debian_package(library)}\n"
            "(The .deb installs everything the app needs; the .tar.gz's README lists the "
            "packages.) The CLI works without it: workbench check|validate|sandbox|demo.")
