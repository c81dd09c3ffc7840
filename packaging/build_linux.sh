#!/usr/bin/env bash
# Builds Slate for Linux (`make package`): a PyInstaller one-folder build, then a tarball and a
# .deb made from that folder. Artifacts land in dist/:
#   dist/slate/                              the one-folder build (run dist/slate/slate)
#   dist/slate-VERSION-linux-x86_64.tar.gz   that folder as slate-VERSION/, for any Linux
#   dist/slate_VERSION_amd64.deb             installs /opt/slate, /usr/bin/slate, menu entry
# Environment: PYTHON (default .venv/bin/python, with the `package` extra installed),
# SLATE_DEB_COMPRESSION (zstd, the default, builds in seconds; xz is ~25% smaller, minutes),
# SLATE_REUSE_FREEZE=1 (keep an existing dist/slate/ and only rewrap it: for work on the .deb).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
COMPRESSION=${SLATE_DEB_COMPRESSION:-zstd}
started=$(date +%s)

if ! "$PYTHON" -c 'import PyInstaller, PIL' 2>/dev/null; then
  echo "build_linux: PyInstaller and Pillow are missing. Install the build tools with:" >&2
  echo "    $PYTHON -m pip install -e '.[package]'" >&2
  exit 1
fi
for tool in dpkg-deb tar; do
  command -v "$tool" >/dev/null || { echo "build_linux: '$tool' is needed" >&2; exit 1; }
done

VERSION=$("$PYTHON" -c 'from app import __version__; print(__version__)')
BUILD=$REPO/build/package
DIST=$REPO/dist
mkdir -p "$BUILD" "$DIST"

echo "== icons"
"$PYTHON" packaging/make_icons.py "$BUILD/icons"

if [ "${SLATE_REUSE_FREEZE:-}" = 1 ] && [ -x "$DIST/slate/slate" ]; then
  echo "== PyInstaller: reusing dist/slate/ (SLATE_REUSE_FREEZE=1)"
else
  echo "== PyInstaller one-folder build (a few minutes on 2 cores)"
  rm -rf "$DIST/slate"
  SLATE_ICON_DIR="$BUILD/icons" QT_QPA_PLATFORM=offscreen \
    "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/slate.spec
fi
# The commented deployment file, for IT to copy as slate.toml (which is read from this folder).
install -m 644 packaging/slate.toml.example "$DIST/slate/slate.toml.example"
frozen_s=$(( $(date +%s) - started ))

echo "== tarball"
TARBALL=$DIST/slate-$VERSION-linux-x86_64.tar.gz
rm -f "$TARBALL"
# The folder goes in as slate-VERSION/ so two versions can sit side by side under /opt.
tar --create --gzip --file "$TARBALL.tmp" --owner=0 --group=0 --numeric-owner \
  --transform "s,^slate,slate-$VERSION," -C "$DIST" slate
mv "$TARBALL.tmp" "$TARBALL"

echo "== .deb"
PKG=$BUILD/deb/slate_${VERSION}_amd64
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
  "$PKG/usr/share/icons/hicolor/48x48/apps" "$PKG/usr/share/icons/hicolor/256x256/apps" \
  "$PKG/usr/share/doc/slate"
cp -a "$DIST/slate" "$PKG/opt/slate"
ln -s /opt/slate/slate "$PKG/usr/bin/slate"
install -m 644 packaging/linux/slate.desktop "$PKG/usr/share/applications/slate.desktop"
install -m 644 "$BUILD/icons/slate-48.png" "$PKG/usr/share/icons/hicolor/48x48/apps/slate.png"
install -m 644 "$BUILD/icons/slate-256.png" "$PKG/usr/share/icons/hicolor/256x256/apps/slate.png"
install -m 644 packaging/linux/copyright "$PKG/usr/share/doc/slate/copyright"
install -m 755 packaging/linux/postinst packaging/linux/prerm "$PKG/DEBIAN/"
# Depends (packaging/linux/control.in): what `ldd` resolves outside the bundle, since
# PyInstaller leaves out the system's graphics stack: libc6 (glibc of the build machine,
# Debian 12), libgl1, libegl1, libdrm2, libxcb1, the Wayland client libraries, fontconfig-config.
installed_kb=$(du -sk --apparent-size "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$installed_kb/" \
  packaging/linux/control.in > "$PKG/DEBIAN/control"
DEB=$DIST/slate_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$PKG" "$DEB.tmp" >/dev/null
mv "$DEB.tmp" "$DEB"

total_s=$(( $(date +%s) - started ))
echo "== built slate $VERSION in ${total_s} s (PyInstaller ${frozen_s} s)"
printf '   %-40s %s\n' "dist/slate/ (unpacked)" "$(du -sh "$DIST/slate" | cut -f1)"
for artifact in "$TARBALL" "$DEB"; do
  printf '   %-40s %s\n' "dist/$(basename "$artifact")" "$(du -h "$artifact" | cut -f1)"
done
