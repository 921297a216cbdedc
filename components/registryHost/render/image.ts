/**
 * The registry image the host runs by default: distribution v3.0.0, the official image, pinned by the digest of its
 * multi-platform index. A tag can be moved on Docker Hub; the digest cannot, so the host runs exactly these bytes
 * (Docker checks the digest on pull). The tag stays for readers. The digest was taken from independent public
 * projects that pin the same reference (it could not be read from Docker Hub on the machine that wrote this): check
 * it with `docker buildx imagetools inspect registry:3.0.0` and move tag and digest together when you upgrade.
 */
export const DEFAULT_REGISTRY_IMAGE =
  "registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e";

// The reference grammar of distribution (reference/regexp.go), narrowed: every path component starts with a lower-case
// letter or digit (so nothing can start with "-" and be read as a docker option), an optional registry host[:port].
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN =
  "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d{1,5})?/)";
const TAG = ":[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
const DIGEST = "@sha256:[0-9a-f]{64}";

/** `name:tag`, `name@sha256:<64 hex>` or `name:tag@sha256:<64 hex>`; never a bare name. */
export const PINNED_IMAGE_REFERENCE = new RegExp(
  `^${DOMAIN}?${COMPONENT}(?:/${COMPONENT})*(?:${TAG}(?:${DIGEST})?|${DIGEST})$`,
);

/** What is wrong with an image reference as a pinned registry image, or undefined. */
export function pinnedImageProblem(image: string): string | undefined {
  if (!PINNED_IMAGE_REFERENCE.test(image)) {
    return (
      "must name an image pinned by tag and/or digest, each name part starting with a lower-case letter or digit " +
      "(e.g. registry:3.0.0@sha256:<64 hex digits>)"
    );
  }
  if (/:latest(@|$)/.test(image)) return "must not use the floating tag latest: pin a version";
  return undefined;
}
