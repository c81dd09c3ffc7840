#!/usr/bin/env bash
# Checks the Linux builds that packaging/build_linux.sh left in dist/ (`make package-check`):
#   1. the built folder: `dist/slate/slate --version` and `slate self-test` offscreen;
#   2. as root: install the .deb (dpkg -i; apt-get -f install for missing dependencies), then
#      `/usr/bin/slate --version`, `slate config show` (slate.toml is looked up in /opt/slate),
#      `slate self-test` from the installed path as root and as the unprivileged user `nobody`,
#      the desktop entry and icon; then `dpkg -r slate` and check that nothing is left.
# Not root: step 2 prints the exact commands to run instead. Exits non-zero on any failure.
# A `slate` package that was installed before this check is never replaced or removed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
DIST=$REPO/dist
export QT_QPA_PLATFORM=offscreen

passed=0
fail() { echo "check_linux: FAIL: $*" >&2; echo "package-check: $passed passed, 1 failed"; exit 1; }
ok() { passed=$((passed + 1)); echo "   ok: $*"; }
step() { echo "== $*"; }

BUILT=$DIST/slate/slate
[ -x "$BUILT" ] || fail "$BUILT is missing: build it first with 'make package'"
VERSION=$("$BUILT" --version) || fail "$BUILT --version did not run"
VERSION=${VERSION#slate }
DEB=$DIST/slate_${VERSION}_amd64.deb
[ -f "$DEB" ] || fail "$DEB is missing: build it first with 'make package'"

WORK=$(mktemp -d /tmp/slate-package-check.XXXXXX)
chmod 755 "$WORK"
installed_here=""
cleanup() {
  if [ -n "$installed_here" ]; then
    echo "check_linux: removing the slate package this check installed"
    dpkg -r slate >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Runs `self-test --json` with the given command prefix and prints one line per step.
self_test() {
  local label=$1; shift
  local report="$WORK/self-test-${label// /-}.json" summary
  if ! "$@" self-test --json >"$report" 2>"$report.err"; then
    cat "$report" "$report.err" >&2
    fail "self-test ($label) failed"
  fi
  summary=$(python3 -c '
import json, sys
report = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
steps = ", ".join("%s %s ms" % (s["name"], s["ms"]) for s in report["steps"])
print("self-test (%s) in %s ms: %s" % (sys.argv[2], report["total_ms"], steps))
sys.exit(0 if report["ok"] else 1)
' "$report" "$label") || fail "self-test ($label) reported a failed step: $(cat "$report")"
  ok "$summary"
}

step "the built folder: $BUILT"
ok "$BUILT --version: slate $VERSION"
self_test built "$BUILT"

step "the .deb: $DEB"
dpkg-deb --info "$DEB" | sed -n 's/^ \(Package\|Version\|Depends\|Installed-Size\):/   \1:/p'
if [ "$(id -u)" -ne 0 ]; then
  echo "   Not root, so the install check is not run here. As root, run:"
  echo ""
  echo "    sudo dpkg -i $DEB || sudo apt-get install -f -y --no-install-recommends"
  echo "    /usr/bin/slate --version"
  echo "    QT_QPA_PLATFORM=offscreen slate self-test"
  echo "    sudo dpkg -r slate"
  echo ""
  echo "   or all of it: sudo bash packaging/check_linux.sh"
  echo "package-check: $passed passed, 0 failed"
  exit 0
fi
if dpkg-query -W -f='${db:Status-Status}' slate 2>/dev/null | grep -q '^installed$'; then
  fail "a slate package is already installed on this machine; this check installs and removes" \
    "its own, so remove that one first (dpkg -r slate) or run the check on another machine"
fi

step "install"
installed_here=yes
if ! dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1; then
  echo "   dpkg -i left dependencies to fetch; apt-get install -f:"
  grep -E "depends on|not installed" "$WORK/dpkg.log" | sed 's/^/     /' || true
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$WORK/apt-update.log" 2>&1 || true  # stale lists may still do
  apt-get install -f -y -qq --no-install-recommends >"$WORK/apt.log" 2>&1 \
    || { cat "$WORK/dpkg.log" "$WORK/apt.log" >&2; fail "could not install $DEB"; }
fi
status=$(dpkg-query -W -f='${db:Status-Status} ${Version}' slate)
[ "$status" = "installed $VERSION" ] || fail "dpkg says: $status"
ok "dpkg -i: slate $VERSION installed"

step "the installed app"
[ "$(readlink /usr/bin/slate)" = /opt/slate/slate ] || fail "/usr/bin/slate is not the launcher"
got=$(/usr/bin/slate --version) || fail "/usr/bin/slate --version did not run"
[ "$got" = "slate $VERSION" ] || fail "/usr/bin/slate --version says '$got'"
ok "/usr/bin/slate --version: $got"
# The frozen app's "beside the executable" must be the install folder, not /usr/bin.
if (cd / && slate config show --json >"$WORK/config.json" 2>/dev/null); then  # if it has it
  grep -q '"/opt/slate/slate.toml"' "$WORK/config.json" \
    || fail "slate config show does not look for /opt/slate/slate.toml: $(cat "$WORK/config.json")"
  ok "slate config show looks for /opt/slate/slate.toml (beside the executable)"
fi
for file in /usr/share/applications/slate.desktop \
  /usr/share/icons/hicolor/256x256/apps/slate.png /usr/share/icons/hicolor/48x48/apps/slate.png; do
  [ -f "$file" ] || fail "$file is missing"
done
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate /usr/share/applications/slate.desktop || fail "desktop entry is invalid"
fi
ok "desktop entry and icons installed"
cd /  # nothing from the source tree may help the installed app
self_test "installed, root" slate
if command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
  # A learner's account: no write access to /opt/slate, its own HOME.
  install -d -o nobody "$WORK/home-nobody"
  self_test "installed, user nobody" \
    runuser -u nobody -- env HOME="$WORK/home-nobody" QT_QPA_PLATFORM=offscreen /usr/bin/slate
fi

step "remove"
dpkg -r slate >"$WORK/dpkg-r.log" 2>&1 || { cat "$WORK/dpkg-r.log" >&2; fail "dpkg -r slate failed"; }
installed_here=""
for path in /opt/slate /usr/bin/slate /usr/share/applications/slate.desktop; do
  [ ! -e "$path" ] && [ ! -L "$path" ] || fail "$path is still there after dpkg -r"
done
ok "dpkg -r: /opt/slate, /usr/bin/slate and the desktop entry are gone"
echo "check_linux: all checks passed for slate $VERSION in $SECONDS s"
echo "package-check: $passed passed, 0 failed"
