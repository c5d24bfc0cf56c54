/**
 * Live updates: one socket.io connection per signed-in user, authenticated with the access
 * token; each event the server pushes invalidates the queries whose data it changes.
 */
import { QueryClient } from '@tanstack/react-query';
import { io, Socket } from 'socket.io-client';
import { session } from '../auth/session';

/** Server event → the query keys (prefixes) it makes stale. */
const AFFECTS: Record<string, (payload: { ticketId?: string; visitId?: string; expertId?: string }) => unknown[][]> = {
  'ticket.updated': (p) => [['tickets'], ['ticket', p.ticketId]],
  'visit.assigned': (p) => [['visits'], ['ticket', p.ticketId]],
  'visit.eta': (p) => [['ticket', p.ticketId]],
  // The feed too: a visit's windows changed, or it was taken, cancelled or opened again.
  'visit.updated': (p) => [['visits'], ['tickets'], ['ticket', p.ticketId], ['feed']],
  'expert.updated': () => [['visits'], ['feed']],
  'feed.visit-opened': () => [['feed']],
  'feed.visit-taken': () => [['feed']],
  'helpdesk.flagged': () => [['helpdesk']],
  'helpdesk.escalated': () => [['helpdesk']],
  'dashboard.open-tickets': () => [['dashboard']],
};

export interface LiveConnection {
  socket: Socket;
  close(): void;
}

export function connectLive(queries: QueryClient, onEvent?: (name: string, payload: unknown) => void): LiveConnection {
  const socket = io({
    path: '/socket.io',
    // Asked again at every (re)connection: a renewed token after the old one expired.
    auth: (give) => {
      void session.accessToken().then((token) => give({ token }));
    },
  });
  socket.onAny((name: string, payload: { ticketId?: string; visitId?: string } = {}) => {
    for (const key of AFFECTS[name]?.(payload) ?? []) void queries.invalidateQueries({ queryKey: key.filter((k) => k !== undefined) });
    onEvent?.(name, payload);
  });
  return { socket, close: () => socket.close() };
}
