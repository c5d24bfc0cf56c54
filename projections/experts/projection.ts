import { Document } from '../../document-store/port';
import { RecordedEvent } from '../../event-store/port';
import { Booking, TimeOff, withBooking } from '../../domain/expert/calendar';
import { ExpertEvent, ServiceArea, WeeklyAvailability } from '../../domain/expert/expert';
import { GeoPoint } from '../../domain/shared/geo';
import { ms } from '../../domain/shared/time';
import { TicketEvent } from '../../domain/ticket/ticket';
import { Projection, ProjectionContext } from '../projection';

/**
 * The `experts` read model: one document per expert with the profile admin maintains, the
 * calendar as last projected (bookings and time off) and the average survey rating of the
 * tickets they worked on. Used to rank experts for a visit (matching notifications,
 * replacements, helpdesk) and for the API's expert list. The Expert aggregate stays the
 * authority on the calendar: anything that books re-checks it there.
 */
export interface ExpertDoc extends Document {
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
  bookings: Booking[];
  timeOff: TimeOff[];
  /** Survey ratings of the tickets the expert worked on, one per ticket. */
  ratings: { ticketId: string; rating: number }[];
  /** Average of `ratings`, null when none. */
  rating: number | null;
  onboardedAt: string;
  /**
   * Position of the last event written into this document: readers holding every expert (the
   * expert directory) read again only those changed since. Absent on documents written before
   * it was added; every later write sets it.
   */
  projectedThrough?: number;
}

/** Which experts did a ticket's visits (completed or closed incomplete): survey ratings go to them. */
export interface TicketCrewDoc extends Document {
  ticketId: string;
  experts: string[];
}

export const EXPERTS = 'experts';
export const EXPERT_TICKET_CREWS = 'expert_ticket_crews';

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

function byStart<T extends { range: { start: string } }>(items: T[]): T[] {
  return [...items].sort((a, b) => ms(a.range.start) - ms(b.range.start));
}

function average(ratings: { rating: number }[]): number | null {
  if (ratings.length === 0) return null;
  return ratings.reduce((sum, r) => sum + r.rating, 0) / ratings.length;
}

export const expertsProjection: Projection = {
  name: 'experts',
  version: 2, // v2: projectedThrough
  eventTypes: [...EXPERT_EVENTS, ...TICKET_EVENTS],
  collections: {
    [EXPERTS]: [
      { keys: { skills: 1 }, name: 'by_skill' },
      { keys: { 'bookings.visitId': 1 }, name: 'by_booked_visit' },
      { keys: { name: 1 }, name: 'by_name' },
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
  const experts = collection<ExpertDoc>(EXPERTS);
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
        bookings: [],
        timeOff: [],
        ratings: [],
        rating: null,
        onboardedAt: d.onboardedAt,
        projectedThrough: recorded.position,
      },
      { upsert: true },
    );
    return;
  }
  // Read-only: the shared version the expert directory parsed already, not a copy of it. Every
  // booking rewrites the document, which holds every booking: a copy was one more parse each.
  const [current] = await experts.findReadOnly({ _id: id }, { limit: 1 });
  if (!current) return; // events of an expert never onboarded: nothing to show
  let next: ExpertDoc;
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
      const released = new Set(e.data.releasedBookings.map((b) => b.visitId));
      next = { ...current, active: false, deactivationReason: e.data.reason, bookings: current.bookings.filter((b) => !released.has(b.visitId)) };
      break;
    }
    case 'ExpertReactivated':
      next = { ...current, active: true, deactivationReason: null };
      break;
    case 'ExpertTimeBooked':
      next = { ...current, bookings: withBooking(current.bookings, { visitId: e.data.visitId, range: e.data.range }) };
      break;
    case 'ExpertBookingMoved':
      next = { ...current, bookings: withBooking(current.bookings, { visitId: e.data.visitId, range: e.data.to }) };
      break;
    case 'ExpertBookingExtended':
      next = { ...current, bookings: withBooking(current.bookings, { visitId: e.data.visitId, range: e.data.range }) };
      break;
    case 'ExpertBookingReleased':
      next = { ...current, bookings: current.bookings.filter((b) => b.visitId !== e.data.visitId) };
      break;
    default:
      throw new Error(`experts projection: unexpected event ${recorded.type}`);
  }
  next.projectedThrough = recorded.position; // `next` is this call's own copy
  await experts.replaceOne({ _id: id }, next);
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
  const experts = collection<ExpertDoc>(EXPERTS);
  for (const expertId of crew.experts) {
    const [current] = await experts.findReadOnly({ _id: expertId }, { limit: 1 });
    if (!current) continue;
    const ratings = [...current.ratings.filter((r) => r.ticketId !== e.data.ticketId), { ticketId: e.data.ticketId, rating: e.data.rating }].sort((a, b) =>
      a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0,
    );
    await experts.replaceOne({ _id: expertId }, { ...current, ratings, rating: average(ratings), projectedThrough: recorded.position });
  }
}
