export type RegistryErrorKind = "unreachable" | "auth" | "delete-disabled" | "limit" | "invalid" | "http";

/**
 * A registry failure with a one-line, actionable message. Every kind but `http` is fatal (exit 2): `limit` is a cap
 * of the run reached, `invalid` a name or digest from the registry that distribution's grammar forbids.
 */
export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
