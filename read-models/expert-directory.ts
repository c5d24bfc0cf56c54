import { ExpertProfile as RankProfile, rankExperts, RankedExpert } from '../domain/matching/relevance';
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

export class ReadModelExpertDirectory implements ExpertDirectory {
  constructor(private readonly readModels: ReadModelSource) {}

  async withSkills(skills: readonly string[]): Promise<ExpertDoc[]> {
    const filter = skills.length > 0 ? { skills: { $all: [...skills] } } : {};
    return (await this.readModels.collection<ExpertDoc>(EXPERTS)).find(filter, { sort: { _id: 1 } });
  }

  async holdingBookings(visitIds: readonly string[]): Promise<ExpertDoc[]> {
    if (visitIds.length === 0) return [];
    return (await this.readModels.collection<ExpertDoc>(EXPERTS)).find({ 'bookings.visitId': { $in: [...visitIds] } }, { sort: { _id: 1 } });
  }

  async get(expertId: string): Promise<ExpertDoc | null> {
    return (await this.readModels.collection<ExpertDoc>(EXPERTS)).findOne({ _id: expertId });
  }
}

/**
 * What ranking needs of an expert document. Ranking looks only ahead of `at` (free windows, the
 * coming days' load), so ranges that ended before it are left out: an expert's calendar keeps
 * every past booking, and ranking parsed them all, for every expert, for every new visit.
 */
export function rankProfile(doc: ExpertDoc, at = -Infinity): RankProfile {
  const ahead = (range: { end: string }) => !(Date.parse(range.end) <= at);
  return {
    expertId: doc.expertId,
    skills: doc.skills,
    home: doc.home,
    serviceRadiusKm: doc.serviceRadiusKm,
    bookings: [...doc.bookings.map((b) => b.range), ...doc.timeOff.map((t) => t.range)].filter(ahead),
    weeklyHours: doc.availability,
    rating: doc.rating,
    active: doc.active,
  };
}

export interface Candidate {
  expert: ExpertDoc;
  rank: RankedExpert;
}

/** The experts who could do `visit` at `location`, best first (rankExperts), eligible ones only. */
export async function eligibleExperts(directory: ExpertDirectory, visit: VisitSpec, location: GeoPoint, at: Date): Promise<Candidate[]> {
  const docs = await directory.withSkills(visit.skills);
  const byId = new Map(docs.map((d) => [d.expertId, d]));
  const candidates: Candidate[] = [];
  for (const rank of rankExperts(visit, location, docs.map((doc) => rankProfile(doc, at.getTime())), at.toISOString())) {
    const expert = byId.get(rank.expertId);
    if (rank.eligible && expert) candidates.push({ expert, rank });
  }
  return candidates;
}
