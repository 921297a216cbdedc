/** Registry basic-auth credentials, as the registry reads them. */

export interface RegistryCredential {
  user: string;
  /** bcrypt hash (`$2a$` / `$2b$` / `$2y$`) of the user's password. */
  bcryptHash: string;
}

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

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
