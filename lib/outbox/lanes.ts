import type { Job } from '../store/jobs';

/**
 * Splits one claim into what runs one after another: the jobs of one installation and room, in id
 * order (a room's calls one at a time, so a crash leaves at most one of them half done); every job
 * without a room on its own.
 */
export function lanesOf(jobs: Job[]): Job[][] {
  const lanes = new Map<string, Job[]>();
  for (const job of [...jobs].sort((a, b) => a.id - b.id)) {
    const key = job.roomId !== null ? `${job.installationId}|${job.roomId}` : `job:${job.id}`;
    const lane = lanes.get(key);
    if (lane) lane.push(job);
    else lanes.set(key, [job]);
  }
  return [...lanes.values()];
}
