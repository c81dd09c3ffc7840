#!/usr/bin/env bash
# Installs (as root) or names (otherwise) the Debian/Ubuntu packages Slate needs from the OS:
# Python's venv, and the system libraries Qt loads at run time (see PACKAGING notes in docs/).
#   packaging/system-deps.sh          check, install if root, else print the apt command
#   packaging/system-deps.sh --check  check only (exit 1 if something is missing)
set -euo pipefail

PACKAGES=(
  python3 python3-venv python3-pip
  # Qt offscreen and widgets
  libglib2.0-0 libgl1 libegl1 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3
  libx11-6 libxext6 libxrandr2 libdrm2 libbrotli1 fonts-dejavu-core
  # QtMultimedia: without libpulse0 it does not import; without libxrandr2 video does not play
  libpulse0
  # a real X11 window
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxkbcommon-x11-0
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; install Qt 6's runtime libraries by hand" >&2
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "system-deps: missing: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Slate needs these system packages. Run this, then try again:" >&2
  echo "" >&2
  echo "    sudo apt-get install -y ${missing[*]}" >&2
  echo "" >&2
  exit 1
fi
