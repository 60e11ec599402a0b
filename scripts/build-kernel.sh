#!/bin/bash
# build-kernel.sh VERSION CONFIG_NAME: a small x86_64 kernel of our own, from Debian's linux-source-VERSION,
# for recording fixtures of kernels users configure themselves (test/fixtures/custom/).
#
#   scripts/build-kernel.sh 7.3 min
#   npx tsx scripts/record-fixtures.ts --kernel 7.3 --kernel-image "$KBUILD/7.3-min/bzImage" \
#     --kernel-name "$(cat "$KBUILD/7.3-min/kernel-name")" --list scripts/kernel-configs/cases.list \
#     --out test/fixtures/custom/7.3-min
#
# The configuration is tinyconfig + scripts/kernel-configs/minimal.fragment + scripts/kernel-configs/CONFIG_NAME.fragment,
# merged in that order with the kernel's merge_config.sh (a later line wins), then olddefconfig. Each fragment line
# is checked against the final .config and any that did not stick is named (Kconfig dependencies can refuse one).
#
# VERSION 6.x comes from bookworm-security / bookworm, 7.x from trixie-backports / sid, each through a private
# apt configuration under the work folder (nothing in /etc/apt changes). Missing build tools are installed with
# apt-get. Everything lives under ${KBUILD:-$TMPDIR/hvosim-kbuild}: deb/ (the packages), src/ (unpacked trees),
# VERSION-CONFIG_NAME/ (obj/ the objects, and bzImage, .config, kernel-name, build.log, build-info at the top).
# Builds run under nice -n 10 (the machine is shared). JOBS=N overrides make -j (default: nproc);
# FETCH_ONLY=1 stops once the source is unpacked. The compiler runs through ccache (cache in $KBUILD/ccache,
# paths taken relative to the object folder), so the configurations of one version share every object whose
# preprocessed source the configuration does not change: the second configuration builds in a fraction of
# the first one's time. CCACHE=0 builds without it.
set -euo pipefail

usage() { echo "usage: $0 VERSION CONFIG_NAME   (e.g. 6.12 min, 7.3 cma; configs: scripts/kernel-configs/*.fragment)" >&2; exit 2; }
[ $# -eq 2 ] || usage
VERSION=$1
NAME=$2
HERE=$(cd "$(dirname "$0")" && pwd)
CONFS="$HERE/kernel-configs"
[ -f "$CONFS/$NAME.fragment" ] || { echo "no $CONFS/$NAME.fragment" >&2; usage; }
[[ $VERSION =~ ^[0-9]+\.[0-9]+$ ]] || usage
KBUILD=${KBUILD:-${TMPDIR:-/tmp}/hvosim-kbuild}
OUT="$KBUILD/$VERSION-$NAME"
SRC="$KBUILD/src/linux-source-$VERSION"
mkdir -p "$KBUILD/deb" "$KBUILD/src" "$OUT"

# --- build tools -------------------------------------------------------------------------------------------
tools() {
  local missing=() c
  for c in gcc:build-essential make:build-essential bc:bc bison:bison flex:flex cpio:cpio xz:xz-utils \
           dpkg-deb:dpkg perl:perl ccache:ccache; do
    command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
  done
  [ -f /usr/include/libelf.h ] || missing+=(libelf-dev)
  [ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing build tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- linux-source-VERSION through a private apt configuration ------------------------------------------------
# The system's Debian mirrors (deb822 or one-line sources), the security one apart; deb.debian.org otherwise.
mirror() {
  local want=$1 uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{print $2}' ;
        grep -hE '^deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -E 's/^deb\s+(\[[^]]*\]\s+)?(\S+).*/\2/')
  if [ "$want" = security ]; then uri=$(echo "$uri" | grep -m1 security || true); else uri=$(echo "$uri" | grep -v security | grep -m1 debian || true); fi
  if [ -n "$uri" ]; then echo "$uri"; elif [ "$want" = security ]; then echo http://deb.debian.org/debian-security
  else echo http://deb.debian.org/debian; fi
}

fetch_source() {
  [ -f "$SRC/Makefile" ] && return 0
  local tag apt main sec
  main=$(mirror archive)
  sec=$(mirror security)
  case $VERSION in
    6.*) tag=bookworm ;;
    *) tag=sid ;;
  esac
  apt="$KBUILD/apt-$tag"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  if [ "$tag" = bookworm ]; then
    printf 'deb %s bookworm-security main\ndeb %s bookworm main\n' "$sec" "$main" > "$apt/sources.list"
  else
    printf 'deb %s trixie-backports main\ndeb %s sid main\n' "$main" "$main" > "$apt/sources.list"
  fi
  local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache")
  echo "fetching linux-source-$VERSION ($(tr '\n' ';' < "$apt/sources.list"))"
  apt-get "${opts[@]}" update -qq
  rm -f "$KBUILD"/deb/linux-source-"$VERSION"_*_all.deb
  (cd "$KBUILD/deb" && apt-get "${opts[@]}" -o APT::Sandbox::User=root download "linux-source-$VERSION" >/dev/null)
  local deb
  deb=$(ls "$KBUILD"/deb/linux-source-"$VERSION"_*_all.deb | head -1)
  echo "unpacking $(basename "$deb")"
  rm -rf "$SRC"
  dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-source-$VERSION.tar.xz" | tar -xJ -C "$KBUILD/src"
  basename "$deb" _all.deb | sed 's/^linux-source-[^_]*_//' > "$SRC.debversion"
}

# --- configure ---------------------------------------------------------------------------------------------
# The value each fragment asks for, the last fragment winning: "CONFIG_X=v" or "# CONFIG_X is not set".
wanted() {
  grep -hE '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$@" |
    awk '{ n = ($1 == "#") ? $2 : substr($0, 1, index($0, "=") - 1); v[n] = $0; if (!(n in o)) { o[n] = ++k; keys[k] = n } }
         END { for (i = 1; i <= k; i++) print v[keys[i]] }'
}

configure() {
  local obj="$OUT/obj" frags=("$CONFS/minimal.fragment" "$CONFS/$NAME.fragment") bad=0 l n
  mkdir -p "$obj"
  nice -n 10 make -s -C "$SRC" O="$obj" ARCH=x86_64 tinyconfig >/dev/null
  "$SRC/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
  nice -n 10 make -s -C "$SRC" O="$obj" ARCH=x86_64 olddefconfig >/dev/null
  while read -r l; do
    if [[ $l == "# "* ]]; then
      n=${l#\# }; n=${n%% *}
      grep -q "^$n=" "$obj/.config" || continue
      echo "warning: '$l' did not stick: .config has $(grep "^$n=" "$obj/.config")" >&2
    else
      n=${l%%=*}
      grep -qxF "$l" "$obj/.config" && continue
      echo "warning: '$l' did not stick: .config has $(grep -E "^$n=|^# $n is not set" "$obj/.config" || echo "no $n")" >&2
    fi
    bad=$((bad + 1))
  done < <(wanted "${frags[@]}")
  echo "configured $VERSION-$NAME: $(wanted "${frags[@]}" | wc -l) fragment lines, $bad did not stick"
}

# --- build -------------------------------------------------------------------------------------------------
build() {
  local obj="$OUT/obj" t0 secs size debv
  local cc=()
  if [ "${CCACHE:-1}" != 0 ]; then
    export CCACHE_DIR="$KBUILD/ccache" CCACHE_BASEDIR="$KBUILD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=5G
    cc=(CC="ccache gcc")
    ccache -z >/dev/null
  fi
  t0=$(date +%s)
  if ! nice -n 10 make -C "$SRC" O="$obj" ARCH=x86_64 -j"${JOBS:-$(nproc)}" "${cc[@]}" \
      KBUILD_BUILD_USER=hvosim KBUILD_BUILD_HOST=kbuild LOCALVERSION="-hvosim-$NAME" bzImage > "$OUT/build.log" 2>&1; then
    tail -30 "$OUT/build.log" >&2
    echo "build $VERSION-$NAME failed, see $OUT/build.log" >&2
    exit 1
  fi
  secs=$(( $(date +%s) - t0 ))
  cp "$obj/arch/x86/boot/bzImage" "$OUT/bzImage"
  cp "$obj/.config" "$OUT/.config"
  size=$(stat -c %s "$OUT/bzImage")
  debv=$(cat "$SRC.debversion" 2>/dev/null || echo unknown)
  # What the recorded logs' header names as the kernel (no spaces: the header is one line of words).
  echo "linux-source-${VERSION}_${debv}+${NAME}" > "$OUT/kernel-name"
  printf 'version=%s config=%s source=linux-source-%s_%s release=%s build_seconds=%s jobs=%s bzimage_bytes=%s\n' \
    "$VERSION" "$NAME" "$VERSION" "$debv" "$(cat "$obj/include/config/kernel.release")" "$secs" "${JOBS:-$(nproc)}" "$size" \
    > "$OUT/build-info"
  [ ${#cc[@]} -gt 0 ] && ccache -s 2>/dev/null | grep -iE '^(hits|misses|cacheable)|Hits:|Misses:' | tr -s ' ' | paste -sd ' ' | sed 's/^/ccache: /'
  echo "build $VERSION-$NAME: $secs s, bzImage $size bytes ($(cat "$obj/include/config/kernel.release")) -> $OUT/bzImage"
}

tools
fetch_source
[ "${FETCH_ONLY:-0}" = 1 ] && { echo "fetched $SRC"; exit 0; }
configure
build
