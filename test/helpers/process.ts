import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A free port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface AddonProcess {
  child: ChildProcess;
  output: string[];
  /** Resolves with the exit signal or code. */
  exited: Promise<string>;
}

/** `npm start` as a newcomer runs it (tsx app.ts), with the given environment, ready when /readyz answers. */
export async function spawnAddon(env: Record<string, string>, port: number): Promise<AddonProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`the add-on exited: ${output.join('')}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    'the add-on answers /readyz',
    30_000,
    100,
  );
  return { child, output, exited };
}
