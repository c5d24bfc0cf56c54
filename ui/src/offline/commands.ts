/**
 * The commands an expert gives in the field, as data: kept in IndexedDB while they wait for the
 * network, then sent with the typed client and their Idempotency-Key. Bodies are the generated
 * schema's (never re-declared).
 */
import type { QueryClient } from '@tanstack/react-query';
import type { Body } from '../api/answers';
import { api } from '../api/client';
import type { paths } from '../api/schema';

export const STEPS = ['en-route', 'arrived', 'started', 'complete', 'cant-arrive', 'cant-enter', 'close-incomplete'] as const;
export type Step = (typeof STEPS)[number];
type StepPath<S extends Step> = `/visits/{visitId}/${S}` & keyof paths;

export type StepCommand = { [S in Step]: { kind: 'step'; step: S; visitId: string; ticketId: string; body: Body<StepPath<S>, 'post'> } }[Step];

export type ExpertCommand =
  | StepCommand
  | { kind: 'extension'; visitId: string; ticketId: string; body: Body<'/visits/{visitId}/extension', 'post'> }
  | { kind: 'complete-ticket'; ticketId: string; body: Body<'/tickets/{ticketId}/complete', 'post'> }
  | { kind: 'propose'; visitId: string; body: Body<'/visits/{visitId}/proposals', 'post'> }
  | { kind: 'withdraw'; visitId: string }
  | { kind: 'write-article'; ticketId: string | null; body: Body<'/kb/articles', 'post'> };

/** What a command's answer looks like to the outbox: the answer's body, or its problem. */
export interface Delivery {
  response: Response;
  data?: unknown;
  error?: unknown;
}

/** How long an answer may take: on a network that leads nowhere a request can hang; it is tried again later. */
const ANSWER_WITHIN_MS = 20_000;

/** Sends one command with its Idempotency-Key (throws on a network failure or no answer in time, as fetch does). */
export async function deliver(command: ExpertCommand, key: string): Promise<Delivery> {
  const header = { 'Idempotency-Key': key };
  const signal = AbortSignal.timeout(ANSWER_WITHIN_MS);
  switch (command.kind) {
    case 'step':
      // One call for every step: the path names it, the body is the step's own.
      return api.POST(`/visits/{visitId}/${command.step}` as StepPath<'arrived'>, { params: { path: { visitId: command.visitId }, header }, body: command.body as never, signal });
    case 'extension':
      return api.POST('/visits/{visitId}/extension', { params: { path: { visitId: command.visitId }, header }, body: command.body, signal });
    case 'complete-ticket':
      return api.POST('/tickets/{ticketId}/complete', { params: { path: { ticketId: command.ticketId }, header }, body: command.body, signal });
    case 'propose':
      return api.POST('/visits/{visitId}/proposals', { params: { path: { visitId: command.visitId }, header }, body: command.body, signal });
    case 'withdraw':
      return api.DELETE('/visits/{visitId}/proposals', { params: { path: { visitId: command.visitId }, query: {}, header }, signal });
    case 'write-article':
      return api.POST('/kb/articles', { params: { header }, body: command.body, signal });
  }
}

/** The visit's status once the step is applied (what the app shows while the step waits to be sent). */
export const STATUS_AFTER: Record<Step, string> = {
  'en-route': 'en-route',
  arrived: 'arrived',
  started: 'started',
  complete: 'completed',
  'cant-arrive': 'cant-arrive',
  'cant-enter': 'cant-enter',
  'close-incomplete': 'closed-incomplete',
};

/** The visit a command is about, if any. */
export function visitOf(command: ExpertCommand): string | null {
  return 'visitId' in command ? command.visitId : null;
}

/** Reads the command changed: read again once it is applied. */
export function refreshAfter(queries: QueryClient, command: ExpertCommand): void {
  const keys: unknown[][] = [['visits'], ['feed']];
  if ('ticketId' in command && command.ticketId) keys.push(['ticket', command.ticketId], ['suggested-articles', command.ticketId]);
  if (command.kind === 'write-article') keys.push(['kb']);
  for (const queryKey of keys) void queries.invalidateQueries({ queryKey });
}
