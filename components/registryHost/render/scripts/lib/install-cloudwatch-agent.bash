# install-cloudwatch-agent: the pinned CloudWatch agent .deb from AWS's S3, verified by AWS's GPG signature (key
# fingerprint pinned), then (re)loaded with the installed config. Idempotent: a marker under STATE_DIR records the
# installed version; the download and dpkg run only when it differs. fetch-config runs every time the step runs
# (its trigger changes only when the config or the pin changes); the agent validates the config itself first.

# Refuses (exits) unless `key` holds AWS's key with the pinned fingerprint and `sig` is that key's valid signature of
# `deb`. The keyring is a throwaway GNUPGHOME (`home`), its agents stopped afterwards.
verify_package() {
  local deb="$1" sig="$2" key="$3" home="$4" fingerprints status
  mkdir -m 0700 "$home"
  fingerprints="$(
    GNUPGHOME="$home" gpg --batch --quiet --import "$key" 2>/dev/null &&
      GNUPGHOME="$home" gpg --batch --with-colons --fingerprint | awk -F: '$1 == "fpr" { print $10 }'
  )" || die "cannot import the signing key $key"
  if ! grep -qxF -- "$AGENT_KEY_FINGERPRINT" <<<"$fingerprints"; then
    GNUPGHOME="$home" gpgconf --kill all 2>/dev/null || true
    die "the downloaded signing key is not AWS's CloudWatch agent key $AGENT_KEY_FINGERPRINT (got: ${fingerprints//$'\n'/ })"
  fi
  # --status-fd reports which key made the signature: it must be the pinned one (VALIDSIG <signing key fpr> ...
  # <primary key fpr>), whichever of the key's subkeys signed.
  status="$(GNUPGHOME="$home" gpg --batch --status-fd 1 --verify "$sig" "$deb" 2>/dev/null)" || status=""
  GNUPGHOME="$home" gpgconf --kill all 2>/dev/null || true
  if ! grep -Eq "^\[GNUPG:\] VALIDSIG ($AGENT_KEY_FINGERPRINT .*|.* $AGENT_KEY_FINGERPRINT)\$" <<<"$status"; then
    die "$deb is not signed by $AGENT_KEY_FINGERPRINT"
  fi
}

main() {
  parse_args "$@"
  require_root
  local marker config arch
  marker="$(host_path "$STATE_DIR")/cloudwatch-agent.version"
  config="$(host_path "$AGENT_CONFIG")"
  [ -f "$config" ] || die "agent config $config is missing (install-files runs first)"

  if [ "$(cat "$marker" 2>/dev/null || true)" != "$AGENT_VERSION" ] || [ ! -x "$AGENT_CTL" ]; then
    arch="$(dpkg --print-architecture)"
    case "$arch" in amd64 | arm64) ;; *) die "no CloudWatch agent package for architecture $arch" ;; esac
    local work
    work="$(mktemp -d)"
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf '$work'" EXIT
    local url="$AGENT_BASE_URL/ubuntu/$arch/$AGENT_VERSION/amazon-cloudwatch-agent.deb"
    log "downloading $url"
    curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 3 --max-time 300 \
      -o "$work/agent.deb" "$url"
    curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 3 --max-time 60 \
      -o "$work/agent.deb.sig" "$url.sig"
    curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --retry 3 --max-time 60 \
      -o "$work/key.asc" "$AGENT_KEY_URL"

    verify_package "$work/agent.deb" "$work/agent.deb.sig" "$work/key.asc" "$work/gnupg"
    log "verified $(sha256sum "$work/agent.deb" | cut -d' ' -f1) signed by $AGENT_KEY_FINGERPRINT"

    DEBIAN_FRONTEND=noninteractive dpkg -i "$work/agent.deb" </dev/null
    mkdir -p "$(dirname "$marker")"
    printf '%s\n' "$AGENT_VERSION" >"$marker"
    rm -rf "$work"
    trap - EXIT
    log "changed amazon-cloudwatch-agent $AGENT_VERSION"
  else
    log "unchanged amazon-cloudwatch-agent $AGENT_VERSION"
  fi

  # The agent runs as cwagent (created by its package) and reads the instance role's credentials from the metadata
  # service, which the host's metadata firewall (user data: boot/imds-firewall.bash) admits only for users that
  # existed when it ran: run it again now that cwagent exists, before the agent starts.
  if [ -f "$(host_path /etc/systemd/system/startup-infra-imds-firewall.service)" ]; then
    "$SYSTEMCTL" daemon-reload
    "$SYSTEMCTL" restart startup-infra-imds-firewall.service ||
      die "the metadata firewall did not apply (journalctl -u startup-infra-imds-firewall)"
    log "metadata firewall re-applied (admits cwagent)"
  fi

  # Translates and validates the JSON, writes the agent's TOML, (re)starts the service and enables it at boot.
  "$AGENT_CTL" -a fetch-config -m ec2 -s -c "file:$config"
  log "agent running with $AGENT_CONFIG"
}
