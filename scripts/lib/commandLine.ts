import { parseArgs, type ParseArgsConfig } from "node:util";
import { suggest } from "../../stacks/config/suggest";

/** A command line the tool cannot use; its message is written for the person who typed it (no usage appended). */
export class CommandLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandLineError";
  }
}

/**
 * `util.parseArgs` (strict) with messages written for people. Node's own messages leak its internals ("argument is
 * ambiguous", an unbalanced quote after a mistyped option); this checks the tokens first and throws a
 * CommandLineError that says what is wrong: an unknown option (with the nearest known one), an option without its
 * value, a value given to a switch, an unexpected argument. A value that starts with a dash but is not an option
 * (`--keep -1`) is taken as the value, as a person means it.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const options = config.options ?? {};
  const { tokens } = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  const known = Object.keys(options);
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const isOption = (arg: string) =>
    (arg.startsWith("--") && known.includes(arg.slice(2).split("=")[0]!)) ||
    (/^-[A-Za-z]$/.test(arg) && shorts.has(arg.slice(1)));
  const args: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === "option-terminator") {
      args.push("--");
    } else if (token.kind === "positional") {
      if (!config.allowPositionals) throw new CommandLineError(`unexpected argument "${token.value}"`);
      args.push(token.value);
    } else {
      const option = options[token.name];
      if (!option) {
        const near = suggest(token.name, known);
        throw new CommandLineError(
          `unknown option ${token.rawName}${near ? ` (did you mean --${near}?)` : ""}; known options: ${known
            .map((k) => `--${k}`)
            .join(", ")}`,
        );
      }
      if (option.type === "boolean") {
        if (token.value !== undefined) throw new CommandLineError(`--${token.name} is a switch and takes no value`);
        args.push(`--${token.name}`);
      } else {
        if (token.value === undefined || (!token.inlineValue && isOption(token.value))) {
          throw new CommandLineError(`--${token.name} needs a value: --${token.name} <value>`);
        }
        args.push(`--${token.name}=${token.value}`);
      }
    }
  }
  return parseArgs({ ...config, args, strict: true }) as ReturnType<typeof parseArgs<T>>;
}
