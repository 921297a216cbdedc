import bcrypt from "bcryptjs";

/** Registry basic-auth credentials, as the registry reads them. */

export interface RegistryCredential {
  user: string;
  /** bcrypt hash (`$2a$` / `$2b$` / `$2y$`) of the user's password. */
  bcryptHash: string;
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/**
 * bcrypt cost of the registry's htpasswd hashes: 4, the lowest golang.org/x/crypto/bcrypt accepts (`MinCost = 4`,
 * bcrypt.go), which the registry (distribution's htpasswd, auth/htpasswd/htpasswd.go) calls with no cache on EVERY
 * request. The passwords are 32 random characters from 62 (about 190 bits): no work factor adds anything against
 * guessing them, so the cost only sets what each request pays. See docs/registry-auth.md.
 */
export const REGISTRY_BCRYPT_COST = 4;

/** Bytes of the bcrypt salt (bcrypt takes exactly 16). */
export const REGISTRY_SALT_BYTES = 16;

/**
 * The bcrypt hash of a registry password with a salt kept in state (16 bytes, base64, e.g. `random.RandomBytes`'s
 * `base64`): the same password and salt always give the same hash, so a second `up` changes nothing. Throws when the
 * salt is not 16 bytes or the password is empty.
 */
export function registryPasswordHash(password: string, saltBase64: string, cost = REGISTRY_BCRYPT_COST): string {
  if (password.length === 0) throw new Error("registry password hash: the password is empty");
  const salt = Buffer.from(saltBase64, "base64");
  if (salt.length !== REGISTRY_SALT_BYTES) {
    throw new Error(`registry password hash: the salt must be ${REGISTRY_SALT_BYTES} bytes, got ${salt.length}`);
  }
  const costText = String(cost).padStart(2, "0");
  return bcrypt.hashSync(password, `$2a$${costText}$${bcrypt.encodeBase64(salt, REGISTRY_SALT_BYTES)}`);
}

/** One `user:hash` htpasswd line exactly as the hosts get it (no newline). */
export function registryHtpasswdLine(user: string, password: string, saltBase64: string): string {
  return htpasswdOf([{ user, bcryptHash: registryPasswordHash(password, saltBase64) }]).trimEnd();
}

/**
 * The htpasswd file: one `user:hash` line per user, in the given order, newline-terminated. Only bcrypt hashes are
 * accepted (the registry rejects anything else, and a missing file makes it invent a default user).
 */
export function htpasswdOf(credentials: RegistryCredential[]): string {
  if (credentials.length === 0) throw new Error("the registry needs at least one user (registry.users)");
  const seen = new Set<string>();
  return credentials
    .map(({ user, bcryptHash }) => {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(user)) throw new Error(`registry user "${user}" is not a valid user name`);
      if (seen.has(user)) throw new Error(`registry user "${user}" is listed twice`);
      seen.add(user);
      if (!BCRYPT.test(bcryptHash)) throw new Error(`the password hash of registry user "${user}" is not bcrypt`);
      return `${user}:${bcryptHash}\n`;
    })
    .join("");
}
