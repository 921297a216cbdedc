import type { ResolvedRegistryGcInput } from "./input.js";

/** The oneshot service that runs the GC script (started by the timer; logs go to the journal). */
export function renderGcService(i: ResolvedRegistryGcInput): string {
  return `[Unit]
Description=Registry blob garbage collection (stops ${i.registryUnit} while it runs)
After=docker.service ${i.registryUnit}
Requires=docker.service

[Service]
Type=oneshot
ExecStart=${i.scriptPath}
TimeoutStartSec=${i.timeoutSec}
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
StandardOutput=journal
StandardError=journal
SyslogIdentifier=${i.unitName}
`;
}

/** The timer: `OnCalendar` (weekly by default), catch-up after downtime, spread by a random delay. */
export function renderGcTimer(i: ResolvedRegistryGcInput): string {
  return `[Unit]
Description=Scheduled registry blob garbage collection (${i.onCalendar})

[Timer]
OnCalendar=${i.onCalendar}
RandomizedDelaySec=${i.randomizedDelaySec}
Persistent=true
Unit=${i.unitName}.service

[Install]
WantedBy=timers.target
`;
}
