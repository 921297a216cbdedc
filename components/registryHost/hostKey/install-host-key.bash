# install-host-key: runs from cloud-init's bootcmd on every boot, before cloud-init's ssh module and before sshd
# (cloud-init's network stage is ordered Before=sshd.service). Fetches the host's ED25519 private key from an SSM
# SecureString parameter with the instance role's credentials and installs it as /etc/ssh/ssh_host_ed25519_key, the
# only host key sshd serves (drop-in). Nothing secret is in user data: only the parameter name and region.
#   bash -c "$SCRIPT" install-host-key <parameter name> <region>
# Tools: curl (SigV4 signing with --aws-sigv4, curl >= 7.75; Ubuntu 24.04 has 8.5) and python3 (JSON), both on
# Ubuntu's cloud images; the AWS CLI is not.
# Test-only environment: HOST_KEY_ROOT (path prefix), HOST_KEY_IMDS (metadata base URL), HOST_KEY_SSM_URL (SSM
# endpoint), HOST_KEY_SYSTEMCTL (service manager command), HOST_KEY_SSM_RETRIES (10). The defaults are the real host.
set -euo pipefail
readonly PARAMETER="${1:?parameter name}" REGION="${2:?region}"
readonly IMDS="${HOST_KEY_IMDS:-http://169.254.169.254}"
readonly SSM_URL="${HOST_KEY_SSM_URL:-https://ssm.${REGION}.amazonaws.com/}"
readonly ROOT="${HOST_KEY_ROOT:-}"
readonly SYSTEMCTL="${HOST_KEY_SYSTEMCTL:-systemctl}"
readonly SSM_RETRIES="${HOST_KEY_SSM_RETRIES:-10}"
readonly KEY_PATH=/etc/ssh/ssh_host_ed25519_key
readonly KEY="$ROOT$KEY_PATH"
readonly DROPIN="$ROOT/etc/ssh/sshd_config.d/00-startup-infra-host-key.conf"

log() { printf 'install-host-key: %s\n' "$*" >&2; }

# One field of a JSON document on stdin (a dotted path); never echoes the document.
json_field() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    value = value[part]
sys.stdout.write(value)' "$1"
}

# Prints the private key. The credentials reach curl in a config read from a pipe, never in its arguments.
fetch_key() {
  local token role creds akid secret session
  local imds_opts=(-fsS --max-time 5 --retry 20 --retry-delay 2 --retry-connrefused)
  # Called in an `if`, where set -e does not apply: every step returns on failure itself.
  token="$(curl "${imds_opts[@]}" -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/latest/api/token")" ||
    return 1
  role="$(curl "${imds_opts[@]}" -H "X-aws-ec2-metadata-token: $token" \
    "$IMDS/latest/meta-data/iam/security-credentials/")" || return 1
  role="${role%%$'\n'*}"
  creds="$(curl "${imds_opts[@]}" -H "X-aws-ec2-metadata-token: $token" \
    "$IMDS/latest/meta-data/iam/security-credentials/$role")" || return 1
  akid="$(json_field AccessKeyId <<<"$creds")" || return 1
  secret="$(json_field SecretAccessKey <<<"$creds")" || return 1
  session="$(json_field Token <<<"$creds")" || return 1
  local body
  body="$(python3 -c 'import json, sys; print(json.dumps({"Name": sys.argv[1], "WithDecryption": True}))' "$PARAMETER")" ||
    return 1
  curl -fsS --max-time 20 --retry "$SSM_RETRIES" --retry-delay 3 --retry-all-errors \
    --aws-sigv4 "aws:amz:$REGION:ssm" \
    -K <(printf 'user = "%s:%s"\nheader = "x-amz-security-token: %s"\n' "$akid" "$secret" "$session") \
    -H 'X-Amz-Target: AmazonSSM.GetParameter' -H 'Content-Type: application/x-amz-json-1.1' \
    --data-binary "$body" "$SSM_URL" | json_field Parameter.Value
}

main() {
  umask 077
  mkdir -p "$(dirname "$KEY")" "$(dirname "$DROPIN")"
  local tmp changed=0
  tmp="$(mktemp "$KEY.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -f '$tmp' '$tmp.pub'" EXIT
  if ! fetch_key >"$tmp" || ! ssh-keygen -y -f "$tmp" >"$tmp.pub" 2>/dev/null; then
    if [ -s "$KEY" ]; then
      log "could not fetch or read parameter $PARAMETER: keeping the installed host key"
    else
      # Fail closed: no host key means sshd serves nothing, and the pinned provisioning connection keeps retrying.
      log "could not fetch or read parameter $PARAMETER: no host key installed"
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
  if [ "$changed" = 1 ]; then "$SYSTEMCTL" --no-block try-restart ssh.service || true; fi
}

main
