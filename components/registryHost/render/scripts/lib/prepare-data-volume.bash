# prepare-data-volume: the separate EBS volume holds the registry data and outlives the instance. It is formatted only
# when it carries no filesystem at all (blkid probe), mounted at MOUNT_POINT through /etc/fstab by UUID with nofail
# (a missing volume must not stop the boot; registry.service then refuses to start: RequiresMountsFor), and creates the
# data and release-history directories on it. Idempotent.
main() {
  parse_args "$@"
  require_root
  local device="${OPT_DEVICE:-$DATA_DEVICE}" attempts="${OPT_ATTEMPTS:-150}" i=0 changed=0
  # EBS attachments can lag behind the instance: wait for the device.
  while [ ! -e "$device" ]; do
    i=$((i + 1))
    if [ "$i" -ge "$attempts" ]; then die "data volume $device did not appear after $((attempts * 2)) s"; fi
    [ "$i" -eq 1 ] && log "waiting for $device"
    sleep 2
  done

  local fstype pttype
  fstype="$(blkid -p -o value -s TYPE "$device" 2>/dev/null || true)"
  if [ -z "$fstype" ]; then
    pttype="$(blkid -p -o value -s PTTYPE "$device" 2>/dev/null || true)"
    if [ -n "$pttype" ]; then die "$device has a $pttype partition table and no filesystem: refusing to format it"; fi
    log "formatting $device ($FS_TYPE, label $FS_LABEL): it has no filesystem"
    "mkfs.$FS_TYPE" -q -L "$FS_LABEL" "$device" </dev/null
    changed=1
  elif [ "$fstype" != "$FS_TYPE" ]; then
    die "$device holds a $fstype filesystem, expected $FS_TYPE: refusing to touch it"
  fi

  local uuid fstab line tmp
  uuid="$(blkid -p -o value -s UUID "$device")"
  [ -n "$uuid" ] || die "no UUID on $device"
  fstab="$(host_path /etc/fstab)"
  line="UUID=$uuid $MOUNT_POINT $FS_TYPE defaults,nofail,x-systemd.device-timeout=30s 0 2"
  mkdir -p "$(dirname "$fstab")"
  if [ ! -e "$fstab" ]; then : >"$fstab"; fi
  if ! grep -qxF "$line" "$fstab"; then
    # Replace any other entry for the mount point (an older volume), keep everything else.
    tmp="$(mktemp "$fstab.XXXXXX")"
    awk -v mp="$MOUNT_POINT" '$2 != mp' "$fstab" >"$tmp"
    printf '%s\n' "$line" >>"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$fstab"
    log "changed /etc/fstab: $line"
    changed=1
  fi

  local mp
  mp="$(host_path "$MOUNT_POINT")"
  mkdir -p "$mp"
  if [ "$OPT_NO_MOUNT" = 0 ] && ! mountpoint -q "$mp"; then
    mount -t "$FS_TYPE" -o defaults,nofail "UUID=$uuid" "$mp"
    log "mounted $device at $MOUNT_POINT"
    changed=1
  fi
  local dir
  # The registry's data, and the apps' release histories: empty until the first app deploy, which the GC timer's
  # retention reads as "nothing to protect beyond the running containers" (a missing one stops it: volume not mounted).
  for dir in "$DATA_DIR" "$RELEASES_DIR"; do
    if [ ! -d "$(host_path "$dir")" ]; then
      mkdir -m 0755 "$(host_path "$dir")"
      log "created $dir"
      changed=1
    fi
  done
  if [ "$changed" = 0 ]; then log "no change"; fi
}
