import type { StackItem } from "./define";
import { knownStrings } from "./values";

/**
 * The resources among `candidates` that `from.props[prop]` refers to (an RDS instance's security groups, a flow
 * log's VPC, ...). Ids are provider outputs that neither a preview nor the offline plan knows for the referenced
 * resource itself, so the link is found, in order, through:
 * 1. CrossGuard's per-property dependencies (`propertyDependencies[prop]`);
 * 2. a value of `prop` equal to one of the candidate's `nameFields` (names we set ourselves, e.g. a parameter group);
 * 3. the resource's dependencies (the offline plan records input dependencies per resource, not per property).
 */
export function referenced(
  from: StackItem,
  prop: string,
  candidates: StackItem[],
  nameFields: string[] = [],
): StackItem[] {
  const viaProperty = from.propertyDependencies[prop] ?? [];
  if (viaProperty.length > 0) return candidates.filter((c) => viaProperty.includes(c.urn));

  const values = knownStrings(from.props[prop]);
  if (values.length > 0 && nameFields.length > 0) {
    const byName = candidates.filter((c) => nameFields.some((f) => values.includes(String(c.props[f]))));
    if (byName.length > 0) return byName;
  }
  return candidates.filter((c) => from.dependencies.includes(c.urn));
}
