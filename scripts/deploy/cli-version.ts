/**
 * The oldest Pulumi CLI this project runs on. Pulumi.yaml declares its structured settings with `type: object`; the
 * CLI validates the project file against its own schema before anything else, and that schema accepts `object` only
 * from v3.187.0 (pulumi/pulumi #20129 "Add `object` as a simple config type" and #20132 "Support parsing object
 * types in `Pulumi.yaml`", July 2025). An older CLI stops every command with "could not validate Pulumi.yaml".
 */
export const MIN_PULUMI_CLI = "3.187.0";

/** `major.minor.patch` of a version string (`v3.248.0`, `3.187.0-alpha.1`), or undefined when it is not one. */
function parse(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * Why the installed CLI cannot run this project, or undefined when it can. A pre-release of the minimum
 * (`3.187.0-alpha`) is refused: it may predate the change.
 */
export function cliVersionProblem(installed: string | undefined, minimum = MIN_PULUMI_CLI): string | undefined {
  const have = installed === undefined ? undefined : parse(installed);
  const need = parse(minimum)!;
  if (!have)
    return `its version (${installed ?? "unknown"}) could not be read; this project needs v${minimum} or newer`;
  const cmp = have[0] - need[0] || have[1] - need[1] || have[2] - need[2];
  const prerelease = /^v?\d+\.\d+\.\d+-/.test(installed!.trim());
  if (cmp > 0 || (cmp === 0 && !prerelease)) return undefined;
  return (
    `it is v${installed!.trim().replace(/^v/, "")}, older than v${minimum}, the first that accepts the ` +
    "`type: object` settings of Pulumi.yaml"
  );
}
