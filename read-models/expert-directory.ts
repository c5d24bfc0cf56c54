import { BusyTimes } from '../domain/expert/availability';
import { ExpertProfile as RankProfile, isEligible, rankExperts, RankedExpert } from '../domain/matching/relevance';
import { deepFreeze } from '../domain/shared/frozen';
import { GeoPoint } from '../domain/shared/geo';
import { VisitSpec } from '../domain/shared/visit-plan';
import { EXPERTS, ExpertDoc } from '../projections/experts/projection';
import { ReadModelSource } from './read-models';

/** The experts read model as matching needs it. */
export interface ExpertDirectory {
  /** Experts who have every one of `skills` (active or not). */
  withSkills(skills: readonly string[]): Promise<ExpertDoc[]>;
  /** Experts whose projected calendar holds a booking for one of `visitIds`. */
  holdingBookings(visitIds: readonly string[]): Promise<ExpertDoc[]>;
  /** One expert, or null. */
  get(expertId: string): Promise<ExpertDoc | null>;
}

/**
 * Experts from the `experts` read model. When this process's projection engine writes it, the
 * documents are read once per change (ReadModelSource.changeToken) and shared, frozen, until the
 * next: matching ranks every expert for every new visit, and re-reading and copying the 50
 * calendars each time was a fifth of the server's time under a burst of new tickets. The API
 * reads the calling expert's from it too (the feed, proposals), for the same reason.
 *
 * After a change only the experts written since are read again (`projectedThrough`, through an
 * index): every visit finalized books a calendar, and calendars keep every past booking, so
 * reading all of them at each booking cost more with every visit done — in a 4-minute soak,
 * 2,400 full reads of about 2,300 bookings each, 25 ms apiece. The read model never deletes
 * an expert; a rebuild is a new collection (another name), read in full.
 */
export class ReadModelExpertDirectory implements ExpertDirectory {
  private kept: KeptExperts | undefined;

  constructor(private readonly readModels: ReadModelSource) {}

  async withSkills(skills: readonly string[]): Promise<ExpertDoc[]> {
    const all = await this.keptExperts();
    if (all) return all.filter((e) => skills.every((skill) => e.skills.includes(skill)));
    const filter = skills.length > 0 ? { skills: { $all: [...skills] } } : {};
    return (await this.readModels.collection<ExpertDoc>(EXPERTS)).find(filter, { sort: { _id: 1 } });
  }

  async holdingBookings(visitIds: readonly string[]): Promise<ExpertDoc[]> {
    if (visitIds.length === 0) return [];
    const all = await this.keptExperts();
    if (all) return all.filter((e) => e.bookings.some((b) => visitIds.includes(b.visitId)));
    return (await this.readModels.collection<ExpertDoc>(EXPERTS)).find({ 'bookings.visitId': { $in: [...visitIds] } }, { sort: { _id: 1 } });
  }

  async get(expertId: string): Promise<ExpertDoc | null> {
    const all = await this.keptExperts();
    if (all) return all.find((e) => e.expertId === expertId) ?? null;
    return (await this.readModels.collection<ExpertDoc>(EXPERTS)).findOne({ _id: expertId });
  }

  /** Every expert by id, as of the read model's current change token; undefined when it has none. */
  private async keptExperts(): Promise<ExpertDoc[] | undefined> {
    // The token is taken before reading: a change landing meanwhile moves it, so the next call reads again.
    const token = this.readModels.changeToken?.(EXPERTS);
    if (token === undefined) return undefined;
    if (this.kept?.token !== token) {
      const base = this.kept;
      const collection = await this.readModels.collection<ExpertDoc>(EXPERTS);
      this.kept =
        base && base.collection === collection.name
          ? withChanged(base, token, await collection.findReadOnly({ projectedThrough: { $gt: base.through } }))
          : keptFrom(token, collection.name, await collection.findReadOnly({}, { sort: { _id: 1 } }));
    }
    return [...this.kept.experts];
  }
}

interface KeptExperts {
  token: string;
  /** The physical collection read: another one after a rebuild. */
  collection: string;
  /** The highest `projectedThrough` read (-1: none). */
  through: number;
  /** By id. */
  experts: readonly ExpertDoc[];
}

function keptFrom(token: string, collection: string, docs: readonly ExpertDoc[]): KeptExperts {
  return { token, collection, through: highestThrough(docs, -1), experts: docs.map(deepFreeze) };
}

/** `kept` with the documents written since it was read in place of their old versions; the others stay the same objects. */
function withChanged(kept: KeptExperts, token: string, changed: readonly ExpertDoc[]): KeptExperts {
  if (changed.length === 0) return { ...kept, token };
  const byId = new Map(kept.experts.map((e) => [e._id, e]));
  for (const doc of changed) byId.set(doc._id, deepFreeze(doc));
  const experts = [...byId.values()].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  return { token, collection: kept.collection, through: highestThrough(changed, kept.through), experts };
}

function highestThrough(docs: readonly ExpertDoc[], from: number): number {
  return docs.reduce((highest, doc) => Math.max(highest, doc.projectedThrough ?? -1), from);
}

/** What ranking needs of an expert document. */
export function rankProfile(doc: ExpertDoc): RankProfile {
  return {
    expertId: doc.expertId,
    skills: doc.skills,
    home: doc.home,
    serviceRadiusKm: doc.serviceRadiusKm,
    bookings: busyTimesOf(doc),
    weeklyHours: doc.availability,
    rating: doc.rating,
    active: doc.active,
  };
}

/**
 * An expert's bookings and time off, parsed. The directory's documents are frozen until the
 * experts change, and every new visit ranks every candidate expert (every feed request tests the
 * expert's): each one's calendar (which keeps every past booking) is parsed once per version of
 * the document, not once per visit or request. A
 * document that is not frozen may still change, so it is parsed afresh.
 */
const parsedCalendars = new WeakMap<ExpertDoc, BusyTimes>();
export function busyTimesOf(doc: ExpertDoc): BusyTimes {
  const kept = parsedCalendars.get(doc);
  if (kept) return kept;
  const busy = new BusyTimes([...doc.bookings.map((b) => b.range), ...doc.timeOff.map((t) => t.range)]);
  if (Object.isFrozen(doc) && Object.isFrozen(doc.bookings) && Object.isFrozen(doc.timeOff)) parsedCalendars.set(doc, busy);
  return busy;
}

export interface Candidate {
  expert: ExpertDoc;
  rank: RankedExpert;
}

/** The experts who could do `visit` at `location`, best first (rankExperts), eligible ones only. */
export async function eligibleExperts(directory: ExpertDirectory, visit: VisitSpec, location: GeoPoint, at: Date): Promise<Candidate[]> {
  // Only eligible experts are returned, and ranking one expert does not depend on the others:
  // ranking (a calendar walk each) only those who can be eligible gives the same list.
  const docs = (await directory.withSkills(visit.skills)).filter((doc) => isEligible(visit, location, doc));
  const byId = new Map(docs.map((d) => [d.expertId, d]));
  const candidates: Candidate[] = [];
  for (const rank of rankExperts(visit, location, docs.map((doc) => rankProfile(doc)), at.toISOString())) {
    const expert = byId.get(rank.expertId);
    if (rank.eligible && expert) candidates.push({ expert, rank });
  }
  return candidates;
}
