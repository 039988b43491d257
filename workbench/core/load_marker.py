"""Which connector file this process is loading, kept on disk so that the next start knows.

If the app dies or is killed while loading a file (it crashed on it, or hung and the user gave
up), the marker names that file; the next start does not reopen it on its own, so one file can
never stop the app from starting. Each process (and each library in it) writes its own marker
file, named after its process id, and removes it when it has nothing left to load; a marker
whose process is gone is what a crash or a kill leaves behind.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from pathlib import Path

PREFIX = "loading-"
_serial = itertools.count(1)


class LoadMarker:
    """This library's marker in `folder`: the files being loaded now, one a line. Loading
    threads call `begin` and `end`; the file is gone while nothing loads."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / f"{PREFIX}{os.getpid()}-{next(_serial)}.txt"
        self._loading: list[Path] = []
        self._lock = threading.Lock()

    def begin(self, file: Path) -> None:
        with self._lock:
            self._loading.append(file)
            self._write()

    def end(self, file: Path) -> None:
        with self._lock:
            if file in self._loading:
                self._loading.remove(file)
            self._write()

    def clear(self) -> None:
        """The app is quitting normally: what is loading now did not make it crash."""
        with self._lock:
            self._loading.clear()
            self._write()

    def _write(self) -> None:
        # One small write per change, no sync: if the process dies, the kernel still has it.
        try:
            if self._loading:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text("\n".join(map(str, self._loading)), encoding="utf-8",
                                     errors="surrogateescape")
            else:
                self.path.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only settings folder: no crash protection, and no harm done


def left_behind(folder: Path) -> set[Path]:
    """Files that a process which has since died was loading; their markers are removed."""
    found: set[Path] = set()
    for marker in folder.glob(f"{PREFIX}*.txt"):
        pid = marker.name[len(PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            text = marker.read_text(encoding="utf-8", errors="surrogateescape")
            marker.unlink()
        except OSError:
            continue
        found.update(Path(line) for line in text.splitlines() if line.strip())
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_on_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _alive_on_windows(pid: int) -> bool:
    import ctypes

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    code = ctypes.c_ulong()
    kernel.GetExitCodeProcess(handle, ctypes.byref(code))
    kernel.CloseHandle(handle)
    return code.value == 259  # STILL_ACTIVE
