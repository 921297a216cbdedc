import { mkdir, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { runOk, type RunResult } from "./exec.js";
import { sha256 } from "./oci.js";

/** How skopeo reaches a registry: `certDir` holds ONLY `ca.crt` (a key there makes skopeo want a client cert). */
export interface RegistryAccess {
  /** `host:port`. */
  readonly address: string;
  /** `user:password`; anonymous when absent. */
  readonly creds?: string;
  /** Directory with only `ca.crt`; with none, TLS is not verified (plain HTTP registries). */
  readonly certDir?: string;
}

/** Makes a skopeo cert dir holding only `ca.crt` (a copy of `caCertPath`). */
export async function makeCertDir(caCertPath: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(caCertPath, join(dir, "ca.crt"));
  return dir;
}

function accessArgs(side: "src" | "dest", a: RegistryAccess): string[] {
  const args: string[] = [];
  if (a.creds) args.push(`--${side}-creds`, a.creds);
  if (a.certDir) args.push(`--${side}-cert-dir`, a.certDir);
  else args.push(`--${side}-tls-verify=false`);
  return args;
}

export interface PushOptions {
  /** `v2s2` converts to Docker v2 schema 2 manifests; default keeps OCI. */
  readonly format?: "oci" | "v2s2";
  /** Push every platform of an index (`--all`). */
  readonly all?: boolean;
}

/** `skopeo copy oci:<layoutDir>:<tag> docker://<address>/<repository>:<destTag>`. */
export function pushOciLayout(
  layoutDir: string,
  tag: string,
  registry: RegistryAccess,
  repository: string,
  destTag: string = tag,
  opts: PushOptions = {},
): Promise<RunResult> {
  const args = ["copy", "--insecure-policy", "--retry-times", "2", ...accessArgs("dest", registry)];
  if (opts.format) args.push("--format", opts.format);
  if (opts.all) args.push("--all");
  else if (!opts.format) args.push("--preserve-digests");
  args.push(`oci:${layoutDir}:${tag}`, `docker://${registry.address}/${repository}:${destTag}`);
  return runOk("skopeo", args);
}

/** `skopeo copy [--all] docker://<address>/<ref> oci:<layoutDir>:<tag>`: pulls every blob (skopeo verifies digests). */
export function pullToOciLayout(
  registry: RegistryAccess,
  reference: string,
  layoutDir: string,
  tag: string,
  opts: { readonly all?: boolean } = {},
): Promise<RunResult> {
  const args = ["copy", "--insecure-policy", ...accessArgs("src", registry)];
  if (opts.all) args.push("--all");
  args.push(`docker://${registry.address}/${reference}`, `oci:${layoutDir}:${tag}`);
  return runOk("skopeo", args);
}

/** The raw manifest the registry serves for `reference` (`repo:tag` or `repo@digest`) and its sha256 digest. */
export async function inspectRaw(
  registry: RegistryAccess,
  reference: string,
): Promise<{ readonly raw: string; readonly digest: string }> {
  const args = ["inspect", "--raw"];
  if (registry.creds) args.push("--creds", registry.creds);
  if (registry.certDir) args.push("--cert-dir", registry.certDir);
  else args.push("--tls-verify=false");
  args.push(`docker://${registry.address}/${reference}`);
  const r = await runOk("skopeo", args);
  return { raw: r.stdout, digest: sha256(Buffer.from(r.stdout)) };
}
