/**
 * botocore's AWS API models, read at test time: each operation's input members and each shape's `pattern`, `min`,
 * `max` and `enum` (`botocore/data/<service>/<api version>/service-2.json[.gz]`). scripts/test/ensure-botocore.sh
 * installs the pinned botocore release (PyPI) into a cached virtual environment and prints the data directory; a
 * missing or failed install fails the tests that need it, with the script's message.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { PROJECT_DIR } from "./runStack";

export interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  pattern?: string;
  min?: number;
  max?: number;
  enum?: string[];
  sensitive?: boolean;
}

export interface ServiceModel {
  /** The directory name under botocore/data (e.g. `dlm`, `cloudwatch`, `ec2`) and the API version read. */
  service: string;
  apiVersion: string;
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

export interface Botocore {
  version: string;
  dataDir: string;
  model(service: string): ServiceModel;
}

let cached: Botocore | undefined;

/** The pinned botocore's models (installed on first use). Throws with the installer's message when it cannot. */
export function botocore(): Botocore {
  if (cached) return cached;
  let dataDir: string;
  try {
    const out = execFileSync("bash", [join(PROJECT_DIR, "scripts/test/ensure-botocore.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 300_000,
    });
    dataDir = out.trim().split("\n").at(-1)!;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `botocore's AWS API models are required by this test and could not be installed ` +
        `(scripts/test/ensure-botocore.sh): ${err.stderr?.trim() || err.message}`,
    );
  }
  if (!existsSync(join(dataDir, "dlm"))) throw new Error(`no botocore models under ${dataDir}`);
  const version = readFileSync(join(dirname(dataDir), "__init__.py"), "utf8").match(/__version__ = '([^']+)'/)?.[1];
  if (!version) throw new Error(`cannot read botocore's version from ${dirname(dataDir)}/__init__.py`);
  const models = new Map<string, ServiceModel>();
  cached = {
    version,
    dataDir,
    model(service) {
      let m = models.get(service);
      if (!m) {
        m = loadModel(dataDir, service);
        models.set(service, m);
      }
      return m;
    },
  };
  return cached;
}

/** The newest API version of `service` (botocore keeps old ones beside it, e.g. ec2 2014-09-01 .. 2016-11-15). */
function loadModel(dataDir: string, service: string): ServiceModel {
  const dir = join(dataDir, service);
  if (!existsSync(dir)) throw new Error(`botocore has no service "${service}" (looked in ${dir})`);
  const apiVersion = readdirSync(dir).sort().at(-1)!;
  const base = join(dir, apiVersion, "service-2.json");
  const text = existsSync(`${base}.gz`)
    ? gunzipSync(readFileSync(`${base}.gz`)).toString("utf8")
    : readFileSync(base, "utf8");
  const json = JSON.parse(text) as Omit<ServiceModel, "service" | "apiVersion">;
  return { service, apiVersion, operations: json.operations, shapes: json.shapes };
}

/** A resolved API member: where it is, its shape's name and the shape. */
export interface ResolvedMember {
  where: string;
  shapeName: string;
  shape: Shape;
}

/**
 * Walks an operation's input to a member: `PolicyDetails.Schedules[].Name` (structure members, `[]` a list's
 * element), `Tags.<key>` / `Tags.<value>` (a map's key or value shape). Throws naming the step that does not exist.
 */
export function resolveMember(model: ServiceModel, operation: string, path: string): ResolvedMember {
  const op = model.operations[operation];
  if (!op?.input) throw new Error(`${model.service}: no operation ${operation} with an input`);
  let shapeName = op.input.shape;
  const where = `${model.service} ${operation} ${path}`;
  for (const raw of path.split(".")) {
    const shape = model.shapes[shapeName]!;
    if (raw === "<key>" || raw === "<value>") {
      const next = raw === "<key>" ? shape.key : shape.value;
      if (shape.type !== "map" || !next) throw new Error(`${where}: ${shapeName} is not a map`);
      shapeName = next.shape;
      continue;
    }
    const list = raw.endsWith("[]");
    const name = list ? raw.slice(0, -2) : raw;
    const member = shape.members?.[name];
    if (!member) {
      const known = Object.keys(shape.members ?? {}).join(", ");
      throw new Error(`${where}: ${shapeName} has no member ${name} (members: ${known})`);
    }
    shapeName = member.shape;
    if (list) {
      const listShape = model.shapes[shapeName]!;
      if (listShape.type !== "list" || !listShape.member) throw new Error(`${where}: ${name} is not a list`);
      shapeName = listShape.member.shape;
    }
  }
  return { where, shapeName, shape: model.shapes[shapeName]! };
}
