/**
 * Picks `count` distinct availability zones, in the region's order. Subnets of one kind must sit in distinct AZs
 * (RDS subnet groups need two; a second public subnet in the same AZ adds no resilience).
 */
export function pickZones(available: readonly string[], count: number, setting: string): string[] {
  if (available.length < count) {
    throw new Error(
      `${setting} asks for ${count} subnets in distinct availability zones, but the region offers only ` +
        `${available.length} (${available.join(", ") || "none"}). Lower ${setting} or choose another aws.region.`,
    );
  }
  return available.slice(0, count);
}
