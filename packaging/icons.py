"""Render the app icon (resources/icon.svg, the only source) for the desktops, at build time.

PNGs in the sizes of the freedesktop hicolor theme (Linux), a multi-size .ico (Windows) and an
.icns (macOS). Qt renders the SVG (offscreen), so no other tool is needed on any platform:

    python packaging/icons.py --hicolor DIR   # DIR/<n>x<n>/apps/connection-workbench.png
    python packaging/icons.py --ico FILE --icns FILE
"""

from __future__ import annotations

import argparse
import os
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icon.svg"
ICON_NAME = "connection-workbench"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
# .icns entries holding PNG data: type code → pixel size (the @2x ones are Retina variants).
ICNS_TYPES = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512,
              b"ic10": 1024, b"ic11": 32, b"ic12": 64, b"ic13": 256, b"ic14": 512}


def png(size: int, svg: Path = SVG) -> bytes:
    """The icon rendered at size × size pixels, as PNG bytes (drawn from the vector, not scaled)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QGuiApplication, QImageReader

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        png.app = QGuiApplication([])  # type: ignore[attr-defined]  # kept alive for later calls
    reader = QImageReader(str(svg))
    reader.setScaledSize(QSize(size, size))
    image = reader.read()
    if image.isNull():
        raise RuntimeError(f"cannot render {svg}: {reader.errorString()}")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; it wants str
    return bytes(data.data())


def write_hicolor(folder: Path, svg: Path = SVG) -> list[Path]:
    """hicolor/<n>x<n>/apps/connection-workbench.png for every size, and scalable/…svg."""
    written = []
    for size in HICOLOR_SIZES:
        path = folder / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png(size, svg))
        written.append(path)
    scalable = folder / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(svg.read_bytes())
    return [*written, scalable]


def write_ico(path: Path, svg: Path = SVG) -> None:
    """A Windows .ico with one PNG-compressed image per size (Windows Vista and later)."""
    images = [(size, png(size, svg)) for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        side = size if size < 256 else 0  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    path.write_bytes(header + entries + blobs)


def write_icns(path: Path, svg: Path = SVG) -> None:
    """A macOS .icns of PNG entries, 16 to 1024 pixels (what `iconutil -c icns` makes)."""
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data
                    for kind, data in ((k, png(s, svg)) for k, s in ICNS_TYPES.items()))
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SVG)
    parser.add_argument("--hicolor", type=Path, help="write the hicolor PNGs under this folder")
    parser.add_argument("--ico", type=Path, help="write a Windows .ico here")
    parser.add_argument("--icns", type=Path, help="write a macOS .icns here")
    args = parser.parse_args()
    if args.hicolor:
        write_hicolor(args.hicolor, args.svg)
    for target, write in ((args.ico, write_ico), (args.icns, write_icns)):
        if target:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target, args.svg)


if __name__ == "__main__":
    main()
