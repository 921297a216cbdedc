# app-deploy: puts one release of an app into service without dropping a request, or leaves the previous one serving.
#   1. log in to the stack's registry (password on stdin, never argv), pull the image, resolve its digest;
#   2. nothing to do when the active release already runs this digest with this config and these secrets;
#   3. record a `deploying` release in the history (RELEASES_DIR/<app>.json, temp file + rename);
#   4. start the new container (env file 0600 from stdin, loopback port, --restart unless-stopped) beside the old one;
#   5. wait for its health check (HEALTH_PATH answers 2xx) within DEPLOY_TIMEOUT seconds;
#   6. prod: point the app's Nginx upstream at it (`nginx -t`, graceful reload: old workers finish their requests and
#      keep their websockets until worker_shutdown_timeout = the drain);
#   7. keep checking it for WATCH_SECONDS; UNHEALTHY_THRESHOLD failures in a row count as unhealthy;
#   8. mark it active, wait out the drain, stop and remove the old container, prune releases beyond KEEP_RELEASES.
# Any failure in 4-7 puts the previous release back (upstream restored, reloaded), removes the new container, marks
# the release failed and exits 1 with the new container's last log lines. Stdout ends with the history (JSON).
# Stdin: the registry password (first line), then the env file (NAME=value lines, secrets included).
NEW_NAME=""
NEW_SEQ=""
SWITCHED=0
UPSTREAM=""
UPSTREAM_SAVED=""
PHASE="start"

history_file() { host_path "$RELEASES_DIR/$APP.json"; }
state_dir() { host_path "$STATE_DIR/$APP"; }

# The history's JSON is read and written by one small Python program (python3 is part of every Ubuntu image:
# cloud-init runs on it). Writes go to a temporary file in the same directory, then rename: a reader sees the old or
# the new history, never half of one.
hist() {
  python3 - "$(history_file)" "$@" <<'PY'
import json, os, sys, tempfile
path, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]

def load():
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None

def save(h):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        json.dump(h, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)

h = load()
releases = h["releases"] if h else []
active = [r for r in releases if r["status"] == "active"]
if op == "active":
    # seq digest configHash secretsHash of the release that serves, or nothing.
    if active:
        r = active[-1]
        print(r["seq"], r["digest"], r["configHash"], r["secretsHash"])
elif op == "begin":
    app, repository, keep, digest, config_hash, secrets_hash, at, by, config = args
    seq = max([r["seq"] for r in releases], default=0) + 1
    entry = {"seq": seq, "digest": digest, "configHash": config_hash, "secretsHash": secrets_hash,
             "deployedAt": at, "deployedBy": by, "status": "deploying"}
    same = [r for r in releases if r["status"] != "failed" and r["digest"] == digest
            and r["configHash"] == config_hash and r["secretsHash"] == secrets_hash]
    if same:
        entry["rollbackOf"] = same[-1].get("rollbackOf", same[-1]["seq"])
    entry["config"] = json.loads(config)
    h = {"version": 1, "app": app, "repository": repository, "keepReleases": int(keep), "releases": releases}
    h["keepReleases"] = int(keep)
    releases.append(entry)
    save(h)
    print(seq)
elif op == "finish":
    seq, status = int(args[0]), args[1]
    for r in releases:
        if r["seq"] == seq:
            r["status"] = status
        elif status == "active" and r["status"] == "active":
            r["status"] = "retired"
    save(h)
elif op == "kept":
    # Releases whose images stay: active/deploying plus the newest keepReleases that did not fail.
    keep = h["keepReleases"] if h else 0
    ok = [r for r in releases if r["status"] != "failed"]
    kept = {r["seq"] for r in releases if r["status"] in ("active", "deploying")}
    kept |= {r["seq"] for r in ok[-keep:]} if keep else set()
    for r in releases:
        print(r["seq"], r["digest"], "keep" if r["seq"] in kept else "drop")
elif op == "print":
    print(json.dumps(h if h else {"version": 1, "app": args[0], "repository": args[1],
                                  "keepReleases": int(args[2]), "releases": []}))
else:
    sys.exit("hist: unknown op " + op)
PY
}

# True while the container runs and has never exited (a crash loop under --restart shows Running with restarts).
container_running() {
  [ "$(docker inspect --format '{{.State.Running}} {{.State.Restarting}} {{.RestartCount}}' "$1" 2>/dev/null ||
    true)" = "true false 0" ]
}

# 127.0.0.1:<port> published for the container's port.
published() { docker port "$1" "$PORT/tcp" 2>/dev/null | grep -m1 '^127\.0\.0\.1:' || true; }

healthy() {
  local address="$1"
  curl --silent --fail --output /dev/null --max-time "$HEALTH_TIMEOUT" "http://$address$HEALTH_PATH"
}

container_logs() {
  printf '%s: last log lines of %s:\n' "$SCRIPT_NAME" "$1" >&2
  docker logs --tail "$LOG_LINES" "$1" 2>&1 | sed 's/^/    /' >&2 || true
}

# What the app's upstream file holds when ADDRESS serves (no trailing newline: compared with "$(cat file)").
upstream_text() {
  printf '# Written by app-deploy for %s: the release that serves.\nserver %s max_fails=0;' "$APP" "$1"
}

# Nginx: the upstream server of the app's site points at ADDRESS; `nginx -t` before the reload, or nothing changes.
point_upstream() {
  local address="$1" tmp
  tmp="$(mktemp "$UPSTREAM.XXXXXX")"
  printf '%s\n' "$(upstream_text "$address")" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$UPSTREAM"
  if ! out="$("$NGINX" -t 2>&1)"; then
    restore_upstream
    die "nginx -t failed after pointing $APP at $address (the previous upstream is back): $out"
  fi
  "$NGINX" -s reload
}

restore_upstream() {
  if [ -n "$UPSTREAM_SAVED" ]; then printf '%s' "$UPSTREAM_SAVED" >"$UPSTREAM"; else rm -f "$UPSTREAM"; fi
}

# Any failure after the new container exists: previous release back, new one removed, release failed, logs shown.
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$NEW_NAME" ]; then
    if [ "$SWITCHED" = 1 ]; then
      restore_upstream
      if "$NGINX" -t >/dev/null 2>&1 && "$NGINX" -s reload; then
        log "the previous release serves again"
        # The reload is graceful: old workers still send what they accepted to the failed release. It stays up for
        # the drain, like any replaced release, so none of those requests meets a closed port.
        log "draining the failed release for $DRAIN_SECONDS s"
        sleep "$DRAIN_SECONDS"
      else
        printf '%s: ERROR: could not reload Nginx with the previous upstream\n' "$SCRIPT_NAME" >&2
      fi
    fi
    container_logs "$NEW_NAME"
    docker rm -f "$NEW_NAME" >/dev/null 2>&1 || true
    if [ -n "$NEW_SEQ" ]; then hist finish "$NEW_SEQ" failed || true; fi
    printf '%s: ERROR: release %s of %s failed (%s); the previous release keeps serving\n' \
      "$SCRIPT_NAME" "${NEW_SEQ:-?}" "$APP" "$PHASE" >&2
  fi
  exit "$rc"
}

# Starts the release on the first free loopback port from PORT_RANGE_START: an explicit port survives a dockerd
# or host restart (an ephemeral one would change under Nginx). Docker itself arbitrates a race with another deploy.
start_container() {
  local env_file="$1" image="$2" p out
  for ((p = PORT_RANGE_START; p < PORT_RANGE_START + PORT_RANGE_SIZE; p++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    local args=(run --detach --name "$NEW_NAME" --restart unless-stopped
      --env-file "$env_file" --publish "127.0.0.1:$p:$PORT" --network "$NETWORK" --network-alias "$APP"
      --label "startup-infra.stack=$STACK" --label "startup-infra.app=$APP" --label "startup-infra.release=$NEW_SEQ"
      --memory "${MEMORY_MIB}m" --stop-timeout "$STOP_TIMEOUT"
      --log-opt max-size=10m --log-opt max-file=3)
    if [ -n "$CPUS" ]; then args+=(--cpus "$CPUS"); fi
    if out="$(docker "${args[@]}" "$image" 2>&1)"; then
      NEW_ADDRESS="127.0.0.1:$p"
      return 0
    fi
    docker rm -f "$NEW_NAME" >/dev/null 2>&1 || true
    case "$out" in *"already allocated"* | *"address already in use"*) continue ;; esac
    die "docker run $NEW_NAME failed: $out"
  done
  die "no free loopback port in $PORT_RANGE_START-$((PORT_RANGE_START + PORT_RANGE_SIZE - 1))"
}

wait_healthy() {
  local deadline=$((SECONDS + DEPLOY_TIMEOUT))
  until healthy "$NEW_ADDRESS"; do
    if ! container_running "$NEW_NAME"; then die "$NEW_NAME exited before its health check passed"; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "$NEW_NAME did not answer 2xx on $HEALTH_PATH within $DEPLOY_TIMEOUT s (healthCheck.deployTimeoutSeconds)"
    fi
    sleep "$HEALTH_INTERVAL"
  done
}

watch_healthy() {
  local end=$((SECONDS + WATCH_SECONDS)) failures=0
  while [ "$SECONDS" -lt "$end" ]; do
    if healthy "$NEW_ADDRESS"; then failures=0; else failures=$((failures + 1)); fi
    if [ "$failures" -ge "$UNHEALTHY_THRESHOLD" ]; then
      die "$NEW_NAME failed $failures health checks in a row within $WATCH_SECONDS s after the switch"
    fi
    sleep "$HEALTH_INTERVAL"
  done
}

# Milliseconds since the epoch. Bash's SECONDS counts whole seconds: an elapsed time taken from it can be up to 1 s
# too long, and the old release would stop before Nginx's old workers close its websockets at the drain's end.
now_ms() { date +%s%3N; }

# Waits out what is left of the drain that began at SINCE_MS (the graceful reload), so the old release serves until
# Nginx's old workers let go of it (worker_shutdown_timeout).
drain_rest() {
  local name="$1" since_ms="$2" left_ms left
  left_ms=$((DRAIN_SECONDS * 1000 - ($(now_ms) - since_ms)))
  [ "$left_ms" -gt 0 ] || return 0
  left="$((left_ms / 1000)).$(printf '%03d' $((left_ms % 1000)))"
  log "draining $name for $left s"
  sleep "$left"
}

# Containers of this app (this stack's label only: another stack's containers on a shared host are never touched)
# other than KEEP; images of this repository that no kept release uses.
prune() {
  local keep="$1" name seq digest verdict
  for name in $(docker ps -a --filter "label=startup-infra.stack=$STACK" --filter "label=startup-infra.app=$APP" \
    --format '{{.Names}}'); do
    [ "$name" = "$keep" ] && continue
    log "removing $name"
    docker stop --time "$STOP_TIMEOUT" "$name" >/dev/null 2>&1 || true
    docker rm -f "$name" >/dev/null 2>&1 || true
  done
  while read -r seq digest verdict; do
    [ "$verdict" = drop ] || continue
    rm -f "$(state_dir)/release-$seq.env"
    if ! hist kept | awk -v d="$digest" '$2 == d && $3 == "keep" { found = 1 } END { exit !found }'; then
      docker image rm "$REGISTRY/$REPOSITORY@$digest" >/dev/null 2>&1 || true
    fi
  done < <(hist kept)
}

main() {
  parse_args "$@"
  require_root
  local password env_file incoming image digest out active="" active_seq="" old_name=""
  IFS= read -r password || die "stdin must start with the registry password"
  umask 077
  mkdir -p "$(state_dir)/docker" "$(host_path "$RELEASES_DIR")"
  chmod 0700 "$(state_dir)"
  # The rest of stdin is the env file: read it all now, so no later command can swallow it.
  incoming="$(state_dir)/incoming.env"
  cat >"$incoming"
  # The registry login lives with the app (root only), not in root's ~/.docker.
  export DOCKER_CONFIG
  DOCKER_CONFIG="$(state_dir)/docker"
  exec 9>"$(state_dir)/lock"
  flock --timeout "$LOCK_TIMEOUT" 9 || die "another deploy of $APP holds $(state_dir)/lock"
  trap on_exit EXIT

  PHASE="pull"
  # The credential is stored in this app's DOCKER_CONFIG (0700, root); docker's warning about that is dropped.
  if ! out="$(printf '%s\n' "$password" | bounded 120 "docker login $REGISTRY" "is the registry up?" \
    docker login --username "$REGISTRY_USER" --password-stdin "$REGISTRY" 2>&1)"; then
    die "docker login $REGISTRY as $REGISTRY_USER failed: $out"
  fi
  bounded "$PULL_TIMEOUT" "docker pull $IMAGE_REF" "the registry and the host's network" docker pull --quiet "$IMAGE_REF" >/dev/null
  digest="$IMAGE_DIGEST"
  if [ -z "$digest" ]; then
    digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$IMAGE_REF" |
      awk -v r="$REGISTRY/$REPOSITORY@" 'index($0, r) == 1 { print substr($0, length(r) + 1); exit }')"
    [ -n "$digest" ] || die "could not resolve $IMAGE_REF to a digest"
    log "$IMAGE_REF is $digest"
  fi
  image="$REGISTRY/$REPOSITORY@$digest"

  if [ "$NGINX_SWITCH" = 1 ]; then
    UPSTREAM="$(host_path "$UPSTREAM_FILE")"
    mkdir -p "$(dirname "$UPSTREAM")"
    chmod 0755 "$(dirname "$UPSTREAM")"
    if [ -f "$UPSTREAM" ]; then UPSTREAM_SAVED="$(cat "$UPSTREAM")"; fi
  fi
  docker network inspect "$NETWORK" >/dev/null 2>&1 || docker network create "$NETWORK" >/dev/null

  active="$(hist active)"
  if [ -n "$active" ]; then
    read -r active_seq _ _ _ <<<"$active"
    old_name="app-$APP-$active_seq"
    if [ "$active" = "$active_seq $digest $CONFIG_HASH $SECRETS_HASH" ] && container_running "$old_name" &&
      healthy "$(published "$old_name")"; then
      log "release $active_seq already runs $digest with this config: nothing to do"
      if [ "$NGINX_SWITCH" = 1 ] && [ "$UPSTREAM_SAVED" != "$(upstream_text "$(published "$old_name")")" ]; then
        point_upstream "$(published "$old_name")"
        log "Nginx points at release $active_seq again"
      fi
      trap - EXIT
      rm -f "$incoming"
      hist print "$APP" "$REPOSITORY" "$KEEP_RELEASES"
      return 0
    fi
  fi

  PHASE="start"
  NEW_SEQ="$(hist begin "$APP" "$REPOSITORY" "$KEEP_RELEASES" "$digest" "$CONFIG_HASH" "$SECRETS_HASH" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(base64 -d <<<"$DEPLOYED_BY_BASE64")" "$(base64 -d <<<"$CONFIG_JSON_BASE64")")"
  NEW_NAME="app-$APP-$NEW_SEQ"
  env_file="$(state_dir)/release-$NEW_SEQ.env"
  chmod 0600 "$incoming"
  mv -f "$incoming" "$env_file"
  log "starting release $NEW_SEQ ($digest) as $NEW_NAME"
  start_container "$env_file" "$image"

  PHASE="health check"
  wait_healthy
  log "$NEW_NAME is healthy on $NEW_ADDRESS"

  local switched_ms=""
  if [ "$NGINX_SWITCH" = 1 ]; then
    PHASE="switch"
    SWITCHED=1
    point_upstream "$NEW_ADDRESS"
    switched_ms="$(now_ms)"
    log "Nginx now sends $APP to release $NEW_SEQ (graceful reload)"
  fi
  PHASE="watch after the switch"
  watch_healthy

  hist finish "$NEW_SEQ" active
  trap - EXIT
  log "release $NEW_SEQ of $APP is active"
  if [ -n "$old_name" ] && [ -n "$switched_ms" ]; then drain_rest "$old_name" "$switched_ms"; fi
  prune "$NEW_NAME"
  hist print "$APP" "$REPOSITORY" "$KEEP_RELEASES"
}

