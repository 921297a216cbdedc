// How cloud-init runs `bootcmd`: cc_bootcmd writes the list through util.shellify into one /bin/sh script and runs
// it. shellify (canonical/cloud-init cloudinit/util.py) starts the script with `#!/bin/sh`, writes each list entry as
// one line of single-quoted words (a `'` inside a word becomes `'\''`) and each string entry as is. No `set -e`: a
// failing entry does not stop the next; the script's status is the last command's.
export function shellify(entries: (string | string[])[]): string {
  const lines = entries.map((entry) =>
    Array.isArray(entry) ? entry.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(" ") : entry,
  );
  return `#!/bin/sh\n${lines.map((l) => `${l}\n`).join("")}`;
}
