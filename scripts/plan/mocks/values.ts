import { createHash } from "node:crypto";

/** Deterministic hex from a seed: the same resource name always gets the same fake id. */
export function hexOf(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  return out.slice(0, length);
}

/** A deterministic address in TEST-NET-3 (203.0.113.0/24, RFC 5737): never a real host. */
export function documentationIp(seed: string): string {
  return `203.0.113.${(parseInt(hexOf(seed, 4), 16) % 250) + 2}`;
}

/** A deterministic private address inside 10.0.0.0/8 for mock ENIs. */
export function privateIp(seed: string): string {
  const h = parseInt(hexOf(seed, 6), 16);
  return `10.0.${h % 100}.${((h >> 8) % 250) + 4}`;
}

export const MOCK_ACCOUNT_ID = "123456789012";

/** A PEM block that is plainly a placeholder (the mock engine mints no real keys or certificates). */
export function placeholderPem(label: string, seed: string): string {
  const body = Buffer.from(`mock ${label} for ${seed} `.repeat(3)).toString("base64");
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
