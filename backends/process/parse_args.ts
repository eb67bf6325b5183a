/**
 * The command line's flags, read as node:util's parseArgs reads them in
 * strict mode with positionals allowed: `--name value`, `--name=value`, `-x`,
 * grouped short flags (`-hS`), a short flag's value joined or next (`-m512`,
 * `-m 512`), `--` ending the flags, repeatable flags collected in order and
 * the last value of the others kept. Written here rather than imported: the
 * import of node:util loads Deno's Node compatibility scripts at every start,
 * `--help` included (docs/speed.md, "start, 2026-12-06, session 11").
 * A mistake is a TypeError with a `code`, as parseArgs throws, which main.ts
 * prints as one line.
 */

/** One flag: its value's type, a one-letter alias, whether it may repeat. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

type FlagValue<S extends FlagSpec> = S["type"] extends "string"
  ? (S["multiple"] extends true ? string[] : string)
  : (S["multiple"] extends true ? boolean[] : boolean);

/** The flags given, each under its long name; a flag not given is absent. */
export type FlagValues<O extends Record<string, FlagSpec>> = { [K in keyof O]?: FlagValue<O[K]> };

export class ArgsError extends TypeError {
  readonly code = "ERR_PARSE_ARGS";
}

const optionLike = (arg: string) => arg.length > 1 && arg[0] === "-";

export function parseArgs<O extends Record<string, FlagSpec>>(
  args: readonly string[],
  options: O,
): { values: FlagValues<O>; positionals: string[] } {
  const values: Record<string, string | boolean | (string | boolean)[]> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) if (spec.short) byShort.set(spec.short, name);

  const set = (name: string, value: string | boolean) => {
    if (!options[name].multiple) values[name] = value;
    else ((values[name] ??= []) as (string | boolean)[]).push(value);
  };
  const shown = (name: string) => {
    const short = options[name].short;
    return short ? `-${short}, --${name}` : `--${name}`;
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!optionLike(arg)) {
      positionals.push(arg);
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (!Object.hasOwn(options, name)) throw unknown(`--${name}`);
      if (options[name].type === "boolean") {
        if (eq >= 0) throw new ArgsError(`Option '--${name}' does not take an argument`);
        set(name, true);
      } else if (eq >= 0) set(name, arg.slice(eq + 1));
      else set(name, valueAfter(args, i++, shown(name)));
      continue;
    }
    // One or more short flags; a string flag takes the rest of the group or the next argument.
    for (let j = 1; j < arg.length; j++) {
      const name = byShort.get(arg[j]);
      if (name === undefined) throw unknown(`-${arg[j]}`);
      if (options[name].type === "boolean") {
        set(name, true);
        continue;
      }
      if (j + 1 < arg.length) set(name, arg.slice(j + 1));
      else set(name, valueAfter(args, i++, shown(name)));
      break;
    }
  }
  return { values: values as FlagValues<O>, positionals };
}

/** The argument after a string flag: missing, or one that looks like a flag, is a mistake. */
function valueAfter(args: readonly string[], i: number, shown: string): string {
  const value = args[i + 1];
  if (value === undefined) throw new ArgsError(`Option '${shown} <value>' argument missing`);
  if (optionLike(value)) {
    throw new ArgsError(
      `Option '${shown}' argument is ambiguous: to give a value starting with '-', write ${
        shown.split(", ").at(-1)
      }=${value}`,
    );
  }
  return value;
}

function unknown(flag: string): ArgsError {
  return new ArgsError(
    `Unknown option '${flag}'. To give a file name starting with '-', put it after '--'`,
  );
}
