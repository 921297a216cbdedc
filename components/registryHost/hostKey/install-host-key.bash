# install-host-key: runs from cloud-init's bootcmd on every boot, before cloud-init's ssh module and before sshd
# (cloud-init's network stage is ordered Before=sshd.service). Fetches the host's ED25519 private key from an SSM
# SecureString parameter with the instance role's credentials and installs it as /etc/ssh/ssh_host_ed25519_key, the
# only host key sshd serves (drop-in). Nothing secret is in user data: only the parameter name and region.
#   bash -c "$SCRIPT" install-host-key <parameter name> <region>
# Tools: curl (SigV4 signing with --aws-sigv4, curl >= 7.75; Ubuntu 24.04 has 8.5) and python3 (JSON), both on
# Ubuntu's cloud images; the AWS CLI is not.
#
# A first boot meets a cloud that is still being wired: the metadata service answers 404 for the role until the
# instance profile is attached, the role's permission takes seconds to propagate (SSM answers AccessDenied), and SSM
# is reached over the internet through the Elastic IP (no NAT, no VPC endpoint), which Pulumi associates only after
# the instance runs: until then connections to SSM time out. So every failure (connection refused or timed out, any
# HTTP error, an empty or malformed answer, throttling) is retried, the whole chain from a fresh metadata token on,
# with waits growing from 1 s to 5 s and each request limited to 20 s, for at most HOST_KEY_WAIT_SECONDS in total:
# 600 s on a first boot (no key yet), 60 s when a key is installed (it is kept if SSM stays unreachable). Every wait
# is logged on stderr, which cloud-init copies to /var/log/cloud-init-output.log and the serial console (EC2 "Get
# system log").
# Test-only environment (never set on a host; the defaults are the real host): HOST_KEY_ROOT (path prefix),
# HOST_KEY_IMDS (metadata base URL), HOST_KEY_SSM_URL (SSM endpoint), HOST_KEY_WAIT_SECONDS (time limit).
set -euo pipefail
readonly PARAMETER="${1:?parameter name}" REGION="${2:?region}"
readonly IMDS="${HOST_KEY_IMDS:-http://169.254.169.254}"
readonly SSM_URL="${HOST_KEY_SSM_URL:-https://ssm.${REGION}.amazonaws.com/}"
readonly ROOT="${HOST_KEY_ROOT:-}"
readonly KEY_PATH=/etc/ssh/ssh_host_ed25519_key
readonly KEY="$ROOT$KEY_PATH"
readonly DROPIN="$ROOT/etc/ssh/sshd_config.d/00-startup-infra-host-key.conf"
if [ -s "$KEY" ]; then default_wait=60; else default_wait=600; fi
readonly WAIT_SECONDS="${HOST_KEY_WAIT_SECONDS:-$default_wait}"
if ! [[ "$WAIT_SECONDS" =~ ^[0-9]{1,5}$ ]]; then
  printf 'install-host-key: HOST_KEY_WAIT_SECONDS must be a number of seconds\n' >&2
  exit 2
fi
# Scaled to the limit: the longest wait between attempts (5 s by default) and the longest single request (20 s).
clamp() { if [ "$1" -lt "$2" ]; then echo "$2"; elif [ "$1" -gt "$3" ]; then echo "$3"; else echo "$1"; fi; }
MAX_DELAY="$(clamp $((WAIT_SECONDS / 120)) 1 5)"
MAX_REQUEST="$(clamp $((WAIT_SECONDS / 30)) 2 20)"
readonly MAX_DELAY MAX_REQUEST

log() { printf 'install-host-key: %s\n' "$*" >&2; }

# One field of a JSON document on stdin (a dotted path); never echoes the document.
json_field() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    value = value[part]
if not isinstance(value, str) or not value:
    sys.exit(1)
sys.stdout.write(value)' "$1" 2>/dev/null
}

# The error type of an AWS JSON error body on stdin (e.g. ThrottlingException), printable characters only.
error_type() {
  python3 -c 'import json, re, sys
try:
    kind = str(json.load(sys.stdin).get("__type", ""))
except Exception:
    kind = ""
sys.stdout.write(re.sub(r"[^A-Za-z0-9#.:_-]", "", kind.rsplit("#", 1)[-1])[:100])' 2>/dev/null || true
}

DEADLINE=0
BODY=""
FAILURE=""
# One HTTP request (curl arguments). On a 200 with a non-empty body: BODY holds it. Otherwise FAILURE says why
# (curl's error, the status and AWS error type, an empty answer) and it returns 1. Each request ends by the deadline.
request() {
  local left=$((DEADLINE - SECONDS)) out status kind rc=0
  if [ "$left" -le 0 ]; then
    FAILURE="out of time"
    return 1
  fi
  if [ "$left" -gt "$MAX_REQUEST" ]; then left="$MAX_REQUEST"; fi
  out="$(curl -sS --connect-timeout 5 --max-time "$left" -w '\n%{http_code}' "$@" 2>"$ERRORS")" || rc=$?
  if [ "$rc" != 0 ]; then
    FAILURE="$(tail -n 1 "$ERRORS")"
    FAILURE="${FAILURE:-curl exit $rc}"
    return 1
  fi
  status="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
  if [ "$status" != 200 ]; then
    kind="$(printf '%s' "$BODY" | error_type)"
    FAILURE="HTTP $status${kind:+ $kind}"
    BODY=""
    return 1
  fi
  if [ -z "$BODY" ]; then
    FAILURE="empty answer"
    return 1
  fi
}

# One try of the whole chain: metadata token, role name, the role's credentials, then SSM GetParameter. Writes the
# private key to $1. The credentials reach curl in a config read from a pipe, never in its arguments.
attempt() {
  local out="$1" token role creds akid secret session body
  request -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/latest/api/token" ||
    { FAILURE="metadata token: $FAILURE"; return 1; }
  token="$BODY"
  request -H "X-aws-ec2-metadata-token: $token" "$IMDS/latest/meta-data/iam/security-credentials/" ||
    { FAILURE="instance role (404 until the instance profile is attached): $FAILURE"; return 1; }
  role="${BODY%%$'\n'*}"
  if ! [[ "$role" =~ ^[A-Za-z0-9+=,.@_-]{1,128}$ ]]; then
    FAILURE="instance role: the metadata service answered no role name"
    return 1
  fi
  request -H "X-aws-ec2-metadata-token: $token" "$IMDS/latest/meta-data/iam/security-credentials/$role" ||
    { FAILURE="credentials of $role: $FAILURE"; return 1; }
  creds="$BODY"
  if ! akid="$(printf '%s' "$creds" | json_field AccessKeyId)" ||
    ! secret="$(printf '%s' "$creds" | json_field SecretAccessKey)" ||
    ! session="$(printf '%s' "$creds" | json_field Token)"; then
    FAILURE="credentials of $role: not a JSON document with AccessKeyId, SecretAccessKey and Token"
    return 1
  fi
  body="$(python3 -c 'import json, sys; print(json.dumps({"Name": sys.argv[1], "WithDecryption": True}))' "$PARAMETER")"
  request --aws-sigv4 "aws:amz:$REGION:ssm" \
    -K <(printf 'user = "%s:%s"\nheader = "x-amz-security-token: %s"\n' "$akid" "$secret" "$session") \
    -H 'X-Amz-Target: AmazonSSM.GetParameter' -H 'Content-Type: application/x-amz-json-1.1' \
    --data-binary "$body" "$SSM_URL" ||
    { FAILURE="SSM GetParameter $PARAMETER: $FAILURE"; return 1; }
  if ! printf '%s' "$BODY" | json_field Parameter.Value >"$out"; then
    FAILURE="SSM GetParameter $PARAMETER: no Parameter.Value in the answer"
    return 1
  fi
}

# Tries until the chain succeeds or WAIT_SECONDS are spent, logging every wait.
fetch_key() {
  local out="$1" n=0 delay=1 left
  DEADLINE=$((SECONDS + WAIT_SECONDS))
  while :; do
    n=$((n + 1))
    if attempt "$out"; then
      if [ "$n" -gt 1 ]; then log "fetched parameter $PARAMETER on attempt $n"; fi
      return 0
    fi
    left=$((DEADLINE - SECONDS))
    if [ "$left" -le 0 ]; then
      log "attempt $n failed: $FAILURE; giving up after ${WAIT_SECONDS}s (SSM is reached through the Elastic IP:" \
        "is it associated? does the instance role allow ssm:GetParameter and kms:Decrypt?)"
      return 1
    fi
    if [ "$delay" -gt "$left" ]; then delay="$left"; fi
    log "attempt $n failed: $FAILURE; retrying in ${delay}s (giving up in ${left}s)"
    sleep "$delay"
    delay=$((delay * 2))
    if [ "$delay" -gt "$MAX_DELAY" ]; then delay="$MAX_DELAY"; fi
  done
}

main() {
  umask 077
  mkdir -p "$(dirname "$KEY")" "$(dirname "$DROPIN")"
  local tmp changed=0
  tmp="$(mktemp "$KEY.XXXXXX")"
  ERRORS="$tmp.curl-errors"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -f '$tmp' '$tmp.pub' '$ERRORS'" EXIT
  if ! fetch_key "$tmp" || ! ssh-keygen -y -f "$tmp" >"$tmp.pub" 2>/dev/null; then
    if [ -s "$KEY" ]; then
      log "could not fetch or read parameter $PARAMETER: keeping the installed host key"
    else
      # Fail closed: no host key means sshd serves nothing, and the pinned provisioning connection keeps retrying.
      # Recovery: reboot the instance (this runs again) or `pulumi up --replace <instance URN>`.
      log "could not fetch or read parameter $PARAMETER: no host key installed (sshd refuses every connection;" \
        "reboot the instance to try again)"
      exit 1
    fi
  elif ! grep -q '^ssh-ed25519 ' "$tmp.pub"; then
    log "parameter $PARAMETER does not hold an ED25519 private key: not installed"
    exit 1
  elif cmp -s "$tmp" "$KEY"; then
    log "unchanged $KEY_PATH"
  else
    chmod 0600 "$tmp"
    chmod 0644 "$tmp.pub"
    mv -f "$tmp.pub" "$KEY.pub"
    mv -f "$tmp" "$KEY"
    changed=1
    log "installed $KEY_PATH"
  fi

  local dropin_content
  dropin_content="$(printf '# Written by install-host-key (startup-infra): the pinned key is the only host key.\nHostKey %s' "$KEY_PATH")"
  if [ "$(cat "$DROPIN" 2>/dev/null || true)" != "$dropin_content" ]; then
    printf '%s\n' "$dropin_content" >"$DROPIN"
    chmod 0644 "$DROPIN"
    changed=1
  fi
  # sshd normally starts after this (cloud-init orders itself before it); if it already runs, restart it without
  # waiting for the job (a blocking restart would wait for cloud-init, which waits for us).
  if [ "$changed" = 1 ]; then systemctl --no-block try-restart ssh.service || true; fi
}

main
