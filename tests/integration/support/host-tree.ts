// A test root that starts like the host does: the base system's directories with their real modes
// (render/hostAccess.ts, BASE_DIRECTORIES), so a tool that creates a directory under them gets what it would get there.
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { BASE_DIRECTORIES } from "../../../components/registryHost/render/hostAccess.js";

export async function writeBaseTree(root: string): Promise<void> {
  for (const d of BASE_DIRECTORIES) {
    const path = join(root, d.path);
    await mkdir(path, { recursive: true });
    if (d.path !== "/") await chmod(path, parseInt(d.mode, 8));
  }
  await chmod(root, 0o755);
}
