import { useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { useCallback, useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { api, ApiError, must } from '../../../api/client';
import { Answer } from '../../../api/answers';
import { useLiveEvent } from '../../../live/context';

export type TicketReport = Answer<'/reports/summary', 'get'>;
export type ExpertPerformance = Answer<'/reports/expert-performance', 'get'>;
export type Figures = TicketReport['totals'];
export type Performance = ExpertPerformance['experts'][number];
export type FinanceReport = Answer<'/reports/finance', 'get'>;

/** The days and the moment the dashboards show: kept in the address, so a view can be shared. */
export interface ReportView {
  from: string;
  to: string;
  /** A past moment (ISO), or null for the live figures. */
  asOf: string | null;
}

const DEFAULT_DAYS = 30;

export function useReportView(): [ReportView, (change: Partial<ReportView>) => void] {
  const [params, setParams] = useSearchParams();
  const to = params.get('to') ?? dayjs().format('YYYY-MM-DD');
  const from = params.get('from') ?? dayjs(to).subtract(DEFAULT_DAYS - 1, 'day').format('YYYY-MM-DD');
  const view = { from, to, asOf: params.get('asOf') };
  const change = useCallback(
    (next: Partial<ReportView>) =>
      setParams((current) => {
        const merged = new URLSearchParams(current);
        for (const [key, value] of Object.entries(next)) {
          if (value === null || value === undefined) merged.delete(key);
          else merged.set(key, value);
        }
        return merged;
      }),
    [setParams],
  );
  return [view, change];
}

/** A snapshot being built answers 503 with Retry-After: ask again for a while. */
function retrySnapshot(failures: number, error: Error): boolean {
  return error instanceof ApiError && error.problem.status === 503 && failures < 40;
}

const query = (view: ReportView) => ({ from: view.from, to: view.to, ...(view.asOf ? { asOf: view.asOf } : {}) });

export function useTicketReport(view: ReportView) {
  return useQuery({
    queryKey: ['reports', 'summary', view],
    queryFn: async () => must(await api.GET('/reports/summary', { params: { query: query(view) } })),
    retry: retrySnapshot,
    retryDelay: 3000,
    // A past moment does not change: no need to ask again.
    staleTime: view.asOf ? Infinity : 0,
  });
}

export function useExpertPerformance(view: ReportView) {
  return useQuery({
    queryKey: ['reports', 'experts', view],
    queryFn: async () => must(await api.GET('/reports/expert-performance', { params: { query: query(view) } })),
    retry: retrySnapshot,
    retryDelay: 3000,
    staleTime: view.asOf ? Infinity : 0,
  });
}

/** The months the finance report covers: those the range's days fall in, whole. */
export function financeMonths(view: ReportView): { from: string; to: string } {
  return { from: view.from.slice(0, 7), to: view.to.slice(0, 7) };
}

/** Billing facts have no live event: the live figures are asked again every minute (and on focus). */
const FINANCE_REFRESH_MS = 60_000;

export function useFinanceReport(view: ReportView) {
  return useQuery({
    queryKey: ['reports', 'finance', view],
    queryFn: async () => must(await api.GET('/reports/finance', { params: { query: { ...financeMonths(view), ...(view.asOf ? { asOf: view.asOf } : {}) } } })),
    retry: retrySnapshot,
    retryDelay: 3000,
    staleTime: view.asOf ? Infinity : 0,
    refetchInterval: view.asOf ? false : FINANCE_REFRESH_MS,
  });
}

/** The reports read model follows the same events a moment after the tickets and visits the live events wait for. */
const SETTLE_MS = 1000;

/** Live figures: every ticket or visit change refreshes them (once per second at most); a past moment stays as it was. */
export function useLiveReports(live: boolean): void {
  const queries = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(() => {
    if (!live || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void queries.invalidateQueries({ queryKey: ['reports'], predicate: (q) => !(q.queryKey[2] as ReportView | undefined)?.asOf });
    }, SETTLE_MS);
  }, [live, queries]);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  useLiveEvent('ticket.updated', refresh);
  useLiveEvent('visit.updated', refresh);
  useLiveEvent('dashboard.open-tickets', refresh);
}
