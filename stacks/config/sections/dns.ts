import { z } from "zod";
import { digitText, dnsLabel, domainName } from "./common";

const recordName = z
  .string()
  .regex(/^(@|\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/, {
    message: "must be a record name relative to the zone (e.g. www, _dmarc, or @ for the apex)",
  });

/** An extra record published in the zone (mail authentication, verification TXT, ...). */
export const extraRecord = z
  .object({
    name: recordName.meta({ example: "_dmarc" }),
    type: z.enum(["A", "AAAA", "CNAME", "TXT", "MX", "CAA"]).meta({ example: "TXT" }),
    values: z
      .array(digitText(z.string().min(1)))
      .min(1, "must hold at least one value")
      .meta({ example: "v=DMARC1; p=none" }),
    ttl: z.number().int().min(30).max(604800).optional().meta({ example: "300" }),
  })
  .strict()
  .refine((r) => r.type !== "CNAME" || r.values.length === 1, {
    message: "a CNAME record holds exactly one value",
    path: ["values"],
  })
  .refine((r) => r.type !== "CNAME" || r.name !== "@", {
    message: "the zone apex (@) cannot be a CNAME",
    path: ["name"],
  });

/** `dns`: the zone, its A record and CNAMEs. */
export const dnsSection = z
  .object({
    /** Create the zone and records. Defaults to false in dev, true in prod. */
    enabled: z.boolean().meta({ example: "true" }),
    /** route53 or azure. Defaults to route53. */
    provider: z.enum(["route53", "azure"]).default("route53").meta({ example: "route53" }),
    /** The domain bought at a registrar, e.g. example.com. Required when DNS is enabled. */
    domain: domainName.optional().meta({ example: "example.com" }),
    /** Label of the A record that points at the host; the site CNAMEs point at it. Defaults to cname (as in the hand-built setup). */
    hostRecordName: dnsLabel.default("cname").meta({ example: "cname" }),
    /** TTL of the records in seconds. Defaults to 300. */
    ttl: z.number().int().min(30).max(604800).default(300).meta({ example: "300" }),
    /** Extra records. Defaults to none. */
    extraRecords: z.array(extraRecord).default([]),
  })
  .strict();
