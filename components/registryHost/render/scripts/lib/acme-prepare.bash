# acme-prepare: runs `registry-acme prepare` (installed by install-files): its state directories, then the certificate
# Nginx starts with. A certificate issued before (on the data volume) is served at once; otherwise a temporary
# self-signed one until the first issuance (the issue timer, enabled by apply-config). Never waits on the CA or DNS.
main() {
  parse_args "$@"
  require_root
  # registry-acme takes no path or program options (it runs as root from timers): under a test root, the tree's copy
  # of the tool is the test harness's, which reads the tree's configuration.
  "$(host_path "$ACME_COMMAND")" prepare
}
