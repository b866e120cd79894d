import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// A benchmark peer in its own process, so the load generator (this process) and the server under
// test each get a core. Requests and answers are `{id, cmd, arg}` / `{id, ok, result | error}`
// over the IPC channel; the child announces itself with `{ready: info}`.

type Handler = (arg: unknown) => unknown;

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Child<Info> {
  info: Info;
  pid: number;
  call<T = unknown>(cmd: string, arg?: unknown): Promise<T>;
  /** Asks the child to clean up and exit; kills it if it has not gone after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 60_000;

/** Runs `bench/procs/<name>.ts` under tsx with --expose-gc; its stdout goes to /dev/null (where the add-on's logs go). */
export async function startChild<Info>(name: string, env: Record<string, string> = {}): Promise<Child<Info>> {
  const file = fileURLToPath(new URL(`./procs/${name}.ts`, import.meta.url));
  const child = fork(file, [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let nextId = 1;

  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it was ready`));
    });
    child.on('message', (message: { ready?: Info } & Partial<Reply>) => {
      if (message.ready !== undefined) {
        clearTimeout(timer);
        resolve(message.ready);
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error ?? 'failed'}`));
    });
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${name} exited`));
    }
    pending.clear();
  });

  return {
    info,
    pid: child.pid ?? -1,
    call<T>(cmd: string, arg?: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} took over ${CALL_TIMEOUT_MS} ms`));
        }, CALL_TIMEOUT_MS);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ id, cmd, arg });
      });
    },
    close: (graceMs = 10_000) => stopChild(child, graceMs),
  };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ id: 0, cmd: 'close' });
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The child's side: answers commands with `handlers`, plus `usage` (CPU and memory) and `gc`; `close`
 * runs `onClose` and exits. The child also exits when the parent goes away.
 */
export function serveParent(info: unknown, handlers: Record<string, Handler>, onClose: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('run this file through bench/ipc.ts startChild, not directly');
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    try {
      await onClose();
    } finally {
      process.exit(0);
    }
  };
  const all: Record<string, Handler> = { usage, gc: () => collectGarbage(), ...handlers };
  process.on('message', async (message: { id: number; cmd: string; arg?: unknown }) => {
    if (message.cmd === 'close') return void close();
    const handler = all[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      send({ id: message.id, ok: true, result: await handler(message.arg) });
    } catch (err) {
      send({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
  process.on('disconnect', () => void close());
  send({ ready: info });
}

export interface Usage {
  /** process.cpuUsage(): user + system, µs. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

function usage(): Usage {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuMicros: cpu.user + cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external };
}

function collectGarbage(): Usage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('gc is not exposed (--expose-gc)');
  gc();
  gc();
  return usage();
}
