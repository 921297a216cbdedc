# health-check: the registry answers through the same path clients use (prod: Nginx on 443 with the site's name;
# dev: the registry's own TLS port), connecting to this host's loopback. /v2/ must answer 401 without credentials
# (retried while the registry starts); with the credential fed on stdin (one `user:password` line, optional) 200,
# and 401 with a wrong password. Changes nothing. The password is handed to curl through a file descriptor, never argv.
probe() {
  local args=(--silent --show-error --output /dev/null --write-out '%{http_code}' --max-time 10
    --connect-to "$URL_HOST:$URL_PORT:$CONNECT")
  if [ -n "$CACERT" ]; then args+=(--cacert "$CACERT"); fi
  if [ "$INSECURE" = 1 ]; then args+=(--insecure); fi
  if [ "$#" -gt 0 ]; then
    local cred="$1"
    cred="${cred//\\/\\\\}"
    cred="${cred//\"/\\\"}"
    curl "${args[@]}" --config <(printf 'user = "%s"\n' "$cred") "https://$URL_HOST:$URL_PORT/v2/" || true
  else
    curl "${args[@]}" "https://$URL_HOST:$URL_PORT/v2/" 2>/dev/null || true
  fi
}

# ACME (ACME_COMMAND set): report the certificate's state. While the first certificate is pending, Nginx serves a
# temporary self-signed one: the probes below then skip verification (they still prove 401/200) and `up` succeeds.
INSECURE=0
acme_report() {
  [ -n "$ACME_COMMAND" ] || return 0
  local line
  line="$("$(host_path "$ACME_COMMAND")" status --check 2>&1 || true)"
  log "${line:-certificate pending: registry-acme gave no status}"
  case "$line" in "certificate pending:"* | "") INSECURE=1 ;; esac
}

# The registry GC timer's last run (finished, exit, retention, gc), when there is one. Reports only: a failed run
# (e.g. retention refusing to delete without a readable release history) is a warning, never a failed deployment.
gc_report() {
  [ -n "$GC_LAST_RUN" ] || return 0
  local file
  file="$(host_path "$GC_LAST_RUN")"
  [ -f "$file" ] || return 0
  log "last registry GC run: $(tr '\n' ' ' <"$file")"
  if ! grep -qx 'exit=0' "$file"; then log "WARNING: the last registry GC run failed: see $GC_LAST_RUN and journalctl -u registry-gc"; fi
}

main() {
  parse_args "$@"
  CONNECT="${OPT_CONNECT:-$DEFAULT_CONNECT}"
  CACERT="$DEFAULT_CACERT"
  if [ -n "$CACERT" ]; then CACERT="$(host_path "$CACERT")"; fi
  if [ -n "$OPT_CACERT" ]; then CACERT="$OPT_CACERT"; fi
  local attempts="${OPT_ATTEMPTS:-90}" i=0 code credential=""
  IFS= read -r credential || true
  acme_report

  until [ "$(probe)" = 401 ]; do
    i=$((i + 1))
    if [ "$i" -ge "$attempts" ]; then
      die "https://$URL_HOST:$URL_PORT/v2/ (via $CONNECT) did not answer 401 after $attempts attempts (last: $(probe))"
    fi
    sleep 2
  done
  log "https://$URL_HOST:$URL_PORT/v2/ answers 401 without credentials"

  if [ -n "$credential" ]; then
    code="$(probe "$credential")"
    [ "$code" = 200 ] || die "/v2/ answers $code with the health-check credential, expected 200"
    code="$(probe "${credential%%:*}:not-the-password")"
    [ "$code" = 401 ] || die "/v2/ answers $code with a wrong password, expected 401"
    log "/v2/ answers 200 with the credential and 401 with a wrong password"
  fi
  gc_report
  log "healthy"
}
