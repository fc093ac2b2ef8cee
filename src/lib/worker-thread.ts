// Starts a worker thread from a module next to the caller: the .js file once compiled; under tsx, the .ts file.
// Node 20 workers do inherit `--import tsx`, but tsx 4 installs its hooks only on the main thread before Node 22.22
// (it needs worker_threads.isInternalThread), so a bare `new Worker(new URL('./x.ts', import.meta.url))` fails there
// with ERR_UNKNOWN_FILE_EXTENSION. The worker therefore starts from a small ESM bootstrap that imports the .ts file
// and, only when the runtime cannot load it, registers tsx in that thread and imports it again (under a fresh URL,
// since a failed import stays cached). Registering costs ~0.3 s per worker.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `moduleUrl`: the worker module's URL as written in the source, ending in .ts (the .js twin is used when compiled). */
export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const compiled = !import.meta.url.endsWith('.ts');
  const file = compiled ? new URL(moduleUrl.href.replace(/\.ts$/, '.js')) : moduleUrl;
  if (compiled) return new Worker(file, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = [
    `const file = ${JSON.stringify(file.href)};`,
    'try { await import(file); } catch (e) {',
    "  if (e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;",
    `  const { register } = await import(${JSON.stringify(tsxApi)});`,
    '  register();',
    "  await import(file + '?tsx');",
    '}',
  ].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
