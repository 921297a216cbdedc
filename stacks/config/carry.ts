import type { z } from "zod";
import { COMPOSITIONS } from "./defaults";
import {
  exampleAt,
  fixTargetAt,
  isArrayAt,
  isMapAt,
  keyToPath,
  pathToKey,
  secretSetCommand,
  setCommand,
} from "./errors";
import { child } from "./introspect";
import { SECRET_KEYS, type SecretKey, stackConfigSchema } from "./schema";

/** One value the user wrote, at its path below the project namespace. */
interface Leaf {
  path: PropertyKey[];
  value: unknown;
}

/** Every plain value inside `value` (objects and lists walked), with its path below `at`. */
function leavesOf(at: PropertyKey[], value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leavesOf([...at, i], v));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leavesOf([...at, k], v));
  }
  return [{ path: at, value }];
}

function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = stackConfigSchema;
  for (const part of path) s = s && child(s, part);
  return s;
}

/** Whether `value` is acceptable at `path` as far as the setting alone can tell (unknown settings: yes). */
function acceptable(path: readonly PropertyKey[], value: unknown): boolean {
  if (path.length === 1 && path[0] === "composition") return (COMPOSITIONS as readonly unknown[]).includes(value);
  const schema = schemaAt(path);
  return schema === undefined || schema.safeParse(value).success;
}

/** The command that sets one carried value: the user's own when only the key was wrong, else the setting's example. */
function leafCommand({ path, value }: Leaf, secret: boolean): string {
  const key = pathToKey(path);
  if (secret) return secretSetCommand(key);
  if (acceptable(path, value)) return setCommand(key, String(value));
  if (key === "composition") return setCommand(key, "prod");
  return setCommand(key, exampleAt(stackConfigSchema, keyToPath(key)));
}

/**
 * The fix for a value written under a mistyped key, set under `target` instead: the value the user wrote when it
 * fits the right setting (shell-quoted by `setCommand`), one `--path` command per value when a whole map or list was
 * written, and never the value itself when it was stored as a secret or the target is a secret key (a placeholder to
 * fill in, set with `--secret`). A value that does not fit the right setting either falls back to its example.
 */
export function carriedSetCommand(target: string, written: unknown, secret: boolean): string {
  if (target in SECRET_KEYS) return SECRET_KEYS[target as SecretKey];
  const listTarget = isArrayAt(stackConfigSchema, keyToPath(target)) && !Array.isArray(written);
  // One value written where the right setting is a list: it becomes the list's first element.
  const path = listTarget ? [...keyToPath(target), 0] : keyToPath(target);
  const leaves = leavesOf(path, written);
  const plainForMap = isMapAt(stackConfigSchema, path) && leaves.length === 1 && leaves[0]!.path.length === path.length;
  if (leaves.length > 0 && !plainForMap) return leaves.map((leaf) => leafCommand(leaf, secret)).join(" && ");
  const fixKey = fixTargetAt(stackConfigSchema, path);
  if (fixKey === pathToKey(path)) return setCommand(`${fixKey}.<setting>`, undefined);
  return setCommand(fixKey, exampleAt(stackConfigSchema, keyToPath(fixKey)));
}

/** A top-level value as the engine gives it (objects as JSON text), decoded for carrying. */
export function decodedTopLevel(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : text;
  } catch {
    return text;
  }
}
