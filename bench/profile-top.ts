import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `npx tsx bench/profile-top.ts <file.cpuprofile> [n]`: the functions with the most self time in a
// V8 CPU profile (from `BENCH_CPU_PROF=<dir> npm run bench`), and the share of time under a few
// call sites worth knowing about (total time: the frame or anything it calls): the JWT check, the
// who-may-join answer, the /oncall handler, the JSON body reader (onEnd), zod, helmet, body-parser.
// Shares are of the busy time: samples where the process was idle are left out.

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-top.ts <file.cpuprofile> [n]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
const total = [...self.values()].reduce((a, b) => a + b, 0) - idle;

const where = (node: Node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(REPO_ROOT, '');
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
};

const selfByFrame = new Map<string, number>();
for (const [id, time] of self) {
  const node = byId.get(id);
  if (node && node.callFrame.functionName !== '(idle)') selfByFrame.set(where(node), (selfByFrame.get(where(node)) ?? 0) + time);
}
const pct = (time: number) => `${((100 * time) / total).toFixed(1).padStart(5)} %`;
console.log(`${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle\n\nself time, share of busy time:`);
for (const [frame, time] of [...selfByFrame].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(time)}  ${frame}`);

// Total time under frames whose name matches: each sample counted once per pattern.
const patterns = [
  'verifyJwt',
  'createPublicKey',
  'nobodyWaits',
  'userEnteredRoom',
  'onRoomMessage',
  'onEnd',
  'parseWebhook',
  'helmet|helmetMiddleware',
  'jsonParser',
  '(garbage collector)',
];
console.log('\ntotal time under:');
for (const pattern of patterns) {
  const re = new RegExp(`^(${pattern})$`);
  let time = 0;
  for (const [id, t] of self) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (re.test(byId.get(at)?.callFrame.functionName ?? '')) {
        time += t;
        break;
      }
    }
  }
  console.log(`${pct(time)}  ${pattern}`);
}
