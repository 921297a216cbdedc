/**
 * Compiles a repository glob: `*` matches within one path segment, `**` across segments, `?` one
 * character except `/`. Everything else is literal. `team/*` matches `team/api` but not `team/a/b`.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** True when no globs are given (all repositories) or the repository matches at least one. */
export function repositorySelected(repository: string, globs: readonly string[]): boolean {
  return globs.length === 0 || globs.some((g) => globToRegExp(g).test(repository));
}
