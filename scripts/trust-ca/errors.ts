/** Input the CLI refuses with exit 2: missing or masked outputs, an address that is not the stack's registry. */
export class TrustInputError extends Error {
  override name = "TrustInputError";
}
