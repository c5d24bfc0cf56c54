/**
 * One login per e-mail. The user-account aggregate sees one account's stream only, so the API
 * reserves the normalized e-mail for one user id (a document whose `_id` is the e-mail: a second
 * reservation fails) before it registers the account.
 *
 * A reservation is recoverable. The ids of what a sign-up (or POST /users, POST /experts)
 * creates follow from its command id, so the retry of a request killed between reserving and
 * registering (same Idempotency-Key) reserves for the same user id and finishes the work. A
 * reservation whose account was never registered — a request killed and never retried, or retried
 * with another key — holds against anyone else for UNREGISTERED_RESERVATION_HOLD_MS (the request
 * may still be under way), then goes to the next account that asks for the e-mail.
 */
import { DocumentStore, DuplicateKey } from '../../document-store/port';
import { EventStore } from '../../event-store/port';
import { streamName } from '../../event-store/streams';
import { HttpProblem } from '../http/problem';

export const EMAIL_RESERVATIONS = 'email_reservations';

/** How long a reservation whose account is not registered holds its e-mail against other accounts. */
export const UNREGISTERED_RESERVATION_HOLD_MS = 10 * 60_000;

export interface EmailReservation {
  _id: string;
  userId: string;
  /** When it was made; absent on reservations made before they were dated. */
  reservedAt?: string;
  [field: string]: unknown;
}

/** Where reservations live, and the event store that says whether their account was registered. */
export interface ReservationStores {
  documents: DocumentStore;
  events: EventStore;
}

/**
 * Reserves `email` for `userId` (409 when another account holds it). Reserving again for the same
 * user id is a no-op: the retry of the same command.
 */
export async function reserveEmail(stores: ReservationStores, email: string, userId: string, now: Date): Promise<void> {
  const reservations = stores.documents.collection<EmailReservation>(EMAIL_RESERVATIONS);
  const reservation = { userId, reservedAt: now.toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await reservations.insertOne({ _id: email, ...reservation });
      return;
    } catch (error) {
      if (!(error instanceof DuplicateKey)) throw error;
    }
    const held = await reservations.findOne({ _id: email });
    if (!held) continue; // given back meanwhile
    if (held.userId === userId) return;
    if (!(await abandoned(stores, held, now))) break;
    // Conditional on the holder still being the one found abandoned: of two takers, one wins.
    const taken = await reservations.updateOne({ _id: email, userId: held.userId }, { $set: reservation });
    if (taken.modifiedCount === 1) return;
  }
  throw new HttpProblem(409, 'E-mail already registered', 'An account with this e-mail exists; log in instead.');
}

/** Gives the e-mail back, if `userId` still holds it (its registration failed). */
export async function releaseEmail(stores: Pick<ReservationStores, 'documents'>, email: string, userId: string): Promise<void> {
  await stores.documents.collection<EmailReservation>(EMAIL_RESERVATIONS).deleteOne({ _id: email, userId });
}

/** Older than the hold, and its account never registered (its stream is empty). */
async function abandoned(stores: ReservationStores, held: EmailReservation, now: Date): Promise<boolean> {
  const since = held.reservedAt ? Date.parse(held.reservedAt) : Number.NEGATIVE_INFINITY;
  if (now.getTime() - since < UNREGISTERED_RESERVATION_HOLD_MS) return false;
  return (await stores.events.readStream(streamName('user', held.userId), { maxCount: 1 })).length === 0;
}
