import { Document } from '../../document-store/port';
import { RecordedEvent } from '../../event-store/port';
import { Booking, TimeOff } from '../../domain/expert/calendar';
import { ExpertEvent, ServiceArea, WeeklyAvailability } from '../../domain/expert/expert';
import { GeoPoint } from '../../domain/shared/geo';
import { ms, TimeRange } from '../../domain/shared/time';
import { TicketEvent } from '../../domain/ticket/ticket';
import { Projection, ProjectionContext } from '../projection';

/**
 * The `experts` read model: one document per expert with the profile admin maintains, the time
 * off and the average survey rating of the tickets they worked on; and `expert_bookings`, one
 * document per booking. Used to rank experts for a visit (matching notifications, replacements,
 * helpdesk) and for the API's expert list. The Expert aggregate stays the authority on the
 * calendar: anything that books re-checks it there.
 *
 * Bookings have documents of their own because a calendar keeps every booking the expert ever
 * had: each booking rewrote, and every reader parsed again, the expert's whole calendar, which
 * cost more with every visit done (in a 10-minute soak, the largest part of what grew).
 */
export interface ExpertProfileDoc extends Document {
  expertId: string;
  name: string;
  email: string;
  phone: string;
  locale: string;
  skills: string[];
  home: GeoPoint;
  serviceArea: ServiceArea;
  /** The radius for a radius area; 0 for named areas (a ticket carries a location, not an area code). */
  serviceRadiusKm: number;
  availability: WeeklyAvailability;
  active: boolean;
  deactivationReason: string | null;
  feePerVisitCents: number;
  timeOff: TimeOff[];
  /** Survey ratings of the tickets the expert worked on, one per ticket. */
  ratings: { ticketId: string; rating: number }[];
  /** Average of `ratings`, null when none. */
  rating: number | null;
  onboardedAt: string;
  /**
   * Position of the last event written into this document: readers holding every expert (the
   * expert directory) read again only those changed since.
   */
  projectedThrough: number;
  /**
   * Position of the last booking released (-1: none), which moves `projectedThrough` too: its
   * document is deleted, so a reader holding the calendar reads that expert's bookings again.
   */
  releasedThrough: number;
}

/** One booking of an expert's calendar. */
export interface ExpertBookingDoc extends Document {
  expertId: string;
  visitId: string;
  range: TimeRange;
  /** Position of the event that booked, moved or extended it: readers holding every calendar read only the bookings written since. */
  projectedThrough: number;
}

/** An expert with their calendar, as the expert directory and the API show them: the bookings earliest first. */
export type ExpertDoc = ExpertProfileDoc & { bookings: Booking[] };

/** The id of an expert's booking of a visit (ids may hold any character: no separator could be trusted). */
export function bookingDocId(expertId: string, visitId: string): string {
  return JSON.stringify([expertId, visitId]);
}

/** Which experts did a ticket's visits (completed or closed incomplete): survey ratings go to them. */
export interface TicketCrewDoc extends Document {
  ticketId: string;
  experts: string[];
}

export const EXPERTS = 'experts';
export const EXPERT_TICKET_CREWS = 'expert_ticket_crews';
export const EXPERT_BOOKINGS = 'expert_bookings';

const EXPERT_EVENTS: readonly ExpertEvent['type'][] = [
  'ExpertOnboarded',
  'ExpertProfileUpdated',
  'ExpertSkillsUpdated',
  'ExpertServiceAreaUpdated',
  'ExpertAvailabilityUpdated',
  'ExpertTimeOffAdded',
  'ExpertTimeOffRemoved',
  'ExpertDeactivated',
  'ExpertReactivated',
  'ExpertTimeBooked',
  'ExpertBookingMoved',
  'ExpertBookingExtended',
  'ExpertBookingReleased',
];
const TICKET_EVENTS: readonly TicketEvent['type'][] = ['TicketVisitOutcomeRecorded', 'TicketSurveyRecorded'];

export function serviceRadiusOf(area: ServiceArea): number {
  return area.kind === 'radius' ? area.radiusKm : 0;
}

const BOOKING_EVENTS: ReadonlySet<string> = new Set<ExpertEvent['type']>(['ExpertTimeBooked', 'ExpertBookingMoved', 'ExpertBookingExtended', 'ExpertBookingReleased']);

function byStart<T extends { range: { start: string } }>(items: T[]): T[] {
  return [...items].sort((a, b) => ms(a.range.start) - ms(b.range.start));
}

function average(ratings: { rating: number }[]): number | null {
  if (ratings.length === 0) return null;
  return ratings.reduce((sum, r) => sum + r.rating, 0) / ratings.length;
}

export const expertsProjection: Projection = {
  name: 'experts',
  version: 3, // v2: projectedThrough; v3: bookings in expert_bookings
  eventTypes: [...EXPERT_EVENTS, ...TICKET_EVENTS],
  collections: {
    [EXPERTS]: [
      { keys: { skills: 1 }, name: 'by_skill' },
      { keys: { name: 1 }, name: 'by_name' },
      { keys: { projectedThrough: 1 }, name: 'by_projected_through' },
    ],
    // By end: what is still ahead of a time (a day's board, an expert's calendar from now on)
    // reads the bookings ending after it, and a calendar's past grows forever while its future does not.
    [EXPERT_BOOKINGS]: [
      { keys: { expertId: 1, 'range.end': 1 }, name: 'by_expert_end' },
      { keys: { visitId: 1 }, name: 'by_visit' },
      { keys: { projectedThrough: 1 }, name: 'by_projected_through' },
    ],
    [EXPERT_TICKET_CREWS]: [],
  },
  async handle(event, context) {
    if ((TICKET_EVENTS as readonly string[]).includes(event.type)) {
      await handleTicketEvent(event as unknown as TicketEvent, event, context);
      return;
    }
    await handleExpertEvent(event as unknown as ExpertEvent, event, context);
  },
};

async function handleExpertEvent(e: ExpertEvent, recorded: RecordedEvent, { collection }: ProjectionContext): Promise<void> {
  const experts = collection<ExpertProfileDoc>(EXPERTS);
  const id = e.data.expertId;
  if (e.type === 'ExpertOnboarded') {
    const d = e.data;
    await experts.replaceOne(
      { _id: id },
      {
        _id: id,
        expertId: id,
        name: d.name,
        email: d.contact.email,
        phone: d.contact.phone,
        locale: d.locale,
        skills: d.skills,
        home: d.homeLocation,
        serviceArea: d.serviceArea,
        serviceRadiusKm: serviceRadiusOf(d.serviceArea),
        availability: d.availability,
        active: true,
        deactivationReason: null,
        feePerVisitCents: d.feePerVisitCents,
        timeOff: [],
        ratings: [],
        rating: null,
        onboardedAt: d.onboardedAt,
        projectedThrough: recorded.position,
        releasedThrough: -1,
      },
      { upsert: true },
    );
    return;
  }
  // Read-only: the shared version the expert directory parsed already, not a copy of it.
  const [current] = await experts.findReadOnly({ _id: id }, { limit: 1 });
  if (!current) return; // events of an expert never onboarded: nothing to show
  if (BOOKING_EVENTS.has(e.type)) {
    await handleBookingEvent(e, recorded, current, collection);
    return;
  }
  let next: ExpertProfileDoc;
  switch (e.type) {
    case 'ExpertProfileUpdated':
      next = { ...current, name: e.data.name, email: e.data.contact.email, phone: e.data.contact.phone, locale: e.data.locale, feePerVisitCents: e.data.feePerVisitCents };
      break;
    case 'ExpertSkillsUpdated':
      next = { ...current, skills: e.data.skills };
      break;
    case 'ExpertServiceAreaUpdated':
      next = { ...current, home: e.data.homeLocation, serviceArea: e.data.serviceArea, serviceRadiusKm: serviceRadiusOf(e.data.serviceArea) };
      break;
    case 'ExpertAvailabilityUpdated':
      next = { ...current, availability: e.data.availability };
      break;
    case 'ExpertTimeOffAdded': {
      const { timeOffId, range, reason } = e.data;
      next = { ...current, timeOff: byStart([...current.timeOff.filter((t) => t.timeOffId !== timeOffId), { timeOffId, range, reason }]) };
      break;
    }
    case 'ExpertTimeOffRemoved':
      next = { ...current, timeOff: current.timeOff.filter((t) => t.timeOffId !== e.data.timeOffId) };
      break;
    case 'ExpertDeactivated': {
      const released = e.data.releasedBookings.map((b) => bookingDocId(id, b.visitId));
      if (released.length > 0) await collection<ExpertBookingDoc>(EXPERT_BOOKINGS).deleteMany({ _id: { $in: released } });
      next = { ...current, active: false, deactivationReason: e.data.reason, ...(released.length > 0 ? { releasedThrough: recorded.position } : {}) };
      break;
    }
    case 'ExpertReactivated':
      next = { ...current, active: true, deactivationReason: null };
      break;
    default:
      throw new Error(`experts projection: unexpected event ${recorded.type}`);
  }
  await experts.replaceOne({ _id: id }, { ...next, projectedThrough: recorded.position });
}

/** A booking made, moved, extended or released: its own document; a release also marks the expert's (see ExpertProfileDoc.releasedThrough). */
async function handleBookingEvent(e: ExpertEvent, recorded: RecordedEvent, expert: Readonly<ExpertProfileDoc>, collection: ProjectionContext['collection']): Promise<void> {
  const bookings = collection<ExpertBookingDoc>(EXPERT_BOOKINGS);
  const expertId = expert.expertId;
  let range: TimeRange;
  switch (e.type) {
    case 'ExpertTimeBooked':
    case 'ExpertBookingExtended':
      range = e.data.range;
      break;
    case 'ExpertBookingMoved':
      range = e.data.to;
      break;
    case 'ExpertBookingReleased':
      await bookings.deleteOne({ _id: bookingDocId(expertId, e.data.visitId) });
      await collection<ExpertProfileDoc>(EXPERTS).replaceOne({ _id: expertId }, { ...expert, projectedThrough: recorded.position, releasedThrough: recorded.position });
      return;
    default:
      throw new Error(`experts projection: unexpected event ${recorded.type}`);
  }
  const { visitId } = e.data;
  const _id = bookingDocId(expertId, visitId);
  await bookings.replaceOne({ _id }, { _id, expertId, visitId, range: { start: range.start, end: range.end }, projectedThrough: recorded.position }, { upsert: true });
}

async function handleTicketEvent(e: TicketEvent, recorded: RecordedEvent, { collection }: ProjectionContext): Promise<void> {
  const crews = collection<TicketCrewDoc>(EXPERT_TICKET_CREWS);
  if (e.type === 'TicketVisitOutcomeRecorded') {
    if (e.data.outcome === 'cancelled' || e.data.experts.length === 0) return;
    const current = await crews.findOne({ _id: e.data.ticketId });
    const experts = [...new Set([...(current?.experts ?? []), ...e.data.experts])].sort();
    if (current && experts.length === current.experts.length) return;
    await crews.replaceOne({ _id: e.data.ticketId }, { _id: e.data.ticketId, ticketId: e.data.ticketId, experts }, { upsert: true });
    return;
  }
  if (e.type !== 'TicketSurveyRecorded') return;
  const crew = await crews.findOne({ _id: e.data.ticketId });
  if (!crew) return;
  const experts = collection<ExpertProfileDoc>(EXPERTS);
  for (const expertId of crew.experts) {
    const [current] = await experts.findReadOnly({ _id: expertId }, { limit: 1 });
    if (!current) continue;
    const ratings = [...current.ratings.filter((r) => r.ticketId !== e.data.ticketId), { ticketId: e.data.ticketId, rating: e.data.rating }].sort((a, b) =>
      a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0,
    );
    await experts.replaceOne({ _id: expertId }, { ...current, ratings, rating: average(ratings), projectedThrough: recorded.position });
  }
}
