// CloudWatch logs of a task: the awslogs stream name, following it, and its tail.
import { GetLogEventsCommand, type CloudWatchLogsClient, type GetLogEventsCommandOutput } from "@aws-sdk/client-cloudwatch-logs";
import { systemClock, withRetry, type Clock } from "./backoff.js";
import { InputError, aws, errorName } from "./errors.js";

/** How many lines of log a failed run shows. */
export const TAIL_LINES = 50;

/** The task id: the last segment of a task ARN (`arn:aws:ecs:…:task/<cluster>/<id>`). */
export function taskIdFromArn(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf("/") + 1);
}

/** The awslogs stream of a task's container: `<prefix>/<container>/<task id>`. */
export function logStreamName(prefix: string, containerName: string, taskArn: string): string {
  return `${prefix}/${containerName}/${taskIdFromArn(taskArn)}`;
}

function lines(res: GetLogEventsCommandOutput): string[] {
  return (res.events ?? []).map((e) => (e.message ?? "").replace(/\r?\n$/, ""));
}

async function getEvents(
  logs: CloudWatchLogsClient,
  clock: Clock,
  input: ConstructorParameters<typeof GetLogEventsCommand>[0],
): Promise<GetLogEventsCommandOutput | undefined> {
  try {
    return await aws({ action: `reading log stream ${input.logGroupName}:${input.logStreamName}` }, () =>
      withRetry(() => logs.send(new GetLogEventsCommand(input)), { attempts: 6, policy: { baseMs: 500, maxMs: 10_000 }, clock }),
    );
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (errorName(cause) === "ResourceNotFoundException") {
      if (/log group/i.test((cause as Error).message)) {
        throw new InputError(`log group ${input.logGroupName} does not exist: check the stack's LogGroupName or --log-group`, { cause });
      }
      // The stream appears only once the container has started writing.
      return undefined;
    }
    throw err;
  }
}

/** Follows one log stream from its start: each {@link LogFollower.poll} returns the lines added since the last. */
export class LogFollower {
  private token: string | undefined;

  constructor(
    private readonly logs: CloudWatchLogsClient,
    readonly group: string,
    readonly stream: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async poll(): Promise<string[]> {
    const out: string[] = [];
    for (let page = 0; page < 1000; page++) {
      const res = await getEvents(this.logs, this.clock, {
        logGroupName: this.group,
        logStreamName: this.stream,
        startFromHead: true,
        ...(this.token && { nextToken: this.token }),
      });
      if (!res) break;
      out.push(...lines(res));
      // At the end of the stream GetLogEvents hands back the token it was given.
      const done = res.nextForwardToken === undefined || res.nextForwardToken === this.token;
      this.token = res.nextForwardToken ?? this.token;
      if (done || (res.events ?? []).length === 0) break;
    }
    return out;
  }
}

/** The last `n` lines of a log stream (none when it does not exist). */
export async function logTail(
  logs: CloudWatchLogsClient,
  group: string,
  stream: string,
  n = TAIL_LINES,
  clock: Clock = systemClock,
): Promise<string[]> {
  const res = await getEvents(logs, clock, { logGroupName: group, logStreamName: stream, startFromHead: false, limit: n });
  return res ? lines(res).slice(-n) : [];
}
