#!/bin/sh
# rehydrate installer: downloads the prebuilt binary for this machine from a GitHub release,
# checks it against the release's sha256sums.txt and installs it without sudo.
#
#   curl -fsSL https://raw.githubusercontent.com/rehydrate-cli/rehydrate/main/install.sh | sh
#   curl -fsSL .../install.sh | sh -s -- --version 0.1.0 --dir /usr/local/bin
#   curl -fsSL .../install.sh | sh -s -- --uninstall      # removes what it installed
#
# A requested version is checked against what the downloaded binary reports before anything
# is installed: a mirror serving another version is refused, not warned about.
#
# Settings (environment variables; the flags override them):
#   REHYDRATE_VERSION       version to install, e.g. 0.1.0 (default: the latest release)
#   REHYDRATE_INSTALL_DIR   where the binary goes (default: $HOME/.local/bin)
#   REHYDRATE_DOWNLOAD_URL  base URL holding the archives and sha256sums.txt of one release,
#                           for mirrors and air-gapped hosts (default: the GitHub release)
#   REHYDRATE_REPO          GitHub owner/name to download from (default: rehydrate-cli/rehydrate)
#   REHYDRATE_SHA256        the archive's expected sha256, pinned by the caller (the GitHub
#                           Action passes it): checked on top of the release's sha256sums.txt
#   REHYDRATE_OS, REHYDRATE_ARCH, REHYDRATE_LIBC
#                           override what `uname -s`, `uname -m` and the musl check report
#                           (for tests, or to fetch a binary for another machine)
#
# Plain POSIX sh on purpose: it runs under dash, busybox ash (Alpine) and macOS /bin/sh.
set -eu

REPO=${REHYDRATE_REPO:-rehydrate-cli/rehydrate}
VERSION=${REHYDRATE_VERSION:-latest}
INSTALL_DIR=${REHYDRATE_INSTALL_DIR:-${HOME:-}/.local/bin}
DOWNLOAD_URL=${REHYDRATE_DOWNLOAD_URL:-}
PINNED_SHA256=${REHYDRATE_SHA256:-}
UNINSTALL=0

say() {
  printf 'rehydrate install: %s\n' "$*" >&2
}

die() {
  say "error: $*"
  exit 1
}

usage() {
  cat <<'EOF'
usage: install.sh [--version X.Y.Z] [--dir DIRECTORY] [--sha256 HEX]
       install.sh --uninstall [--dir DIRECTORY]
Installs the rehydrate binary for this machine from a GitHub release, verified by sha256;
--uninstall removes it again.
Environment: REHYDRATE_VERSION, REHYDRATE_INSTALL_DIR, REHYDRATE_DOWNLOAD_URL, REHYDRATE_REPO,
REHYDRATE_SHA256.
EOF
}

parse_args() {
  while [ "$#" -gt 0 ]; do
    case $1 in
      --version)
        [ "$#" -ge 2 ] || die "--version needs a value, e.g. --version 0.1.0"
        VERSION=$2
        shift 2
        ;;
      --dir)
        [ "$#" -ge 2 ] || die "--dir needs a directory"
        INSTALL_DIR=$2
        shift 2
        ;;
      --sha256)
        [ "$#" -ge 2 ] || die "--sha256 needs the archive's sha256 (64 hex digits)"
        PINNED_SHA256=$2
        shift 2
        ;;
      --uninstall)
        UNINSTALL=1
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        die "unknown argument: $1"
        ;;
    esac
  done

  [ -n "$INSTALL_DIR" ] || die "HOME is not set; choose a directory with REHYDRATE_INSTALL_DIR or --dir"
  case $PINNED_SHA256 in
    '') ;;
    *[!0-9a-fA-F]*) die "--sha256 / REHYDRATE_SHA256 must be 64 hex digits, not '$PINNED_SHA256'" ;;
    *) [ "${#PINNED_SHA256}" -eq 64 ] || die "--sha256 / REHYDRATE_SHA256 must be 64 hex digits, not '$PINNED_SHA256'" ;;
  esac
}

# Removes the binary this script installs (and the temporary file an interrupted install may
# leave). Only files named rehydrate in the install dir are touched; the dir itself stays.
uninstall() {
  target_file=$INSTALL_DIR/rehydrate
  rm -f "$INSTALL_DIR/.rehydrate.new"
  if [ ! -e "$target_file" ]; then
    say "nothing to remove: $target_file does not exist (installed elsewhere? pass --dir)"
    return 0
  fi
  [ -f "$target_file" ] || die "$target_file is not a regular file; not removing it"
  rm -f "$target_file" || die "cannot remove $target_file (permissions?)"
  say "removed $target_file"
  say "shell completion, if you set it up, is a line in your shell's profile: remove 'rehydrate completion' from it"
}

# --- which archive ----------------------------------------------------------------------

# musl Linux (Alpine, Void musl) cannot run glibc binaries, so it gets the -musl build.
# ldd names its C library; a musl loader file alone proves nothing (Debian's `musl` package
# installs one next to glibc), so it only decides when no glibc loader is there.
is_musl() {
  case ${REHYDRATE_LIBC:-} in
    musl) return 0 ;;
    glibc | gnu) return 1 ;;
    '') ;;
    *) die "REHYDRATE_LIBC must be musl or glibc, not '$REHYDRATE_LIBC'" ;;
  esac
  if command -v ldd >/dev/null 2>&1; then
    # musl's ldd prints its banner to stderr and exits non-zero; only the text matters.
    ldd_banner=$(ldd --version 2>&1 || true)
    case $ldd_banner in
      *musl*) return 0 ;;
      *GLIBC* | *"GNU libc"* | *"GNU C Library"*) return 1 ;;
    esac
  fi
  for loader in /lib64/ld-linux-*.so.* /lib/ld-linux-*.so.*; do
    [ -e "$loader" ] && return 1
  done
  for loader in /lib/ld-musl-*; do
    [ -e "$loader" ] && return 0
  done
  return 1
}

# An x86_64 shell on Apple silicon runs under Rosetta 2; the native arm64 build is faster.
is_rosetta() {
  [ -z "${REHYDRATE_ARCH:-}" ] || return 1
  [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]
}

detect_target() {
  os_name=${REHYDRATE_OS:-$(uname -s)}
  cpu_name=${REHYDRATE_ARCH:-$(uname -m)}

  case $cpu_name in
    x86_64 | amd64 | x64) cpu=x64 ;;
    aarch64 | arm64) cpu=arm64 ;;
    *) cpu='' ;;
  esac

  case $os_name in
    Linux | linux)
      [ -n "$cpu" ] || unsupported
      if is_musl; then
        TARGET=linux-$cpu-musl
      else
        TARGET=linux-$cpu
      fi
      ;;
    Darwin | darwin)
      [ -n "$cpu" ] || unsupported
      if [ "$cpu" = x64 ] && is_rosetta; then
        say "this shell runs under Rosetta 2; installing the native Apple silicon build"
        cpu=arm64
      fi
      TARGET=darwin-$cpu
      ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      die "this installer is for Linux and macOS. On Windows download rehydrate-windows-x64.zip from https://github.com/$REPO/releases, check it against sha256sums.txt (Get-FileHash) and put rehydrate.exe on your PATH."
      ;;
    *) unsupported ;;
  esac
  ARCHIVE=rehydrate-$TARGET.tar.gz
}

unsupported() {
  die "no prebuilt rehydrate binary for $os_name/$cpu_name. Prebuilt: Linux x86_64 and arm64 (glibc or musl), macOS x86_64 and arm64, Windows x86_64. On other platforms run it from source with Bun: https://github.com/$REPO/blob/main/docs/install.md#from-source"
}

# --- tools ------------------------------------------------------------------------------

# Picks the download and hash tools once, failing early with an actionable message.
check_tools() {
  if command -v curl >/dev/null 2>&1; then
    DOWNLOADER=curl
  elif command -v wget >/dev/null 2>&1; then
    DOWNLOADER=wget
  else
    die "neither curl nor wget is installed; install one of them (e.g. 'apt-get install curl' or 'apk add curl') and run this again"
  fi
  if command -v sha256sum >/dev/null 2>&1; then
    HASHER=sha256sum
  elif command -v shasum >/dev/null 2>&1; then
    HASHER=shasum
  else
    die "no sha256 tool found (sha256sum or shasum); install coreutils or perl so the download can be verified"
  fi
  command -v tar >/dev/null 2>&1 || die "tar is not installed; it is needed to unpack the download"
}

download() {
  # $1 URL, $2 output file
  if [ "$DOWNLOADER" = curl ]; then
    curl --fail --silent --show-error --location --retry 2 --output "$2" "$1"
  else
    wget --quiet --tries=3 --output-document="$2" "$1"
  fi
}

sha256_of() {
  if [ "$HASHER" = sha256sum ]; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# --- main -------------------------------------------------------------------------------

# Everything runs from here, on the last line, so a download cut short by `curl | sh` runs nothing.
main() {
  parse_args "$@"
  if [ "$UNINSTALL" = 1 ]; then
    uninstall
    return 0
  fi
  detect_target
  check_tools

  if [ -z "$DOWNLOAD_URL" ]; then
    if [ "$VERSION" = latest ]; then
      DOWNLOAD_URL=https://github.com/$REPO/releases/latest/download
    else
      DOWNLOAD_URL=https://github.com/$REPO/releases/download/v${VERSION#v}
    fi
  fi
  DOWNLOAD_URL=${DOWNLOAD_URL%/}

  TMP=$(mktemp -d 2>/dev/null || mktemp -d -t rehydrate)
  trap 'rm -rf "$TMP"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  say "downloading $ARCHIVE ($VERSION) from $DOWNLOAD_URL"
  download "$DOWNLOAD_URL/sha256sums.txt" "$TMP/sha256sums.txt" ||
    die "could not download $DOWNLOAD_URL/sha256sums.txt (does release $VERSION exist?)"
  # The checksum line must name exactly this archive; `sha256sum -b` writes a '*' before it.
  expected=$(awk -v f="$ARCHIVE" '$2 == f || $2 == ("*" f) { print tolower($1); exit }' "$TMP/sha256sums.txt")
  [ -n "$expected" ] || die "sha256sums.txt has no entry for $ARCHIVE; refusing to install an unverified binary"
  download "$DOWNLOAD_URL/$ARCHIVE" "$TMP/$ARCHIVE" ||
    die "could not download $DOWNLOAD_URL/$ARCHIVE"
  actual=$(sha256_of "$TMP/$ARCHIVE")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $ARCHIVE: expected $expected, got $actual. The download is corrupt or was tampered with; nothing was installed."
  fi
  if [ -n "$PINNED_SHA256" ] && [ "$actual" != "$(printf '%s' "$PINNED_SHA256" | tr 'A-F' 'a-f')" ]; then
    die "checksum mismatch for $ARCHIVE: the pinned sha256 is $PINNED_SHA256, the download is $actual (sha256sums.txt agrees with the download, so the release itself differs from the pin); nothing was installed."
  fi
  say "sha256 verified: $actual${PINNED_SHA256:+ (matches the pinned sha256)}"

  mkdir "$TMP/unpacked"
  tar -xzf "$TMP/$ARCHIVE" -C "$TMP/unpacked" || die "could not unpack $ARCHIVE"
  [ -f "$TMP/unpacked/rehydrate" ] || die "$ARCHIVE does not contain a rehydrate binary"

  # A mirror may serve another version than the one asked for (a stale copy, a moved "latest"):
  # refuse before installing. A binary that cannot run here cannot say; that case is reported
  # after the install, as before.
  if [ "$VERSION" != latest ]; then
    chmod 755 "$TMP/unpacked/rehydrate"
    if served=$("$TMP/unpacked/rehydrate" --version 2>/dev/null) && [ "$served" != "${VERSION#v}" ]; then
      die "asked for version ${VERSION#v} but $DOWNLOAD_URL serves $served; nothing was installed. Point REHYDRATE_DOWNLOAD_URL at the folder of release ${VERSION#v}, or ask for --version $served."
    fi
  fi

  mkdir -p "$INSTALL_DIR" || die "cannot create $INSTALL_DIR; choose another directory with REHYDRATE_INSTALL_DIR or --dir"
  # Copy next to the destination, then rename: replacing a running binary stays atomic.
  cp "$TMP/unpacked/rehydrate" "$INSTALL_DIR/.rehydrate.new" ||
    die "cannot write to $INSTALL_DIR; choose another directory with REHYDRATE_INSTALL_DIR or --dir"
  chmod 755 "$INSTALL_DIR/.rehydrate.new"
  mv -f "$INSTALL_DIR/.rehydrate.new" "$INSTALL_DIR/rehydrate"

  if installed=$("$INSTALL_DIR/rehydrate" --version 2>/dev/null); then
    say "installed rehydrate $installed to $INSTALL_DIR/rehydrate"
  else
    say "installed $INSTALL_DIR/rehydrate, but it did not run on this machine ('rehydrate --version' failed)"
    case $TARGET in
      *-musl) say "musl builds need the C++ runtime: on Alpine run 'apk add libstdc++ libgcc'" ;;
    esac
  fi

  case ":${PATH:-}:" in
    *":$INSTALL_DIR:"*) ;;
    *)
      say "$INSTALL_DIR is not on your PATH. To add it:"
      case ${SHELL:-} in
        */fish) printf '  fish_add_path %s\n' "$INSTALL_DIR" >&2 ;;
        *)
          case ${SHELL:-} in
            */zsh) profile=${HOME:-}/.zshrc ;;
            */bash) profile=${HOME:-}/.bashrc ;;
            *) profile=${HOME:-}/.profile ;;
          esac
          # $PATH stays literal on purpose: the profile line must expand it at login, not now.
          # shellcheck disable=SC2016
          printf '  echo '\''export PATH="%s:$PATH"'\'' >> %s\n' "$INSTALL_DIR" "$profile" >&2
          # shellcheck disable=SC2016
          printf '  then open a new terminal, or run now: export PATH="%s:$PATH"\n' "$INSTALL_DIR" >&2
          ;;
      esac
      ;;
  esac
}

main "$@"
