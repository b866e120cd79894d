import { startHipChatSim } from './server';

const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer between 0 and 65535, got ${process.env.PORT}`);
  process.exit(1);
}

const sim = await startHipChatSim({ port });
console.log(`HipChat simulator listening on ${sim.baseUrl} (capabilities: ${sim.capabilitiesUrl})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('HipChat simulator: close failed', err);
        process.exit(1);
      },
    );
  });
}
