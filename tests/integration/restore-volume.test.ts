// Restore path (b) of docs/restore.md on real software: the registry's data volume is restored from a snapshot.
// A volume (a loop device over an image file) is prepared and MOUNTED by the rendered prepare-data-volume step run
// over a real sshd; the rendered registry config (Debian's registry) stores pushed images on it. The volume is then
// copied block for block, as an EBS snapshot and a volume created from it would be, and attached to a fresh host root;
// the same rendered step must mount it WITHOUT formatting, and the images must pull back with the same digests.
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_PATHS, renderProvisionPlan, type ProvisionStep } from "../../components/registryHost/render/index.js";
import { writeFakeSudo } from "./support/host-fakes.js";
import { sampleInput } from "./support/host-input.js";
import { startRenderedRegistry } from "./support/host-registry.js";
import { startSshd, type RunningSshd } from "./support/host-sshd.js";
import {
  freePort,
  inspectRaw,
  makeTempDir,
  pullToOciLayout,
  pushOciLayout,
  removeDir,
  run,
  runOk,
  writeOciImage,
  type RunningRegistry,
} from "./support/index.js";

const CREDS = "ci:ci-password";
/** Stands for an app's release history: the volume carries the bytes, whatever they say. */
const HISTORY = '{"app":"web","releases":[]}\n';

let work: string;
let sshd: RunningSshd | undefined;
let registry: RunningRegistry | undefined;
const loops: string[] = [];
const mounts: string[] = [];

const plan = renderProvisionPlan(sampleInput("prod"));
const prepare: ProvisionStep = plan.steps.find((s) => s.name === "prepare-data-volume")!;

async function attach(image: string): Promise<string> {
  const device = (await runOk("losetup", ["-f", "--show", image])).stdout.trim();
  loops.push(device);
  return device;
}
async function detach(device: string): Promise<void> {
  await run("losetup", ["-d", device]);
  loops.splice(loops.indexOf(device), 1);
}
async function unmount(dir: string): Promise<void> {
  await run("umount", [dir]);
  mounts.splice(mounts.indexOf(dir), 1);
}

/** The rendered step, exactly as the component runs it (command line + stdin), against a host root. */
async function prepareVolume(root: string, device: string) {
  const r = await sshd!.ssh(`${prepare.command} --root ${root} --device ${device} --attempts 1`, prepare.stdin);
  if (r.code !== 0) throw new Error(`prepare-data-volume exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  mounts.push(join(root, HOST_PATHS.dataMount));
  return r;
}

/** The rendered prod registry config and htpasswd of a host root, data on the mounted volume. */
async function startRegistryOn(root: string, port: number): Promise<RunningRegistry> {
  for (const f of plan.files.filter((x) => x.path.startsWith(`${HOST_PATHS.registryDir}/`))) {
    await mkdir(join(root, HOST_PATHS.registryDir), { recursive: true });
    await writeFile(join(root, f.path), f.content, { mode: Number.parseInt(f.mode, 8) });
  }
  return startRenderedRegistry(join(root, HOST_PATHS.registryConfig), {
    addr: `127.0.0.1:${port}`,
    dataDir: join(root, HOST_PATHS.dataDir),
    htpasswdPath: join(root, HOST_PATHS.htpasswd),
  });
}

beforeAll(async () => {
  work = await makeTempDir("restore-volume-");
  const bin = join(work, "bin");
  await writeFakeSudo(bin);
  sshd = await startSshd(join(work, "sshd"), { pathPrefix: [bin] });
});

afterAll(async () => {
  await registry?.stop();
  await sshd?.stop();
  for (const m of [...mounts].reverse()) await run("umount", [m]);
  for (const l of [...loops]) await run("losetup", ["-d", l]);
  await removeDir(work);
});

describe("registry volume restored from a snapshot", () => {
  it("mounts the copy without formatting it and serves the same images, byte for byte", async () => {
    // The original host: a blank volume, formatted and mounted by the rendered step.
    const original = join(work, "original.img");
    await writeFile(original, "");
    await runOk("truncate", ["-s", "64M", original]);
    const rootA = join(work, "host-a");
    let device = await attach(original);
    const first = await prepareVolume(rootA, device);
    expect(first.stdout).toContain("formatting");
    expect((await run("mountpoint", ["-q", join(rootA, HOST_PATHS.dataMount)])).code).toBe(0);
    // The release-history directory is created on the mounted volume (not under it on the root file system), empty.
    expect(await readdir(join(rootA, HOST_PATHS.releasesDir))).toEqual([]);
    expect(((await stat(join(rootA, HOST_PATHS.releasesDir))).mode & 0o7777).toString(8)).toBe("755");

    // Images pushed to the registry whose data lives on that volume.
    const port = await freePort();
    registry = await startRegistryOn(rootA, port);
    const access = { address: `127.0.0.1:${port}`, creds: CREDS };
    const digests: Record<string, string> = {};
    for (const name of ["api", "web"]) {
      const layout = join(work, `oci-${name}`);
      await writeOciImage(
        layout,
        { files: { [`${name}.txt`]: `${name} v1\n` }, created: "2026-12-01T00:00:00Z" },
        "v1",
      );
      await pushOciLayout(layout, "v1", access, `team/${name}`);
      digests[name] = (await inspectRaw(access, `team/${name}:v1`)).digest;
    }
    await registry.stop();
    registry = undefined;
    // An app's release history, as its deploy writes it on the volume.
    await writeFile(join(rootA, HOST_PATHS.releasesDir, "web.json"), HISTORY);

    // The snapshot: the volume's blocks, taken with the file system unmounted (clean), copied to a new volume.
    await unmount(join(rootA, HOST_PATHS.dataMount));
    await detach(device);
    const restored = join(work, "restored.img");
    await copyFile(original, restored);
    const uuid = (await runOk("blkid", ["-p", "-o", "value", "-s", "UUID", restored])).stdout.trim();

    // A new host root: the same rendered step mounts the restored volume as it is.
    const rootB = join(work, "host-b");
    device = await attach(restored);
    const second = await prepareVolume(rootB, device);
    expect(second.stdout).not.toContain("formatting");
    expect(second.stdout).toContain("mounted");
    expect(await readFile(join(rootB, "etc/fstab"), "utf8")).toBe(
      `UUID=${uuid} /srv/registry ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2\n`,
    );

    // The registry on the restored volume serves every image with the same digest; a full pull verifies every blob.
    const port2 = await freePort();
    registry = await startRegistryOn(rootB, port2);
    const access2 = { address: `127.0.0.1:${port2}`, creds: CREDS };
    for (const name of ["api", "web"]) {
      expect((await inspectRaw(access2, `team/${name}:v1`)).digest).toBe(digests[name]);
      await pullToOciLayout(access2, `team/${name}@${digests[name]}`, join(work, `pulled-${name}`), "v1");
    }

    // Re-running the step on the restored host changes nothing; the release histories came with the volume.
    const third = await sshd!.ssh(`${prepare.command} --root ${rootB} --device ${device} --attempts 1`, prepare.stdin);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain("prepare-data-volume: no change");
    expect(await readFile(join(rootB, HOST_PATHS.releasesDir, "web.json"), "utf8")).toBe(HISTORY);

    // Unmounted (the volume missing at boot: fstab's nofail), the mount point holds no release history, so the GC
    // timer's retention stops with nothing deleted instead of reading "no app deployed".
    await unmount(join(rootB, HOST_PATHS.dataMount));
    await expect(stat(join(rootB, HOST_PATHS.releasesDir))).rejects.toThrow(/ENOENT/);
  });
});
