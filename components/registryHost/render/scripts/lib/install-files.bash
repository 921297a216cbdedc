# install-files: installs the files bundle read on stdin (see render/bundle.ts). Each file is written only when its
# sha256 differs (then atomically: temp file in the same directory, mode and owner set, rename), parent directories
# are created, links kept, unwanted paths removed. Paths this script installed before and that left the bundle are
# removed too. A parent directory it has to create is root:root 0755 (render/hostAccess.ts): the services that read
# the files run as their own accounts (cwagent, www-data) and must traverse it, and dpkg never changes the mode of a
# directory that already exists when a package it installs later ships that directory (so /opt/aws made 0700 here
# would stay 0700 under the CloudWatch agent). What must stay private is private by its own mode (keys, htpasswd 0600).
# Every changed path is printed ("changed <path>") and appended to STATE_DIR/pending, which apply-config
# reads and clears; the first version of each changed path is kept in STATE_DIR/backup until then (rollback).
CHANGED=0
UNCHANGED=0
TMP_FILE=""
STATE=""

cleanup_tmp() { if [ -n "$TMP_FILE" ]; then rm -f "$TMP_FILE"; fi; }

check_path() {
  case "$1" in
    /*) ;;
    *) die "bundle path is not absolute: $1" ;;
  esac
  case "/$1/" in */../*) die "bundle path climbs out: $1" ;; esac
}

# Remembers what was there before the first change since the last apply-config (apply-config rolls back from it).
backup() {
  local path="$1" dest saved
  dest="$(host_path "$path")"
  saved="$STATE/backup$path"
  if [ -e "$saved" ] || [ -L "$saved" ] || [ -e "$saved.absent" ]; then return 0; fi
  mkdir -p "$(dirname "$saved")"
  if [ -e "$dest" ] || [ -L "$dest" ]; then cp -a "$dest" "$saved"; else : >"$saved.absent"; fi
}

mark_changed() {
  CHANGED=$((CHANGED + 1))
  log "changed $1${2:+ ($2)}"
  if ! grep -qxF "$1" "$STATE/pending" 2>/dev/null; then printf '%s\n' "$1" >>"$STATE/pending"; fi
}

# The directories above a bundle path, made traversable (0755) when missing; existing ones keep their mode.
make_parents() { (umask 022 && mkdir -p "$1"); }

install_file() {
  local path="$1" mode="$2" want="$3" content="$4" dest dir have
  dest="$(host_path "$path")"
  mode="$(printf '%o' "$((8#$mode))")"
  if [ -f "$dest" ] && [ ! -L "$dest" ]; then
    have="$(sha256sum <"$dest")"
    if [ "${have%% *}" = "$want" ]; then
      if [ "$(stat -c '%a %u:%g' "$dest")" = "$mode 0:0" ]; then
        UNCHANGED=$((UNCHANGED + 1))
        return 0
      fi
      backup "$path"
      chown 0:0 "$dest"
      chmod "$mode" "$dest"
      mark_changed "$path" "mode/owner"
      return 0
    fi
  fi
  dir="$(dirname "$dest")"
  make_parents "$dir"
  backup "$path"
  TMP_FILE="$(mktemp "$dir/.$(basename "$dest").XXXXXX")"
  printf '%s' "$content" | base64 -d >"$TMP_FILE"
  have="$(sha256sum <"$TMP_FILE")"
  [ "${have%% *}" = "$want" ] || die "bundle entry for $path is corrupt (sha256 mismatch)"
  chown 0:0 "$TMP_FILE"
  chmod "$mode" "$TMP_FILE"
  mv -fT "$TMP_FILE" "$dest"
  TMP_FILE=""
  mark_changed "$path"
}

install_link() {
  local path="$1" target="$2" dest
  dest="$(host_path "$path")"
  if [ -L "$dest" ] && [ "$(readlink "$dest")" = "$target" ]; then
    UNCHANGED=$((UNCHANGED + 1))
    return 0
  fi
  if [ -d "$dest" ] && [ ! -L "$dest" ]; then die "$path is a directory, expected a link"; fi
  make_parents "$(dirname "$dest")"
  backup "$path"
  TMP_FILE="$(dirname "$dest")/.$(basename "$dest").link.$$"
  ln -sfn "$target" "$TMP_FILE"
  mv -fT "$TMP_FILE" "$dest"
  TMP_FILE=""
  mark_changed "$path"
}

remove_path() {
  local path="$1" dest
  dest="$(host_path "$path")"
  if [ -e "$dest" ] || [ -L "$dest" ]; then
    if [ -d "$dest" ] && [ ! -L "$dest" ]; then die "$path is a directory: not removing it"; fi
    backup "$path"
    rm -f "$dest"
    mark_changed "$path" "removed"
  fi
}

main() {
  parse_args "$@"
  require_root
  umask 077
  STATE="$(host_path "$STATE_DIR")"
  mkdir -p "$STATE/backup"
  chmod 0700 "$STATE"
  trap cleanup_tmp EXIT
  local kind path a b c wanted=()
  local -A in_bundle=()
  while IFS=' ' read -r kind path a b c; do
    [ -n "$kind" ] || continue
    check_path "$path"
    wanted+=("$path")
    in_bundle["$path"]=1
    case "$kind" in
      F) install_file "$path" "$a" "$b" "$c" ;;
      L) install_link "$path" "$a" ;;
      R) remove_path "$path" ;;
      *) die "unknown bundle record '$kind'" ;;
    esac
  done
  [ "${#wanted[@]}" -gt 0 ] || die "empty bundle on stdin"

  # Prune what an earlier bundle installed and this one no longer has (a removed site, GC switched off). Membership
  # is a lookup, never `printf ... | grep -q`: under pipefail, grep exiting at its first match can kill printf with
  # SIGPIPE, and that false "not in the bundle" removed installed files (about 1 check in 2,000).
  local managed="$STATE/managed" old
  if [ -f "$managed" ]; then
    while IFS= read -r old; do
      [ -n "$old" ] || continue
      if [ -z "${in_bundle[$old]+set}" ]; then remove_path "$old"; fi
    done <"$managed"
  fi
  printf '%s\n' "${wanted[@]}" >"$managed.new"
  if cmp -s "$managed.new" "$managed"; then rm -f "$managed.new"; else mv -fT "$managed.new" "$managed"; fi

  if [ "$CHANGED" -eq 0 ]; then
    log "no change ($UNCHANGED up to date)"
  else
    log "$CHANGED changed, $UNCHANGED up to date"
  fi
}
