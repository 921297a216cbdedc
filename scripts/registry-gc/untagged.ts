import { access } from "node:fs/promises";
import { join } from "node:path";

/**
 * The protected digests of `untagged` that the registry's filesystem storage (`root`, its `rootdirectory`) still
 * holds: for a repository-scoped digest its revision link in that repository, for a digest protected everywhere (a
 * running image) its blob. Read-only; what is absent cannot be deleted by blob GC, so it needs no guard.
 */
export async function presentInStorage<T extends { readonly digest: string; readonly repository?: string }>(
  root: string,
  untagged: readonly T[],
): Promise<T[]> {
  const v2 = join(root, "docker", "registry", "v2");
  const present: T[] = [];
  for (const u of untagged) {
    const hex = u.digest.slice("sha256:".length);
    const path =
      u.repository === undefined
        ? join(v2, "blobs", "sha256", hex.slice(0, 2), hex, "data")
        : join(v2, "repositories", u.repository, "_manifests", "revisions", "sha256", hex, "link");
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      present.push(u);
  }
  return present;
}
