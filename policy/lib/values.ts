/**
 * Reading resource properties the same way whether they come from CrossGuard or from the offline plan.
 *
 * CrossGuard hands policies an "unknown-checking proxy" that throws on any value not known during preview; a rule
 * that touches one is then skipped with an advisory "can't run during preview". We read the proxy's raw target
 * instead and treat the engine's unknown sentinels as "not known": every rule decides what an unknown value means
 * for it (usually: cannot judge, no violation; for a CIDR on a database security group: still a CIDR).
 */

export type Props = Record<string, unknown>;

/**
 * The engine's placeholders for values not known until the update (`@pulumi/policy` proxy.ts;
 * the string one is also `pulumi.runtime.unknownValue`).
 */
const UNKNOWN_SENTINELS = new Set<string>([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The engine's wire form of a secret (`pulumi.runtime.specialSigKey` / `specialSecretSig`). */
export const WIRE_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const WIRE_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True for a value the engine does not know yet (preview). */
export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** The raw properties behind CrossGuard's unknown-checking proxy (or the object itself). */
export function rawProps(props: unknown): Props {
  if (typeof props !== "object" || props === null) return {};
  try {
    const proxied = props as Record<string, unknown>;
    if (proxied["__isSpecialProxy"] === true) {
      const target = proxied["__getSpecialProxyTarget"];
      if (typeof target === "object" && target !== null) return target as Props;
    }
  } catch {
    // Not a proxy we know: use it as it is.
  }
  return props as Props;
}

/** The value at a dotted path (`metadataOptions.httpTokens`), undefined when absent or not an object on the way. */
export function at(props: unknown, path: string): unknown {
  let current: unknown = props;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null || isUnknown(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Known value state of one property: absent, unknown until deploy, or known. */
export type Known<T> = { state: "absent" } | { state: "unknown" } | { state: "known"; value: T };

export function read(props: unknown, path: string): Known<unknown> {
  const value = at(props, path);
  if (value === undefined || value === null) return { state: "absent" };
  if (isUnknown(value)) return { state: "unknown" };
  return { state: "known", value };
}

/** A list property as a list (absent -> [], unknown -> undefined). */
export function list(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return [];
  if (isUnknown(value)) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Known, non-empty strings of a string-or-list property. */
export function knownStrings(value: unknown): string[] {
  return (list(value) ?? []).filter((v): v is string => typeof v === "string" && v !== "" && !isUnknown(v));
}

/** True when the property holds at least one value the engine does not know yet. */
export function hasUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  return Array.isArray(value) && value.some(isUnknown);
}

/** A number from a number or numeric string (providers accept both for ports); undefined otherwise. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && !isUnknown(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** True for `true` / `"true"`. */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** True for `false` / `"false"`. */
export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

/** True when the value is the engine's wire form of a secret (kept when a caller did not unwrap secrets). */
export function isWireSecret(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[WIRE_SIG_KEY] === WIRE_SECRET_SIG
  );
}
