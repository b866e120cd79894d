import { startXMattersSim } from './server';

// Starts the xMatters simulator on PORT (default: a free port) and prints what to paste where.

const port = Number(process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}".`);
  process.exit(1);
}

const sim = await startXMattersSim({ port });
console.log(`xMatters simulator listening on ${sim.baseUrl}
  hostname (Configure tab)   ${sim.hostname}   (add it to XMATTERS_ALLOWED_HOSTS; type it as http://${sim.hostname})
  username / password        ${sim.credentials.username} / ${sim.credentials.password}
  Invite to Room URL         ${sim.inviteUrl}   (the default plan; or import the add-on's plan on the Developer tab)
  ... with URL auth          ${sim.inviteUrlWithApiKey}
  Developer tab              ${sim.baseUrl}/developer   (admin / admin-pass acts here)
  events                     ${sim.baseUrl}/events
  responder inbox            ${sim.inboxUrl}/bsmith
  faults                     curl -X POST ${sim.baseUrl}/_sim/faults -H 'Content-Type: application/json' -d '{"down":true}'`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
