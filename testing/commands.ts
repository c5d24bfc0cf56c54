/** Builds commands for tests: fixed clock and actor unless given. */
import { randomUUID } from 'node:crypto';
import { Actor, Command } from '../domain/decider';

export const TEST_NOW = new Date('2026-03-02T08:00:00.000Z');
export const TEST_ACTOR: Actor = { userId: 'u-test', role: 'helpdesk' };

export function command<C extends Command>(
  type: C['type'],
  data: C['data'],
  options: { now?: Date; actor?: Actor; commandId?: string } = {},
): C {
  return {
    type,
    data,
    metadata: { commandId: options.commandId ?? randomUUID(), now: options.now ?? TEST_NOW, actor: options.actor ?? TEST_ACTOR },
  } as C;
}
