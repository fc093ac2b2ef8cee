// Tiny command-line flag reader for the benchmarks: `--name value`, `--name=value` and bare `--flag`. A flag the
// benchmark never asked for is named on stderr when it ends (a typo, or a flag renamed since, e.g. --copy-runs, now
// --pairs): not an error, since `npm run bench a b -- --flag` hands the same flags to every benchmark named.

export interface Flags {
  number(name: string, fallback: number): number;
  numbers(name: string, fallback: number[]): number[];
  string(name: string): string | undefined;
  has(name: string): boolean;
}

export function readFlags(argv: readonly string[] = process.argv.slice(2)): Flags {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) values.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.set(a.slice(2), argv[++i]!);
    else values.set(a.slice(2), '');
  }
  const asked = new Set<string>();
  process.once('exit', () => {
    const unread = [...values.keys()].filter((name) => !asked.has(name));
    if (unread.length) process.stderr.write(`bench: ignored ${unread.map((n) => `--${n}`).join(', ')} (not a flag of this benchmark)\n`);
  });
  const get = (name: string) => {
    asked.add(name);
    return values.get(name);
  };
  const parse = (name: string, text: string): number => {
    const n = Number(text.replace(/_/g, ''));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    number: (name, fallback) => {
      const text = get(name);
      return text === undefined ? fallback : parse(name, text);
    },
    numbers: (name, fallback) => {
      const text = get(name);
      return text === undefined ? fallback : text.split(',').map((t) => parse(name, t));
    },
    string: (name) => get(name),
    has: (name) => get(name) !== undefined,
  };
}
