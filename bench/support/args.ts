// Tiny command-line flag reader for the benchmarks: `--name value`, `--name=value` and bare `--flag`.

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
  const parse = (name: string, text: string): number => {
    const n = Number(text.replace(/_/g, ''));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    number: (name, fallback) => (values.has(name) ? parse(name, values.get(name)!) : fallback),
    numbers: (name, fallback) => (values.has(name) ? values.get(name)!.split(',').map((t) => parse(name, t)) : fallback),
    string: (name) => values.get(name),
    has: (name) => values.has(name),
  };
}
