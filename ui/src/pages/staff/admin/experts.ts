import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { actionKey, api, must } from '../../../api/client';
import type { Answer, Body } from '../../../api/answers';

export type Expert = Answer<'/experts/{expertId}', 'get'>;
export type Availability = Expert['availability'];
export type Slot = Availability['days'][number][number];
export type ServiceArea = Expert['serviceArea'];
export type Onboarding = Body<'/experts', 'post'>;

export const EXPERTS = ['admin', 'experts'] as const;
export const expertKey = (expertId: string) => ['admin', 'expert', expertId] as const;

export function useExpert(expertId: string) {
  return useQuery({ queryKey: expertKey(expertId), queryFn: async () => must(await api.GET('/experts/{expertId}', { params: { path: { expertId } } })) });
}

/**
 * Skills to suggest: those the catalog's models require (what tickets ask for) and those experts
 * already have. Free entry stays possible: a new kind of work starts with its first expert.
 */
export function useKnownSkills(): string[] {
  const models = useQuery({ queryKey: ['admin', 'catalog', 'models', true], queryFn: async () => must(await api.GET('/catalog/models', { params: { query: { includeRetired: 'true' } } })) });
  const experts = useQuery({ queryKey: [...EXPERTS, 'skills'], queryFn: async () => must(await api.GET('/experts', { params: { query: { limit: 200 } } })) });
  const skills = new Set<string>();
  for (const m of models.data?.models ?? []) for (const s of m.requiredSkills) skills.add(s);
  for (const e of experts.data?.experts ?? []) for (const s of e.skills) skills.add(s);
  return [...skills].sort();
}

/** One Idempotency-Key per user action, kept until it succeeds (a resubmit after a lost answer writes nothing twice). */
export function useActionKey(): [string, () => void] {
  const [key, setKey] = useState(actionKey);
  return [key, () => setKey(actionKey())];
}

export function money(cents: number): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(cents / 100);
}

export function areaText(area: ServiceArea): string {
  return area.kind === 'radius' ? `within ${area.radiusKm} km of home` : area.areas.join(', ');
}
