import { IPv4CidrRange, IPv6CidrRange } from "ip-num";
import { z } from "zod";

/** An IPv4 CIDR block such as `10.0.0.0/16` (the address must be the network address). */
export const ipv4Cidr = z.string().superRefine((value, ctx) => {
  const problem = ipv4CidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** An IPv4 or IPv6 CIDR block used in a firewall allow list. */
export const anyCidr = z.string().superRefine((value, ctx) => {
  const problem = value.includes(":") ? ipv6CidrProblem(value) : ipv4CidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const port = z.number().int().min(1).max(65535);

/**
 * A text setting whose valid values may be all digits (an account id, a version such as 16, a DNS label).
 * `pulumi config set --path` stores base-10 digits that do not start with 0 as a number (the CLI's `coerce` in
 * pulumi/pulumi sdk/go/common/resource/config/object.go; digits with a leading 0 stay text), so such a value
 * reaches the program as a number: it is turned back into the same digits, which is lossless for any safe
 * integer. Other numbers are left for `schema` to reject (the fix then says `--type string`).
 */
export function digitText<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? String(v) : v), schema);
}

/** A DNS label such as `www` (lower case letters, digits and inner hyphens, at most 63 characters). */
export const dnsLabel = digitText(
  z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: lower case letters, digits and inner hyphens"),
);

/** A domain name such as `example.com`. */
export const domainName = z
  .string()
  .max(253)
  .regex(
    /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "must be a lower-case domain name such as example.com (no trailing dot, no scheme)",
  );

export function ipv4CidrProblem(value: string): string | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value))
    return `"${value}" is not an IPv4 CIDR block such as 10.0.0.0/16`;
  let range: IPv4CidrRange;
  try {
    range = IPv4CidrRange.fromCidr(value);
  } catch {
    return `"${value}" is not an IPv4 CIDR block such as 10.0.0.0/16`;
  }
  const network = range.getFirst().toString();
  if (`${network}/${range.getPrefix().getValue()}` !== value) {
    return `"${value}" has host bits set: the network address of that block is ${network}/${range.getPrefix().getValue()}`;
  }
  return undefined;
}

function ipv6CidrProblem(value: string): string | undefined {
  try {
    IPv6CidrRange.fromCidr(value);
    return undefined;
  } catch {
    return `"${value}" is not an IPv6 CIDR block such as 2001:db8::/32`;
  }
}

/** Key types an OpenSSH public key line may carry (what sshd's host keys and `ssh-keygen` produce). */
const OPENSSH_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
] as const;

/**
 * What is wrong with an OpenSSH public key line (`<type> <base64 key data> [comment]`), or undefined. The key data
 * must decode and name the same type it is declared as (the first field of the SSH wire format), which catches a line
 * cut short or a type copied from another key.
 */
export function openSshPublicKeyProblem(value: string): string | undefined {
  const [type, blob] = value.trim().split(/\s+/);
  const types = OPENSSH_KEY_TYPES.join(", ");
  const shape = `must be an OpenSSH public key line "<type> <key data> [comment]", type one of ${types}`;
  if (!type || !blob || !(OPENSSH_KEY_TYPES as readonly string[]).includes(type)) return shape;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return `${shape}: the key data is not base64`;
  const data = Buffer.from(blob, "base64");
  const declared = data.length >= 4 ? data.readUInt32BE(0) : -1;
  if (declared !== type.length || data.subarray(4, 4 + declared).toString("latin1") !== type) {
    return `${shape}: the key data does not hold a ${type} key (a truncated or mixed-up line?)`;
  }
  return undefined;
}

/** `<type> <key data>` of a valid OpenSSH public key line: the comment and surrounding blanks dropped. */
export function openSshKeyLine(value: string): string {
  return value.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** An OpenSSH public key line such as `ssh-ed25519 AAAAC3Nza... comment`. */
export const openSshPublicKey = z.string().superRefine((value, ctx) => {
  const problem = openSshPublicKeyProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * What is wrong with a host key line the provisioning connection pins, or undefined. On top of the line's shape: no
 * `ssh-rsa`. The command provider offers the pinned key's own type as its only host-key algorithm
 * (pulumi/pulumi-command `provider/pkg/provider/remote/connection.go`: `ssh.FixedHostKey(publicKey)`,
 * `HostKeyAlgorithms: []string{publicKey.Type()}`), and for an RSA key that type is `ssh-rsa`, the SHA-1 signature
 * OpenSSH 8.8+ (Ubuntu 24.04's sshd) refuses: every connection would fail. It cannot ask for `rsa-sha2-256` instead.
 */
export function openSshHostKeyProblem(value: string): string | undefined {
  const problem = openSshPublicKeyProblem(value);
  if (problem) return problem;
  if (value.trim().startsWith("ssh-rsa ")) {
    return (
      "is an ssh-rsa key: the provisioning connection would offer only the SHA-1 ssh-rsa signature, which the " +
      "host's sshd refuses; pin the host's ssh-ed25519 key instead (/etc/ssh/ssh_host_ed25519_key.pub)"
    );
  }
  return undefined;
}

/** The host's own SSH public key line (ssh-ed25519 or ecdsa-sha2-*), as pinned by the provisioning connection. */
export const openSshHostKey = z.string().superRefine((value, ctx) => {
  const problem = openSshHostKeyProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
