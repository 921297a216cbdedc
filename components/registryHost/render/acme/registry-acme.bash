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
# Test-only options (before the command): --config FILE, --root DIR (prefix of every path), --nginx CMD,
# --systemctl CMD, --lego CMD, --lego-option OPT (repeatable, added to lego's options).
set -euo pipefail

CONFIG=/etc/registry-acme/acme.conf
HOST_ROOT=""
NGINX=nginx
SYSTEMCTL=systemctl
LEGO=lego
LEGO_OPTIONS=()
SELF_ARGS=()

log() { printf 'registry-acme: %s\n' "$*"; }
die() {
  printf 'registry-acme: ERROR: %s\n' "$*" >&2
  exit 1
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --config) CONFIG="${2:?--config needs a file}"; SELF_ARGS+=("$1" "$2"); shift 2 ;;
    --root) HOST_ROOT="${2?--root needs a directory}"; SELF_ARGS+=("$1" "$2"); shift 2 ;;
    --nginx) NGINX="${2:?--nginx needs a command}"; SELF_ARGS+=("$1" "$2"); shift 2 ;;
    --systemctl) SYSTEMCTL="${2:?--systemctl needs a command}"; SELF_ARGS+=("$1" "$2"); shift 2 ;;
    --lego) LEGO="${2:?--lego needs a command}"; SELF_ARGS+=("$1" "$2"); shift 2 ;;
    --lego-option) LEGO_OPTIONS+=("${2:?--lego-option needs a value}"); SELF_ARGS+=("$1" "$2"); shift 2 ;;
    -*) die "unknown option: $1" ;;
    *) break ;;
  esac
done
COMMAND="${1:-status}"
shift || true
HOST_ROOT="${HOST_ROOT%/}"

# shellcheck source=/dev/null # rendered by startup-infra (render/acme): ACME_*, paths, RENEW_DAYS, WARN_DAYS
. "$CONFIG"

p() { printf '%s%s' "$HOST_ROOT" "$1"; }
LEGO_DIR="$(p "$LEGO_PATH")"
STATE="$(p "$STATE_DIR")"
CERT="$(p "$SERVED_CERT")"
KEY="$(p "$SERVED_KEY")"
read -r -a DOMAINS <<<"$ACME_DOMAINS"
MAIN="${DOMAINS[0]}"
# lego names its files after the first domain (a leading "*." becomes "_.").
ISSUED_CERT="$LEGO_DIR/certificates/${MAIN/\*/_}.crt"
ISSUED_KEY="$LEGO_DIR/certificates/${MAIN/\*/_}.key"
TEMPORARY_CN="registry-acme temporary certificate"

umask 077

set_status() { printf '%s\n' "$*" >"$STATE/status.new" && mv -f "$STATE/status.new" "$STATE/status"; }
get_status() { cat "$STATE/status" 2>/dev/null || true; }

# True when $1 is a certificate that names every domain and stays valid for at least $2 seconds.
covers_all() {
  local file="$1" seconds="${2:-0}" d
  [ -s "$file" ] || return 1
  openssl x509 -in "$file" -noout -checkend "$seconds" >/dev/null 2>&1 || return 1
  for d in "${DOMAINS[@]}"; do
    openssl x509 -in "$file" -noout -checkhost "$d" 2>/dev/null | grep -q 'does match' || return 1
  done
}

is_temporary() { openssl x509 -in "$1" -noout -subject 2>/dev/null | grep -qF "$TEMPORARY_CN"; }

same_file() { [ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"; }

# Writes $1 to $2 atomically (temp file in the same directory, then rename) with mode $3.
put() {
  local tmp
  mkdir -p "$(dirname "$2")"
  tmp="$(mktemp "$2.XXXXXX")"
  cat "$1" >"$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
}

nginx_active() { "$SYSTEMCTL" is-active --quiet nginx.service 2>/dev/null; }

# nginx -t, then a graceful reload (old workers finish their requests; listening sockets stay open).
reload_nginx() {
  local out
  if ! out="$("$NGINX" -t 2>&1)"; then
    printf '%s\n' "$out" >&2
    return 1
  fi
  if nginx_active; then "$SYSTEMCTL" reload nginx.service; fi
}

make_temporary() {
  local san="" d tmpkey tmpcert
  for d in "${DOMAINS[@]}"; do san="${san:+$san,}DNS:$d"; done
  tmpkey="$(mktemp "$STATE/tmp.key.XXXXXX")"
  tmpcert="$(mktemp "$STATE/tmp.crt.XXXXXX")"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$tmpkey" -out "$tmpcert" \
    -subj "/CN=$TEMPORARY_CN" -addext "subjectAltName=$san" >/dev/null 2>&1 || die "openssl could not mint the temporary certificate"
  put "$tmpkey" "$KEY" 0600
  put "$tmpcert" "$CERT" 0644
  rm -f "$tmpkey" "$tmpcert"
}

cmd_prepare() {
  local changed=0
  mkdir -p "$STATE" "$LEGO_DIR" "$(p "$WEBROOT")/.well-known/acme-challenge"
  chmod 0700 "$STATE" "$LEGO_DIR"
  chmod 0755 "$(p "$WEBROOT")" "$(p "$WEBROOT")/.well-known" "$(p "$WEBROOT")/.well-known/acme-challenge"
  if covers_all "$ISSUED_CERT" && ! same_file "$ISSUED_CERT" "$CERT"; then
    # A certificate issued earlier (the data volume outlives the host): serve it, no new order.
    put "$ISSUED_KEY" "$KEY" 0600
    put "$ISSUED_CERT" "$CERT" 0644
    log "changed: serving the certificate issued earlier ($ISSUED_CERT)"
    changed=1
  elif ! covers_all "$CERT"; then
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
    http-01) args+=(--http --http.webroot "$(p "$WEBROOT")") ;;
    dns-01) args+=(--dns "$ACME_DNS_PROVIDER") ;;
    *) die "unknown ACME_CHALLENGE $ACME_CHALLENGE" ;;
  esac
  LEGO_ARGS=("${args[@]}" "${LEGO_OPTIONS[@]}")
}

# The last meaningful line of lego's output, for the status (never holds a secret: lego prints no key material).
reason_of() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-300; }

cmd_deploy() {
  covers_all "$ISSUED_CERT" || die "lego's certificate $ISSUED_CERT is missing, expired or does not name ${DOMAINS[*]}"
  if same_file "$ISSUED_CERT" "$CERT" && same_file "$ISSUED_KEY" "$KEY"; then
    log "no change: Nginx already serves $ISSUED_CERT"
    return 0
  fi
  cp -p "$CERT" "$STATE/previous.crt" 2>/dev/null || true
  cp -p "$KEY" "$STATE/previous.key" 2>/dev/null || true
  put "$ISSUED_KEY" "$KEY" 0600
  put "$ISSUED_CERT" "$CERT" 0644
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
  if covers_all "$ISSUED_CERT"; then
    cmd_deploy
    return 0
  fi
  if [ "$now" = 0 ] && [ -f "$STATE/next-attempt" ] && [ "$(date +%s)" -lt "$(cat "$STATE/next-attempt")" ]; then
    log "next attempt after $(date -u -d "@$(cat "$STATE/next-attempt")" +%FT%TZ) (back-off); $(get_status)"
    return 0
  fi
  lego_base
  out="$(mktemp "$STATE/lego.XXXXXX")"
  "$LEGO" "${LEGO_ARGS[@]}" run >"$out" 2>&1 || rc=$?
  cat "$out"
  if [ "$rc" -ne 0 ] || ! covers_all "$ISSUED_CERT"; then
    attempts=$(($(cat "$STATE/attempts" 2>/dev/null || echo 0) + 1))
    delay=$((300 * (1 << (attempts > 7 ? 7 : attempts - 1))))
    [ "$delay" -le 21600 ] || delay=21600
    echo "$attempts" >"$STATE/attempts"
    echo $(($(date +%s) + delay)) >"$STATE/next-attempt"
    set_status "pending: $(reason_of "$out") (attempt $attempts, next in $((delay / 60)) min)"
    rm -f "$out"
    die "issuance failed (attempt $attempts): Nginx keeps the temporary certificate; retry in $((delay / 60)) min"
  fi
  rm -f "$out"
  cmd_deploy
}

cmd_renew() {
  local days="$RENEW_DAYS" out rc=0 hook
  [ "${1:-}" = --force ] && days=100000
  if ! [ -s "$ISSUED_CERT" ]; then
    log "nothing issued yet: trying the first issuance"
    cmd_issue
    return
  fi
  hook="$(command -v "$0" || echo "$0")"
  local a
  for a in "${SELF_ARGS[@]}"; do
    case "$a" in *[[:space:]]*) die "renew hook argument '$a' contains whitespace" ;; esac
    hook="$hook $a"
  done
  lego_base
  out="$(mktemp "$STATE/lego.XXXXXX")"
  "$LEGO" "${LEGO_ARGS[@]}" renew --days "$days" --no-random-sleep --renew-hook "$hook deploy" >"$out" 2>&1 || rc=$?
  cat "$out"
  if [ "$rc" -ne 0 ]; then
    set_status "renewal failed: $(reason_of "$out"); still serving the certificate valid until $(openssl x509 -in "$CERT" -noout -enddate | cut -d= -f2)"
    rm -f "$out"
    die "renewal failed: the served certificate is unchanged"
  fi
  rm -f "$out"
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
  *) die "unknown command $COMMAND (prepare, issue, renew, deploy, status)" ;;
esac
