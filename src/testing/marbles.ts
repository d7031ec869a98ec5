/** One value of a marble diagram: the frame (ms) it is at and the character naming it. */
export interface MarbleEvent {
  readonly frame: number;
  readonly key: string;
}

/**
 * Parses a marble diagram the way `cold()` does inside `TestScheduler.run`: one frame is 1 ms,
 * `-` and every value advance one frame, spaces are ignored, `(ab)` puts values on one frame,
 * `10ms` / `2s` / `1m` (after a space or at the start, followed by a space) advance time, `|`
 * ends the diagram. Unlike `TestScheduler.parseMarbles`, the result does not depend on whether a
 * `run()` callback is active.
 */
export function parseMarbles(marbles: string, what: string): { events: MarbleEvent[]; end?: number } {
  const events: MarbleEvent[] = [];
  let frame = 0;
  let groupStart = -1;
  let end: number | undefined;
  for (let i = 0; i < marbles.length; i++) {
    const c = marbles[i];
    if (end !== undefined && c !== ' ' && c !== ')') throw new Error(`${what}: nothing may follow "|" in "${marbles}"`);
    if (c === ' ') continue;
    if (/[0-9]/.test(c) && (i === 0 || marbles[i - 1] === ' ')) {
      const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m) /.exec(marbles.slice(i) + ' ');
      if (match) {
        const amount = parseFloat(match[1]);
        frame += match[2] === 'ms' ? amount : match[2] === 's' ? amount * 1000 : amount * 60_000;
        i += match[0].length - 2;
        continue;
      }
    }
    switch (c) {
      case '-':
        frame++;
        break;
      case '(':
        if (groupStart !== -1) throw new Error(`${what}: nested groups in "${marbles}"`);
        groupStart = frame;
        frame++;
        break;
      case ')':
        if (groupStart === -1) throw new Error(`${what}: ")" without "(" in "${marbles}"`);
        groupStart = -1;
        frame++;
        break;
      case '|':
        end = groupStart > -1 ? groupStart : frame;
        frame++;
        break;
      case '#':
      case '^':
      case '!':
        throw new Error(`${what}: "${c}" has no meaning here ("${marbles}")`);
      default:
        events.push({ frame: groupStart > -1 ? groupStart : frame, key: c });
        frame++;
    }
  }
  if (groupStart !== -1) throw new Error(`${what}: "(" without ")" in "${marbles}"`);
  return end === undefined ? { events } : { events, end };
}
