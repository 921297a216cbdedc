import { RegistryError } from "./errors.js";

// distribution's reference grammar, from github.com/distribution/reference (regexp.go and reference.go, the module
// distribution v3 names repositories with; the same rules as distribution 2.x's reference/regexp.go):
//   alphanumeric  = [a-z0-9]+
//   separator     = (?:[._]|__|[-]+)
//   pathComponent = alphanumeric (separator alphanumeric)*
//   remoteName    = pathComponent ("/" pathComponent)*
//   NameTotalLengthMax = 255
//   tag           = [\w][\w.-]{0,127}
//   digestPat     = [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}
// The optional `domain[:port]/` prefix of a full reference is not part of a repository's name in the registry's
// API, so it is not accepted here: a name with uppercase letters or a colon is refused.

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** One path component of a repository name (a directory of the storage's repositories tree). */
export const REPOSITORY_COMPONENT = new RegExp(`^${PATH_COMPONENT}$`);
/** distribution's `NameTotalLengthMax`. */
export const NAME_TOTAL_LENGTH_MAX = 255;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** Longer than any digest algorithm in use (sha512: 7 + 128 characters); bounds the work on a hostile string. */
const DIGEST_LENGTH_MAX = 256;

/**
 * True when `name` is a repository name the registry can hold. Anything else (`../x`, `%2e%2e`, `a//b`, uppercase,
 * percent-encoding at all) could be normalised by the registry or a proxy in front of it into another repository's
 * URL, and slip past `--repo`.
 */
export function isRepositoryName(name: string): boolean {
  return name.length <= NAME_TOTAL_LENGTH_MAX && REPOSITORY.test(name);
}

export function isTagName(tag: string): boolean {
  return TAG.test(tag);
}

export function isDigest(digest: string): boolean {
  return digest.length <= DIGEST_LENGTH_MAX && DIGEST.test(digest);
}

/** Shows a hostile string in a one-line message: quoted, control characters escaped, at most 80 characters. */
export function quoteName(s: string): string {
  const shown = s.length > 80 ? `${s.slice(0, 80)}...` : s;
  return JSON.stringify(shown);
}

/**
 * Throws a fatal `invalid` RegistryError unless `name` is a valid repository name. `where` says where the name came
 * from (e.g. `GET /v2/_catalog`).
 */
export function assertRepositoryName(name: string, where: string): void {
  if (isRepositoryName(name)) return;
  throw new RegistryError(
    "invalid",
    `${where}: repository name ${quoteName(name)} breaks distribution's name grammar (lowercase path components ` +
      `[a-z0-9] joined by ".", "_", "__" or "-", separated by "/", at most ${NAME_TOTAL_LENGTH_MAX} characters): ` +
      "the registry is broken or hostile",
  );
}

/** Throws a fatal `invalid` RegistryError unless `tag` is a valid tag name. */
export function assertTagName(tag: string, where: string): void {
  if (isTagName(tag)) return;
  throw new RegistryError(
    "invalid",
    `${where}: tag ${quoteName(tag)} breaks distribution's tag grammar ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}): ` +
      "the registry is broken or hostile",
  );
}

/** Throws a fatal `invalid` RegistryError unless `reference` is a valid tag or digest. */
export function assertReference(reference: string, where: string): void {
  if (isTagName(reference) || isDigest(reference)) return;
  throw new RegistryError(
    "invalid",
    `${where}: ${quoteName(reference)} is neither a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) nor a digest ` +
      "(algorithm:hex): the registry is broken or hostile",
  );
}
