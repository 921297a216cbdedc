/**
 * Boot scripts travel in the instance's user data, and any change of user data stops and starts the instance (EC2
 * applies user data only to a stopped instance). So what ships is the script without what cannot change its
 * behaviour: comment lines, trailing comments, blank lines and indentation. Editing a comment, re-wrapping or
 * re-indenting then leaves user data byte for byte the same; a change of behaviour still changes it.
 *
 * Kept: a `#!` first line and `# shellcheck ...` directives (the shipped script is checked too). Text inside quotes,
 * `$(...)`, `${...}` and `$'...'` is left exactly as written (a `#` there is not a comment). Refused (throws): a
 * here-document (its body is data, whose lines this cannot tell from code) and a comment line after a line
 * continuation (removing it would join two commands).
 */
export function stripShellComments(script: string): string {
  const lines = script.split("\n");
  const out: string[] = [];
  const lexer = new ShellLexer();
  let continued = false;
  lines.forEach((line, index) => {
    const startsInCode = lexer.atTopLevel();
    const commentAt = lexer.scanLine(line);
    if (!startsInCode) {
      // Inside a quoted string (or a construct) that spans lines: data, kept as is.
      out.push(line);
      continued = false;
      return;
    }
    const trimmed = line.trimStart();
    if (index === 0 && trimmed.startsWith("#!")) {
      out.push(line);
      return;
    }
    if (/^#\s*shellcheck\s/.test(trimmed)) {
      out.push(trimmed.replace(/\s+#.*$/, "").trimEnd());
      return;
    }
    // A line that ends inside quotes keeps its trailing blanks: they belong to the string.
    const kept = commentAt === undefined ? line : line.slice(0, commentAt);
    const code = lexer.inQuotes() ? kept.trimStart() : kept.trim();
    if (code === "") {
      if (continued && trimmed.startsWith("#")) {
        throw new Error(`line ${index + 1}: a comment line after a line continuation cannot be removed safely`);
      }
      continued = false;
      return;
    }
    out.push(code);
    continued = code.endsWith("\\") && !code.endsWith("\\\\");
  });
  return `${out.join("\n")}\n`;
}

type Context = "code" | "subst" | "brace" | "double" | "single" | "ansi" | "backtick";

/** Just enough of bash's quoting rules to know, per line, where a comment starts and whether a line ends in data. */
class ShellLexer {
  private stack: Context[] = ["code"];

  atTopLevel(): boolean {
    return this.stack.length === 1;
  }

  inQuotes(): boolean {
    return this.stack.some((c) => c === "single" || c === "double" || c === "ansi");
  }

  /** Advances over one line; returns the column where a comment starts in it, if one does. */
  scanLine(line: string): number | undefined {
    let comment: number | undefined;
    for (let i = 0; i < line.length && comment === undefined; i++) {
      const c = line[i]!;
      const next = line[i + 1];
      const top = this.stack[this.stack.length - 1]!;
      switch (top) {
        case "single":
          if (c === "'") this.stack.pop();
          break;
        case "ansi":
          if (c === "\\") i++;
          else if (c === "'") this.stack.pop();
          break;
        case "double":
          if (c === "\\") i++;
          else if (c === '"') this.stack.pop();
          else if (c === "$" && (next === "(" || next === "{")) i += this.open(next === "(" ? "subst" : "brace");
          else if (c === "`") this.stack.push("backtick");
          break;
        case "brace":
          if (c === "\\") i++;
          else if (c === "}") this.stack.pop();
          else i += this.quoteOrExpansion(c, next);
          break;
        default: {
          // code, subst, backtick
          if (c === "\\") {
            i++;
          } else if (c === "#" && (i === 0 || /[\s;&|()]/.test(line[i - 1]!))) {
            comment = i;
          } else if (top === "subst" && c === ")") {
            this.stack.pop();
          } else if (top === "subst" && c === "(") {
            this.stack.push("subst");
          } else if (top === "backtick" && c === "`") {
            this.stack.pop();
          } else if (c === "<" && next === "<" && line[i + 2] !== "<" && line[i - 1] !== "<") {
            throw new Error(`here-documents cannot be stripped safely: ${line.trim()}`);
          } else {
            i += this.quoteOrExpansion(c, next);
          }
        }
      }
    }
    return comment;
  }

  /** Enters a two-character construct (`$(`, `${`, `$'`); returns how many extra characters it consumed. */
  private open(context: Context): number {
    this.stack.push(context);
    return 1;
  }

  /** Enters a quote or expansion starting at `c`; returns how many extra characters it consumed. */
  private quoteOrExpansion(c: string, next: string | undefined): number {
    if (c === "'") this.stack.push("single");
    else if (c === '"') this.stack.push("double");
    else if (c === "`") this.stack.push("backtick");
    else if (c === "$" && next === "'") return this.open("ansi");
    else if (c === "$" && next === "(") return this.open("subst");
    else if (c === "$" && next === "{") return this.open("brace");
    return 0;
  }
}
