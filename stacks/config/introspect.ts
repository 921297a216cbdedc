import type { z } from "zod";

/** The schema wrapped by optional/default/pipe wrappers, or undefined. */
export function unwrap(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as unknown as { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
  if (def.innerType) return def.innerType;
  // `z.preprocess(fn, schema)` is a pipe from a transform into the schema that describes the setting.
  if (def.type === "pipe") return def.in?._zod.def.type === "transform" ? def.out : def.in;
  return undefined;
}

/** The schema of one field / element / record value below `schema`. */
export function child(schema: z.ZodType, part: PropertyKey): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  while (s) {
    const def = s._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      valueType?: z.ZodType;
    };
    if (def.type === "object" && def.shape) return def.shape[String(part)];
    if (def.type === "array") return def.element;
    if (def.type === "record") return def.valueType;
    s = unwrap(s);
  }
  return undefined;
}

/**
 * Every setting's dotted key (`network.vpcCidr`, `dns.extraRecords`, ...): object fields are walked, arrays,
 * records and scalars are leaves. Used to check that docs/configuration.md documents every setting.
 */
export function settingKeys(schema: z.ZodType, prefix = ""): string[] {
  let s: z.ZodType | undefined = schema;
  while (s) {
    const def = s._zod.def as unknown as { type: string; shape?: Record<string, z.ZodType> };
    if (def.type === "object" && def.shape) {
      return Object.entries(def.shape).flatMap(([k, v]) => settingKeys(v, prefix ? `${prefix}.${k}` : k));
    }
    s = unwrap(s);
  }
  return [prefix];
}

/** The field names of the object schema below optional/default wrappers (empty when it is not an object). */
export function fieldNames(schema: z.ZodType | undefined): string[] {
  let s = schema;
  while (s) {
    const def = s._zod.def as unknown as { type: string; shape?: Record<string, z.ZodType> };
    if (def.type === "object" && def.shape) return Object.keys(def.shape);
    s = unwrap(s);
  }
  return [];
}
