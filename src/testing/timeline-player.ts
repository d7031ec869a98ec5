import type { SchedulerLike, Subscription } from 'rxjs';
import type { JobPlayer, ScriptedState, ScriptMove } from '../emulator/job-player.js';
import type { JobTimeline } from './timelines.js';

/** The moments of a timeline in time order, each with its chunks (in order) and its state. */
function momentsOf(timeline: JobTimeline): Array<{ at: number; chunks: unknown[]; state?: ScriptedState }> {
  const moments = new Map<number, { at: number; chunks: unknown[]; state?: ScriptedState }>();
  const at = (time: number) => {
    let moment = moments.get(time);
    if (!moment) {
      moment = { at: time, chunks: [] };
      moments.set(time, moment);
    }
    return moment;
  };
  for (const chunk of timeline.chunks) at(chunk.at).chunks.push(chunk.output);
  for (const step of timeline.steps) at(step.at).state = step.state;
  return [...moments.values()].sort((a, b) => a.at - b.at);
}

/**
 * Plays {@link JobTimeline}s on the simulated RunPod's engine (the test kit's fake endpoint):
 * each job's states and chunks at their times from its creation, all of one moment at once
 * (a chunk and the state of the same ms are seen together). A cancel keeps the `delayTime` of
 * the state shown; `/health` counts one idle worker while nothing runs.
 * @param scheduler the virtual clock.
 * @param timelineOf the timeline of a job, by id.
 */
export function timelinePlayer(scheduler: SchedulerLike, timelineOf: (jobId: string) => JobTimeline): JobPlayer {
  return {
    play(job, move) {
      const actions: Subscription[] = [];
      for (const moment of momentsOf(timelineOf(job.id))) {
        const step: ScriptMove = { chunks: moment.chunks, state: moment.state };
        if (moment.at <= 0) move(step);
        else actions.push(scheduler.schedule(() => move(step), moment.at));
      }
      return {
        stop: () => {
          for (const action of actions.splice(0)) action.unsubscribe();
        },
        cancelled: () => {
          const delayTime = job.shown?.delayTime;
          return delayTime === undefined ? { status: 'CANCELLED' } : { status: 'CANCELLED', delayTime };
        },
      };
    },
    workers: (running) => ({ idle: running > 0 ? 0 : 1, running }),
  };
}
