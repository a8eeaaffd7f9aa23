#!/bin/sh
# Tests the packages make package built (run by make package-test):
#  1. the .deb holds the binary, the .desktop entry, the icon at every hicolor
#     size and the AppStream metainfo, which appstreamcli validate accepts; the
#     .rpm is there; scripts/package/libraries matches the binary (objdump) and
#     the .deb's Depends;
#  2. in a clean Debian root (debootstrap --variant=minbase, cached as a tarball
#     in ~/.cache/magiclink), apt-get installs the .deb with its dependencies
#     from the mirror, every library the binary links or opens is then present,
#     `magiclink --version` runs, and apt-get purge removes every file it added.
#
# Safety: every mount (debootstrap's /proc and /sys, the test's /proc) is made
# inside a private mount and PID namespace (unshare --propagation private
# --kill-child), which the kernel tears down with its mounts when it ends.
# Device nodes are created with mknod, never bind-mounted. The root is removed
# from the host namespace with rm -rf --one-file-system, and only after
# /proc/self/mounts shows nothing mounted under it.
#
# Logs: test-output/package/. Needs root (or sudo without a password) and, on a cold cache, the Debian mirror.
# Environment: VERSION, DEBIAN_MIRROR (http://deb.debian.org/debian),
# DEBIAN_SUITE (bookworm), XDG_CACHE_HOME.
set -eu
cd "$(dirname "$0")/../.."
repo=$(pwd)

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
		exec sudo --preserve-env=VERSION,DEBIAN_MIRROR,DEBIAN_SUITE,XDG_CACHE_HOME,HOME "$0" "$@"
	fi
	echo "package-test: needs root (debootstrap, chroot and a private mount namespace); run it as root or with sudo" >&2
	exit 1
fi

app_id=io.github.magiclink.magiclink
version=${VERSION:-1.0.0}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}
libs=scripts/package/libraries
cache=${XDG_CACHE_HOME:-$HOME/.cache}/magiclink
logs=test-output/package
start=$(date +%s)
mkdir -p "$logs"

say() { echo "package-test [$(($(date +%s) - start))s]: $*"; }
fail() {
	echo "package-test: FAIL: $*" >&2
	exit 1
}

for f in dist/magiclink_"$version"_*.deb; do deb=$f; done
[ -f "$deb" ] || fail "no dist/magiclink_${version}_*.deb; run make package"
for f in dist/magiclink-"$version"-1.*.rpm; do rpm=$f; done
[ -f "$rpm" ] || fail "no dist/magiclink-$version-1.*.rpm; run make package"
arch=$(dpkg-deb -f "$deb" Architecture)

work=$(mktemp -d /var/tmp/magiclink-package-test.XXXXXX)
work=$(cd "$work" && pwd -P)
root=$work/root

# mounted_under DIR: is anything mounted at or below DIR in this namespace?
mounted_under() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts
}
cleanup() {
	status=$?
	case "$(basename "$work")" in
	magiclink-package-test.?*) ;;
	*) echo "package-test: refusing to remove '$work'" >&2; exit 1 ;;
	esac
	if mounted_under "$work"; then
		echo "package-test: something is still mounted under $work; NOT removing it:" >&2
		grep -F " $work" /proc/self/mounts >&2 || true
		exit 1
	fi
	rm -rf --one-file-system "$work"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# in_namespace SCRIPT ARGS…: run SCRIPT (sh) in a private mount and PID
# namespace; its mounts never reach this one and end with it.
in_namespace() {
	ns_status=0
	unshare --mount --pid --fork --kill-child --propagation private sh -eu "$@" || ns_status=$?
	if mounted_under "$work"; then fail "a mount leaked out of the private namespace under $work"; fi
	return $ns_status
}

## 1. What the packages hold.
say "checking $deb and $rpm"
dpkg-deb -x "$deb" "$work/deb"
expected="/usr/bin/magiclink
/usr/share/applications/$app_id.desktop
/usr/share/metainfo/$app_id.metainfo.xml"
for s in 16 22 24 32 48 64 128 256 512; do
	expected="$expected
/usr/share/icons/hicolor/${s}x$s/apps/$app_id.png"
	file "$work/deb/usr/share/icons/hicolor/${s}x$s/apps/$app_id.png" | grep -q "PNG image data, $s x $s," ||
		fail "the ${s}x$s icon is not a $s×$s PNG"
done
got=$(cd "$work/deb" && find . -type f | sed 's/^\.//' | sort)
[ "$got" = "$(echo "$expected" | sort)" ] || fail "the .deb holds
$got
but should hold
$(echo "$expected" | sort)"
[ -x "$work/deb/usr/bin/magiclink" ] || fail "/usr/bin/magiclink is not executable"
# The window's WM_CLASS class (cmd/magiclink, tied to this file by its tests).
wm_class=$(sed -n 's/^StartupWMClass=//p' "$repo/scripts/package/$app_id.desktop")
[ -n "$wm_class" ] || fail "scripts/package/$app_id.desktop has no StartupWMClass"
grep -qx "StartupWMClass=$wm_class" "$work/deb/usr/share/applications/$app_id.desktop" ||
	fail "the packaged .desktop entry has no StartupWMClass=$wm_class"
desktop-file-validate "$work/deb/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
# magiclink:// links open the app (issue 12): the scheme, and the link as %u.
grep -qx "MimeType=x-scheme-handler/magiclink;" "$work/deb/usr/share/applications/$app_id.desktop" ||
	fail "the packaged .desktop entry does not declare MimeType=x-scheme-handler/magiclink;"
grep -qx "Exec=magiclink %u" "$work/deb/usr/share/applications/$app_id.desktop" ||
	fail "the packaged .desktop entry does not start magiclink with the link (Exec=magiclink %u)"
appstreamcli validate --no-net --explain "$work/deb/usr/share/metainfo/$app_id.metainfo.xml" ||
	fail "appstreamcli validate"
appstreamcli validate-tree --no-net "$work/deb" || fail "appstreamcli validate-tree"
grep -q "<release version=\"$version\"" "$work/deb/usr/share/metainfo/$app_id.metainfo.xml" ||
	fail "the metainfo names no release $version"
# An RPM file starts with the lead's magic number.
[ "$(od -An -tx1 -N4 "$rpm" | tr -d ' ')" = edabeedb ] || fail "$rpm is not an RPM package"
if command -v rpm >/dev/null 2>&1; then
	[ "$(rpm -qpl "$rpm" | sort)" = "$(echo "$expected" | sort)" ] || fail "$rpm does not hold the files the .deb holds"
	rpm_want=$(awk '!/^#/ && NF == 3 && $2 != "-" { print $1 }' "$libs" | sort -u)
	rpm_got=$(rpm -qp --requires "$rpm" | grep -v '^rpmlib(' | sed 's/()(64bit)$//; s/()$//' | sort -u)
	[ "$rpm_got" = "$rpm_want" ] || fail "$rpm requires
$rpm_got
but $libs names
$rpm_want"
fi

say "checking $libs against the binary"
bin=$work/deb/usr/bin/magiclink
rows() { awk -v how="$1" '!/^#/ && NF == 3 && $3 == how { print $1 }' "$libs" | sort -u; }
needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }' | sort -u)
[ "$needed" = "$(rows linked)" ] || fail "the binary links (objdump -p NEEDED)
$needed
but $libs lists as linked
$(rows linked)"
named=$(strings "$bin" | grep -E '^lib[A-Za-z0-9_+-]+\.so\.[0-9]+$' | sort -u)
for so in $named; do
	awk -v so="$so" '!/^#/ && $1 == so { found = 1 } END { exit !found }' "$libs" ||
		fail "the binary names $so (GLFW opens it with dlopen), which $libs does not list"
done
for so in $(rows dlopen) $(rows optional); do
	echo "$named" | grep -qxF "$so" || fail "$libs lists $so, which the binary no longer names"
done
want_deps=$(awk '!/^#/ && NF == 3 && $2 != "-" { print $2 }' "$libs" | sort -u)
got_deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | sort -u)
[ "$got_deps" = "$want_deps" ] || fail "the .deb depends on
$got_deps
but $libs names
$want_deps"

## 2. A clean Debian root.
mkdir -p "$cache" "$cache/apt-archives-$suite-$arch"
root_tar=$cache/debian-$suite-minbase-$arch.tar
if [ -f "$root_tar" ]; then
	say "unpacking the cached Debian root $root_tar"
	mkdir "$root"
	tar -C "$root" --numeric-owner -xf "$root_tar"
else
	say "debootstrap --variant=minbase $suite from $mirror (once; cached as $root_tar)"
	mkdir "$root"
	command -v debootstrap >/dev/null 2>&1 || fail "debootstrap is not installed (make deps-test)"
	in_namespace -c 'debootstrap --variant=minbase --arch="$1" "$2" "$3" "$4"' sh "$arch" "$suite" "$root" "$mirror" \
		>"$logs/debootstrap.log" 2>&1 || {
		tail -n 30 "$logs/debootstrap.log" >&2
		fail "debootstrap"
	}
	tar -C "$root" --one-file-system --numeric-owner -cf "$root_tar.tmp" .
	mv "$root_tar.tmp" "$root_tar"
fi

# apt in the root: the mirror, this machine's DNS and CA certificates (for an
# https mirror or a TLS-intercepting proxy), and the .debs of earlier runs.
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
cat >"$root/etc/apt/apt.conf.d/99magiclink-test" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Binary::apt::APT::Keep-Downloaded-Packages "true";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
Acquire::Retries "3";
EOF
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp -R /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	mkdir -p "$root/etc/ssl/certs"
	cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
fi
for n in null zero full random urandom tty; do
	[ -e "$root/dev/$n" ] || fail "the root has no /dev/$n"
done
find "$cache/apt-archives-$suite-$arch" -name '*.deb' -exec cp {} "$root/var/cache/apt/archives/" \;
cp "$deb" "$root/tmp/magiclink.deb"
awk '!/^#/ && NF == 3 && $3 != "optional" { print $1 }' "$libs" >"$root/tmp/sonames"

cat >"$root/tmp/steps.sh" <<'EOF'
# Runs in the root (chroot), as root.
set -eu
version=$1
export DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
tree() {
	find / -xdev \( -path /proc -o -path /tmp -o -path /var/cache -o -path /var/log \
		-o -path /var/lib/apt -o -path /var/lib/dpkg \) -prune -o -print | sort
}
echo "== apt-get update"
apt-get update -q
echo "== apt-get install ./magiclink.deb"
apt-get install -y -q /tmp/magiclink.deb
out=$(magiclink --version)
echo "magiclink --version: $out"
[ "$out" = "magiclink $version" ] || { echo "expected 'magiclink $version'" >&2; exit 1; }
if ldd /usr/bin/magiclink | grep 'not found'; then echo "libraries missing" >&2; exit 1; fi
for so in $(cat /tmp/sonames); do
	ldconfig -p | grep -q "^[[:space:]]*$so " || { echo "$so is not installed" >&2; exit 1; }
done
dpkg -L magiclink | sort >/tmp/files
tree >/tmp/before
echo "== apt-get purge magiclink"
apt-get purge -y -q magiclink
tree >/tmp/after
if dpkg -s magiclink >/dev/null 2>&1; then echo "dpkg still knows magiclink" >&2; exit 1; fi
left=$(comm -12 /tmp/files /tmp/after | while read -r f; do [ -d "$f" ] || echo "$f"; done)
[ -z "$left" ] || { echo "left after purge: $left" >&2; exit 1; }
new=$(comm -13 /tmp/before /tmp/after)
[ -z "$new" ] || { echo "purge created: $new" >&2; exit 1; }
gone=$(comm -23 /tmp/before /tmp/after | comm -23 - /tmp/files)
[ -z "$gone" ] || { echo "purge removed files not in the package: $gone" >&2; exit 1; }
ls /var/lib/dpkg/info/magiclink.* 2>/dev/null && { echo "dpkg info files left" >&2; exit 1; }
echo "== installed, ran and purged cleanly"
EOF

say "installing, running and purging the .deb in the root (private namespace)"
in_namespace -c '
	root=$1 version=$2
	mount -t proc proc "$root/proc" || echo "(no /proc in the root)"
	chroot "$root" /bin/sh /tmp/steps.sh "$version"
' sh "$root" "$version" >"$logs/steps.log" 2>&1 || {
	tail -n 40 "$logs/steps.log" >&2
	fail "install, run and purge in the Debian root"
}
grep -E '^(==|magiclink --version)' "$logs/steps.log"
find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' ! -name 'magiclink*' \
	-exec cp -n {} "$cache/apt-archives-$suite-$arch/" \;
say "ok"
