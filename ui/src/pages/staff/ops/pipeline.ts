import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';

export type PipelineStatus = Answer<'/projections', 'get'>;
export type ReadModelStatus = PipelineStatus['projections'][number];
export type SagaStatus = PipelineStatus['sagas'][number];

export const PIPELINE = ['ops', 'pipeline'] as const;

/** GET /projections, polled: read models, sagas and the outbox backlog. */
export function usePipeline() {
  return useQuery({ queryKey: PIPELINE, queryFn: async () => must(await api.GET('/projections')), refetchInterval: 3000 });
}

/** "12 s", "4 min", "2 h": how long, for ages and durations. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}
