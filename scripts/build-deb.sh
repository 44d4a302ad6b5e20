#!/usr/bin/env bash
# Build the Debian package dist/otp-broker_<version>_<arch>.deb with dpkg-deb from a DEBIAN/
# tree: the app's venv at /opt/otp-broker/venv (from app/requirements.lock), the files of
# packaging/deb/root/ (systemd units, udev rules, the privileged helper), the maintainer
# scripts of packaging/deb/DEBIAN/. See docs/install.md.
#
# Usage: scripts/build-deb.sh --arch amd64|arm64 [--version V] [--out DIR] [--work DIR]
#                             [--wheels DIR] [--builder-root ROOT]
#   --wheels DIR        install the pins from these wheels only (--no-index)
#   --builder-root ROOT build the venv in a throw-away copy of ROOT (a Debian root of that
#                       arch, e.g. the image's base) instead of on this host; needed for a
#                       foreign arch (arm64 on amd64, through qemu-user)
# Without --builder-root the venv is built on this host (same arch and Python as the package's
# Depends) at its real path, inside a private mount namespace: the host's /opt is untouched.
# The venv is kept under the work folder, keyed by its inputs; a new --version only repacks.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packaging="$repo_dir/packaging/deb"
arch=""
version=""
out_dir="$repo_dir/dist"
work="$repo_dir/build/deb"
wheels=""
builder_root=""

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="$2"; shift ;;
    --version) version="$2"; shift ;;
    --out) out_dir="$(realpath -m "$2")"; shift ;;
    --work) work="$(realpath -m "$2")"; shift ;;
    --wheels) wheels="$(realpath "$2")"; shift ;;
    --builder-root) builder_root="$(realpath "$2")"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-deb: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$arch" in
  amd64|arm64) ;;
  *) echo "build-deb: --arch must be amd64 or arm64, not '${arch}'" >&2; exit 2 ;;
esac
if [ -z "$version" ]; then
  version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$repo_dir/app/otpbroker/__init__.py")"
fi
if ! [[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]]; then
  echo "build-deb: '$version' is not a Debian version" >&2
  exit 2
fi
mkdir -p "$work" "$out_dir"
# One build at a time per work folder (make deb and the tests share the default one).
exec 9> "$work/lock"
flock 9

# The app's source without caches or build leftovers.
copy_source() {
  rm -rf "$1"
  mkdir -p "$1"
  (cd "$repo_dir/app" && tar --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
    --exclude=build -cf - pyproject.toml otpbroker requirements.lock) | tar -xf - -C "$1"
}

venv_key() {
  {
    echo "arch $arch builder ${builder_root:+chroot} wheels ${wheels:+yes}"
    (cd "$repo_dir" && find app/otpbroker app/pyproject.toml app/requirements.lock \
      packaging/deb/make-venv.sh -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 \
      | sort -z | xargs -0 sha256sum)
    [ -z "$wheels" ] || (cd "$wheels" && sha256sum ./*.whl)
  } | sha256sum | cut -c1-16
}

# The venv at /opt/otp-broker/venv of this host, seen only in a private mount namespace where
# /opt is an overlay whose upper layer is a tmpfs; then copied to $1.
venv_on_host() {
  local dest="$1" python_version
  if [ "$(dpkg --print-architecture)" != "$arch" ]; then
    echo "build-deb: this host is $(dpkg --print-architecture), not $arch: use --builder-root" >&2
    exit 1
  fi
  python_version="$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ "$python_version" != 3.11 ]; then
    echo "build-deb: the package's venv needs Python 3.11 (bookworm); this host has" \
      "$python_version: use --builder-root with a bookworm root" >&2
    exit 1
  fi
  local source="$work/source" unshare_opts=(--mount --propagation private)
  copy_source "$source"
  [ "$(id -u)" -eq 0 ] || unshare_opts+=(--map-root-user)
  unshare "${unshare_opts[@]}" -- env PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -eu -c '
    scratch="$1/scratch"; mkdir -p "$scratch"
    mount -t tmpfs tmpfs "$scratch"
    mkdir "$scratch/upper" "$scratch/work"
    mount -t overlay overlay -o "lowerdir=/opt,upperdir=$scratch/upper,workdir=$scratch/work" /opt
    sh "$2" /opt/otp-broker/venv "$3" "$4"
    cp -a /opt/otp-broker/venv "$5"
  ' sh "$work" "$packaging/make-venv.sh" "$source" "$wheels" "$dest"
  rm -rf "$source"
  rmdir "$work/scratch"
}

# The venv in a throw-away copy of a Debian root of the package's arch (qemu-user if foreign).
venv_in_chroot() {
  local dest="$1" builder="$work/builder-$arch"
  # shellcheck source=../image/lib/chroot.sh
  source "$repo_dir/image/lib/chroot.sh"
  rm -rf --one-file-system "$builder"
  cp -a --reflink=auto "$builder_root" "$builder"
  chroot_enter "$builder"
  copy_source "$builder/tmp/otp-broker-src"
  install -m 755 "$packaging/make-venv.sh" "$builder/tmp/make-venv.sh"
  local chroot_wheels=""
  if [ -n "$wheels" ]; then
    mkdir -p "$builder/tmp/wheels"
    cp "$wheels"/*.whl "$builder/tmp/wheels/"
    chroot_wheels=/tmp/wheels
  fi
  in_chroot sh /tmp/make-venv.sh /opt/otp-broker/venv /tmp/otp-broker-src $chroot_wheels
  cp -a "$builder/opt/otp-broker/venv" "$dest"
  chroot_leave
  rm -rf --one-file-system "$builder"
}

# Sets venv_dir.
build_venv() {
  local key cached
  key="$(venv_key)"
  cached="$work/venv-$arch-$key"
  if [ ! -d "$cached/venv" ]; then
    rm -rf "$work/venv-$arch-"*
    mkdir -p "$cached"
    if [ -n "$builder_root" ]; then
      venv_in_chroot "$cached/venv.new"
    else
      venv_on_host "$cached/venv.new"
    fi
    mv "$cached/venv.new" "$cached/venv"
  fi
  venv_dir="$cached/venv"
}

changelog() {
  local date
  date="$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$repo_dir" log -1 --format=%ct 2>/dev/null || date +%s)}")"
  printf 'otp-broker (%s) bookworm; urgency=medium\n\n' "$version"
  printf '  * OTP Broker %s (changes: docs/changelog.md of the source).\n\n' "$version"
  printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' "$packaging/control.in")" "$date"
}

assemble_tree() {
  local tree="$1" venv="$2" doc
  rm -rf "$tree"
  mkdir -p "$tree/opt/otp-broker" "$tree/usr/bin" "$tree/DEBIAN"
  cp -r "$packaging/root/." "$tree/"
  cp -a "$venv" "$tree/opt/otp-broker/venv"
  ln -s /opt/otp-broker/venv/bin/otp-broker "$tree/usr/bin/otp-broker"
  doc="$tree/usr/share/doc/otp-broker"
  mkdir -p "$doc" "$tree/usr/share/lintian/overrides"
  install -m 644 "$packaging/copyright" "$doc/copyright"
  changelog | gzip -9n > "$doc/changelog.gz"
  # The pages the units' Documentation= lines name, and the owner's guide in Indonesian
  # (install.md links it).
  install -m 644 "$repo_dir/docs/install.md" "$repo_dir/docs/install.id.md" \
    "$repo_dir/docs/network.md" "$repo_dir/docs/reset.md" "$doc/"
  install -m 644 "$packaging/lintian-overrides" "$tree/usr/share/lintian/overrides/otp-broker"
  # Modes from the executable bit only (git keeps no more); nothing group- or world-writable.
  find "$tree" -type d -exec chmod 755 {} +
  find "$tree" -type f -perm /111 -exec chmod 755 {} +
  find "$tree" -type f ! -perm /111 -exec chmod 644 {} +
  # The venv's libraries and modules are loaded, never run (wheels mark some executable).
  find "$tree/opt/otp-broker/venv/lib" -type f -exec chmod 644 {} +
  install -m 755 "$packaging"/DEBIAN/{preinst,postinst,prerm,postrm} "$tree/DEBIAN/"
  (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
    | xargs -0 md5sum > DEBIAN/md5sums)
  chmod 644 "$tree/DEBIAN/md5sums"
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" \
    -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$tree" | cut -f1)/" \
    "$packaging/control.in" > "$tree/DEBIAN/control"
}

venv_dir=""
build_venv
tree="$work/tree-$arch"
assemble_tree "$tree" "$venv_dir"
deb="$out_dir/otp-broker_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" > /dev/null
rm -rf "$tree"
echo "package: $deb ($(du -k "$deb" | cut -f1) KiB)"
