# registry-acme: obtains and renews the one certificate Nginx serves for every site name, with lego (docs/acme.md).
#   registry-acme prepare         before Nginx starts: state directories; the issued certificate from the data volume
#                                 when one is there (a replaced host never re-issues), else a temporary self-signed one
#   registry-acme issue [--now]   first issuance (registry-acme-issue.timer): no-op once issued; after a failure the
#                                 next try waits 5 min, doubling up to 6 h (--now ignores the wait)
#   registry-acme renew [--force] renewal (registry-acme-renew.timer): lego renews within RENEW_DAYS of expiry and its
#                                 renew hook runs `deploy`; a failure leaves the served certificate untouched
#   registry-acme deploy          install lego's certificate for Nginx, `nginx -t`, graceful reload (or roll back)
#   registry-acme status [--check]  the served certificate, pending reason, last error; --check: one line for the
#                                 health check ("certificate pending: <reason>", "WARNING: ..." or "certificate ok: ...")
# No other options: the tool runs as root from timers, the health check and operators, so nothing on its command line
# may point it at another configuration or program. Its configuration path is fixed (CONFIG below); nginx, systemctl,
# lego and openssl come from PATH (systemd's and sudo's secure_path).
set -euo pipefail

readonly CONFIG=/etc/registry-acme/acme.conf

log() { printf 'registry-acme: %s\n' "$*"; }
warn() { printf 'registry-acme: WARNING: %s\n' "$*" >&2; }
die() {
  printf 'registry-acme: ERROR: %s\n' "$*" >&2
  exit 1
}

COMMAND="${1:-status}"
case "$COMMAND" in -*) die "unknown option: $COMMAND (usage: registry-acme prepare|issue [--now]|renew [--force]|deploy|status [--check])" ;; esac
shift || true
# Each command's one optional flag; anything else is refused.
case "$COMMAND:$#:${1:-}" in
  prepare:0: | deploy:0: | issue:0: | issue:1:--now | renew:0: | renew:1:--force | status:0: | status:1:--check) ;;
  prepare:* | deploy:* | issue:* | renew:* | status:*) die "unknown option for $COMMAND: $*" ;;
  *) die "unknown command $COMMAND (prepare, issue, renew, deploy, status)" ;;
esac

# shellcheck source=/dev/null # rendered by startup-infra (render/acme): ACME_*, paths, RENEW_DAYS, WARN_DAYS
. "$CONFIG"

LEGO_DIR="$LEGO_PATH"
STATE="$STATE_DIR"
CERT="$SERVED_CERT"
KEY="$SERVED_KEY"
read -r -a DOMAINS <<<"$ACME_DOMAINS"
MAIN="${DOMAINS[0]}"
# lego names its files after the first domain (a leading "*." becomes "_.").
ISSUED_CERT="$LEGO_DIR/certificates/${MAIN/\*/_}.crt"
ISSUED_KEY="$LEGO_DIR/certificates/${MAIN/\*/_}.key"
TEMPORARY_CN="registry-acme temporary certificate"

umask 077
TEMP_FILES=()
cleanup() { if [ "${#TEMP_FILES[@]}" -gt 0 ]; then rm -f "${TEMP_FILES[@]}"; fi; }
trap cleanup EXIT
# private_temp VAR NAME: a temporary file in the private state directory, in VAR, removed on exit.
private_temp() {
  local f
  f="$(mktemp "$STATE/$2.XXXXXX")"
  TEMP_FILES+=("$f")
  printf -v "$1" '%s' "$f"
}

set_status() { printf '%s\n' "$*" >"$STATE/status.new" && mv -f "$STATE/status.new" "$STATE/status"; }
get_status() { cat "$STATE/status" 2>/dev/null || true; }

# True when $1 is a certificate that names every domain and stays valid for at least $2 seconds.
covers_all() {
  local file="$1" seconds="${2:-0}" d answer
  [ -s "$file" ] || return 1
  openssl x509 -in "$file" -noout -checkend "$seconds" >/dev/null 2>&1 || return 1
  for d in "${DOMAINS[@]}"; do
    # Output captured, then matched: a `| grep -q` can SIGPIPE its writer and fail the pipeline under pipefail.
    answer="$(openssl x509 -in "$file" -noout -checkhost "$d" 2>/dev/null)" || return 1
    grep -q 'does match' <<<"$answer" || return 1
  done
}

is_temporary() {
  local subject
  subject="$(openssl x509 -in "$1" -noout -subject 2>/dev/null)" || return 1
  grep -qF -- "$TEMPORARY_CN" <<<"$subject"
}

same_file() { [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; }

# True when the private key $2 belongs to the certificate $1 (same public key).
key_matches() {
  local cert_pub key_pub
  cert_pub="$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null)" || return 1
  key_pub="$(openssl pkey -in "$2" -pubout -passin pass: </dev/null 2>/dev/null)" || return 1
  [ -n "$cert_pub" ] && [ "$cert_pub" = "$key_pub" ]
}

# lego's certificate and key on the data volume, copied into private temporary files (PAIR_CERT, PAIR_KEY) and checked
# there, so what is checked is what gets installed. Returns 0 when the pair is usable; 1 when there is none to use
# (absent, expired, or not naming every domain: a normal state); 2 when it is refused (ISSUED_PROBLEM says why): a
# symbolic link or a non-regular file anywhere from lego's directory down, or a key that is not the certificate's.
# The data volume outlives hosts and snapshots are restored onto new ones: nothing on it is followed or trusted.
load_issued() {
  local f
  PAIR_CERT="" PAIR_KEY="" ISSUED_PROBLEM=""
  for f in "$LEGO_DIR" "$LEGO_DIR/certificates"; do
    if [ -L "$f" ]; then ISSUED_PROBLEM="$f is a symbolic link" && return 2; fi
    if [ -e "$f" ] && ! [ -d "$f" ]; then ISSUED_PROBLEM="$f is not a directory" && return 2; fi
  done
  for f in "$ISSUED_CERT" "$ISSUED_KEY"; do
    if [ -L "$f" ]; then ISSUED_PROBLEM="$f is a symbolic link" && return 2; fi
    if [ -e "$f" ] && ! [ -f "$f" ]; then ISSUED_PROBLEM="$f is not a regular file" && return 2; fi
  done
  [ -f "$ISSUED_CERT" ] || return 1
  [ -f "$ISSUED_KEY" ] || { ISSUED_PROBLEM="$ISSUED_CERT has no key beside it ($ISSUED_KEY)" && return 2; }
  private_temp PAIR_CERT issued.crt
  private_temp PAIR_KEY issued.key
  cat <"$ISSUED_CERT" >"$PAIR_CERT"
  cat <"$ISSUED_KEY" >"$PAIR_KEY"
  # A link swapped in while copying is refused too.
  if [ -L "$ISSUED_CERT" ] || [ -L "$ISSUED_KEY" ]; then ISSUED_PROBLEM="$ISSUED_CERT or its key became a symbolic link" && return 2; fi
  covers_all "$PAIR_CERT" || return 1
  key_matches "$PAIR_CERT" "$PAIR_KEY" || { ISSUED_PROBLEM="$ISSUED_KEY is not the private key of $ISSUED_CERT" && return 2; }
}

# Refuses (status, exit 1) when lego's files are refused; otherwise returns load_issued's 0 or 1.
load_issued_or_refuse() {
  local rc=0
  load_issued || rc=$?
  if [ "$rc" = 2 ]; then
    set_status "refused the issued certificate: $ISSUED_PROBLEM; Nginx keeps the certificate it serves"
    die "refused the issued certificate: $ISSUED_PROBLEM (Nginx keeps the certificate it serves; remove or fix it, then run registry-acme issue --now)"
  fi
  return "$rc"
}

# Writes $1 to $2 atomically (temp file in the same directory, then rename) with mode $3.
put() {
  local tmp
  mkdir -p "$(dirname "$2")"
  tmp="$(mktemp "$2.XXXXXX")"
  cat "$1" >"$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
}

nginx_active() { systemctl is-active --quiet nginx.service 2>/dev/null; }

# nginx -t, then a graceful reload (old workers finish their requests; listening sockets stay open).
reload_nginx() {
  local out
  if ! out="$(nginx -t 2>&1)"; then
    printf '%s\n' "$out" >&2
    return 1
  fi
  if nginx_active; then systemctl reload nginx.service; fi
}

make_temporary() {
  local san="" d tmpkey tmpcert
  for d in "${DOMAINS[@]}"; do san="${san:+$san,}DNS:$d"; done
  private_temp tmpkey tmp.key
  private_temp tmpcert tmp.crt
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$tmpkey" -out "$tmpcert" \
    -subj "/CN=$TEMPORARY_CN" -addext "subjectAltName=$san" >/dev/null 2>&1 || die "openssl could not mint the temporary certificate"
  put "$tmpkey" "$KEY" 0600
  put "$tmpcert" "$CERT" 0644
}

# http-01: the webroot Nginx's workers (WEBROOT_GROUP) serve the tokens from, outside the private state directory.
# Its directories are root:WEBROOT_GROUP with WEBROOT_DIR_MODE (setgid): the token files lego writes there inherit the
# group, and lego runs with LEGO_UMASK, so they are readable by that group and by no other user.
make_webroot() {
  local d
  # A parent that does not exist yet is made traversable (0755), not private like everything else this tool creates.
  (umask 022 && mkdir -p "$(dirname "$WEBROOT")")
  for d in "$WEBROOT" "$WEBROOT/.well-known" "$WEBROOT/.well-known/acme-challenge"; do
    if [ -L "$d" ] || { [ -e "$d" ] && ! [ -d "$d" ]; }; then die "$d is not a directory: refusing it as the webroot"; fi
    mkdir -p "$d"
    chown "root:$WEBROOT_GROUP" "$d"
    chmod "$WEBROOT_DIR_MODE" "$d"
  done
}

cmd_prepare() {
  local changed=0 rc=0
  mkdir -p "$STATE" "$LEGO_DIR"
  chmod 0700 "$STATE" "$LEGO_DIR"
  if [ "$ACME_CHALLENGE" = http-01 ]; then make_webroot; fi
  load_issued || rc=$?
  if [ "$rc" = 2 ]; then
    warn "refused the issued certificate: $ISSUED_PROBLEM; keeping the certificate Nginx serves"
    set_status "refused the issued certificate: $ISSUED_PROBLEM"
  fi
  if [ "$rc" = 0 ] && ! { same_file "$PAIR_CERT" "$CERT" && same_file "$PAIR_KEY" "$KEY"; }; then
    # A certificate issued earlier (the data volume outlives the host): serve it, no new order.
    put "$PAIR_KEY" "$KEY" 0600
    put "$PAIR_CERT" "$CERT" 0644
    log "changed: serving the certificate issued earlier ($ISSUED_CERT)"
    changed=1
  elif [ "$rc" != 0 ] && ! { covers_all "$CERT" && key_matches "$CERT" "$KEY"; }; then
    make_temporary
    log "changed: serving a temporary self-signed certificate until the first issuance"
    [ -n "$(get_status)" ] || set_status "pending: first issuance not attempted yet"
    changed=1
  fi
  if [ "$changed" = 1 ] && nginx_active; then reload_nginx || die "nginx -t failed after installing the certificate"; fi
  if [ "$changed" = 0 ]; then log "no change"; fi
}

lego_base() {
  local args=(--path "$LEGO_DIR" --server "$ACME_SERVER" --email "$ACME_EMAIL" --accept-tos --key-type "$ACME_KEY_TYPE")
  local d
  for d in "${DOMAINS[@]}"; do args+=(--domains "$d"); done
  case "$ACME_CHALLENGE" in
    http-01)
      make_webroot
      args+=(--http --http.webroot "$WEBROOT")
      ;;
    dns-01) args+=(--dns "$ACME_DNS_PROVIDER") ;;
    *) die "unknown ACME_CHALLENGE $ACME_CHALLENGE" ;;
  esac
  LEGO_ARGS=("${args[@]}")
}

# lego with LEGO_UMASK: its http-01 token files (0644 before the umask, lego 4.9.1 providers/http/webroot) stay
# readable by WEBROOT_GROUP. Its own data is 0600/0700 before the umask (cmd/setup.go), except the account key
# (os.Create, 0666): everything under LEGO_DIR is made owner-only again afterwards.
run_lego() {
  local rc=0
  (umask "$LEGO_UMASK" && exec lego "$@") || rc=$?
  chmod -R go= "$LEGO_DIR"
  return "$rc"
}

# The last meaningful line of lego's output, for the status (never holds a secret: lego prints no key material).
reason_of() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-300; }

cmd_deploy() {
  local rc=0
  load_issued_or_refuse || rc=$?
  [ "$rc" = 0 ] || die "lego's certificate $ISSUED_CERT is missing, expired or does not name ${DOMAINS[*]}"
  if same_file "$PAIR_CERT" "$CERT" && same_file "$PAIR_KEY" "$KEY"; then
    log "no change: Nginx already serves $ISSUED_CERT"
    return 0
  fi
  cp -p "$CERT" "$STATE/previous.crt" 2>/dev/null || true
  cp -p "$KEY" "$STATE/previous.key" 2>/dev/null || true
  put "$PAIR_KEY" "$KEY" 0600
  put "$PAIR_CERT" "$CERT" 0644
  if ! reload_nginx; then
    if [ -f "$STATE/previous.crt" ]; then
      put "$STATE/previous.key" "$KEY" 0600
      put "$STATE/previous.crt" "$CERT" 0644
    fi
    set_status "deploy failed: nginx -t refused the new certificate; the previous one stays"
    die "nginx -t failed: the previous certificate was put back"
  fi
  rm -f "$STATE/previous.crt" "$STATE/previous.key" "$STATE/attempts" "$STATE/next-attempt"
  set_status "issued"
  log "changed: Nginx serves $(openssl x509 -in "$CERT" -noout -serial) (reloaded after nginx -t)"
}

cmd_issue() {
  local now=0 out rc=0 attempts delay
  [ "${1:-}" = --now ] && now=1
  mkdir -p "$STATE"
  if load_issued_or_refuse; then
    cmd_deploy
    return 0
  fi
  if [ "$now" = 0 ] && [ -f "$STATE/next-attempt" ] && [ "$(date +%s)" -lt "$(cat "$STATE/next-attempt")" ]; then
    log "next attempt after $(date -u -d "@$(cat "$STATE/next-attempt")" +%FT%TZ) (back-off); $(get_status)"
    return 0
  fi
  lego_base
  private_temp out lego
  run_lego "${LEGO_ARGS[@]}" run >"$out" 2>&1 || rc=$?
  cat "$out"
  if [ "$rc" -ne 0 ] || ! covers_all "$ISSUED_CERT"; then
    attempts=$(($(cat "$STATE/attempts" 2>/dev/null || echo 0) + 1))
    delay=$((300 * (1 << (attempts > 7 ? 7 : attempts - 1))))
    [ "$delay" -le 21600 ] || delay=21600
    echo "$attempts" >"$STATE/attempts"
    echo $(($(date +%s) + delay)) >"$STATE/next-attempt"
    set_status "pending: $(reason_of "$out") (attempt $attempts, next in $((delay / 60)) min)"
    die "issuance failed (attempt $attempts): Nginx keeps the temporary certificate; retry in $((delay / 60)) min"
  fi
  cmd_deploy
}

cmd_renew() {
  local days="$RENEW_DAYS" out rc=0 hook
  [ "${1:-}" = --force ] && days=100000
  if ! [ -e "$ISSUED_CERT" ] && ! [ -L "$ISSUED_CERT" ]; then
    log "nothing issued yet: trying the first issuance"
    cmd_issue
    return
  fi
  load_issued_or_refuse || true
  # lego runs the hook split on white space, with no shell (lego 4.9.1 cmd/hook.go).
  hook="$(command -v "$0" || echo "$0")"
  case "$hook" in *[[:space:]]*) die "renew hook path '$hook' contains white space" ;; esac
  lego_base
  private_temp out lego
  run_lego "${LEGO_ARGS[@]}" renew --days "$days" --no-random-sleep --renew-hook "$hook deploy" >"$out" 2>&1 || rc=$?
  cat "$out"
  if [ "$rc" -ne 0 ]; then
    set_status "renewal failed: $(reason_of "$out"); still serving the certificate valid until $(openssl x509 -in "$CERT" -noout -enddate | cut -d= -f2)"
    die "renewal failed: the served certificate is unchanged"
  fi
  # lego exits 0 without renewing when the certificate has more than RENEW_DAYS left; make sure Nginx serves it.
  cmd_deploy
}

cmd_status() {
  local check=0 days end status
  [ "${1:-}" = --check ] && check=1
  status="$(get_status)"
  if ! [ -s "$CERT" ]; then
    echo "certificate pending: no certificate installed yet (registry-acme prepare has not run)"
    return 0
  fi
  end="$(openssl x509 -in "$CERT" -noout -enddate | cut -d= -f2)"
  days=$((($(date -d "$end" +%s) - $(date +%s)) / 86400))
  if is_temporary "$CERT"; then
    echo "certificate pending: ${status#pending: }"
  elif [ "$days" -lt "$WARN_DAYS" ]; then
    echo "WARNING: certificate expires in $days days ($end)${status:+; $status}"
  else
    echo "certificate ok: $(openssl x509 -in "$CERT" -noout -serial), expires $end ($days days)${status:+; $status}"
  fi
  [ "$check" = 1 ] && return 0
  echo "names:     ${DOMAINS[*]}"
  echo "CA:        $ACME_SERVER ($ACME_CHALLENGE)"
  echo "served:    $SERVED_CERT"
  openssl x509 -in "$CERT" -noout -subject -issuer -serial -startdate -enddate -ext subjectAltName 2>/dev/null | sed 's/^/           /'
  echo "lego data: $LEGO_PATH (account key and issued certificate, on the data volume)"
  [ -f "$STATE/next-attempt" ] && echo "next try:  $(date -u -d "@$(cat "$STATE/next-attempt")" +%FT%TZ)"
  return 0
}

case "$COMMAND" in
  prepare) cmd_prepare "$@" ;;
  issue) cmd_issue "$@" ;;
  renew) cmd_renew "$@" ;;
  deploy) cmd_deploy "$@" ;;
  status) cmd_status "$@" ;;
esac
