# acme-prepare: runs `registry-acme prepare` (installed by install-files): its state directories, then the certificate
# Nginx starts with. A certificate issued before (on the data volume) is served at once; otherwise a temporary
# self-signed one until the first issuance (the issue timer, enabled by apply-config). Never waits on the CA or DNS.
main() {
  parse_args "$@"
  require_root
  "$(host_path "$ACME_COMMAND")" --config "$(host_path "$ACME_CONFIG")" --root "$HOST_ROOT" \
    --systemctl "$SYSTEMCTL" --nginx "$NGINX" prepare
}
