export type DnsRecordType = "A" | "AAAA" | "CNAME" | "TXT" | "MX" | "CAA";

/** One record set to publish, relative to the zone. `values: "host-ip"` means the host's public IP (known at deploy). */
export interface DnsRecordSpec {
  /** Name relative to the zone: `www`, `_dmarc`, or `@` for the apex. */
  name: string;
  type: DnsRecordType;
  ttl: number;
  values: string[] | "host-ip";
}

export interface DnsRecordsInput {
  domain: string;
  /** Label of the A record that points at the host (the seed's `cname`). */
  hostRecordName: string;
  /** Site labels (`docker`, `www`, ...): each becomes a CNAME to the host record. */
  siteNames: string[];
  ttl: number;
  extraRecords: { name: string; type: DnsRecordType; values: string[]; ttl?: number }[];
}

/**
 * The records of the zone (mission-brief row 6): an A record to the host, a CNAME per site to that A record, then the
 * extra records. The same list feeds every backend (Route53, Azure DNS). Throws when two records collide.
 */
export function planDnsRecords(input: DnsRecordsInput): DnsRecordSpec[] {
  const hostFqdn = `${input.hostRecordName}.${input.domain}`;
  const records: DnsRecordSpec[] = [
    { name: input.hostRecordName, type: "A", ttl: input.ttl, values: "host-ip" },
    ...[...input.siteNames]
      .sort()
      .map((site) => ({ name: site, type: "CNAME" as const, ttl: input.ttl, values: [hostFqdn] })),
    ...input.extraRecords.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl ?? input.ttl, values: r.values })),
  ];
  const seen = new Map<string, DnsRecordType>();
  for (const r of records) {
    const previous = [...seen.entries()].find(([name]) => name === r.name);
    if (previous && (previous[1] === "CNAME" || r.type === "CNAME" || previous[1] === r.type)) {
      throw new Error(
        `dns.extraRecords: record "${r.name}" (${r.type}) collides with an existing ${previous[1]} record of the same name ` +
          `(a CNAME cannot share its name; a record type appears once per name: put all values in one entry).`,
      );
    }
    seen.set(r.name, r.type);
  }
  return records;
}

/** Fully qualified name of a relative record name. */
export function fqdn(name: string, domain: string): string {
  return name === "@" ? domain : `${name}.${domain}`;
}

/** Route53 wants TXT values quoted and split into 255-character strings. */
export function route53Values(type: DnsRecordType, values: string[]): string[] {
  if (type !== "TXT") return values;
  return values.map((v) => (v.match(/.{1,255}/g) ?? [""]).map((chunk) => `"${chunk.replace(/"/g, '\\"')}"`).join(" "));
}
