import '@mantine/charts/styles.css';
import { Badge, Group, Loader, Stack, Tabs, Text, Title, Tooltip } from '@mantine/core';
import { ReactNode } from 'react';
import { ApiError } from '../../../api/client';
import { SignedIn } from '../../../auth/session';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { when } from '../../format';
import { ExpertDashboards } from './ExpertDashboards';
import { FinanceDashboards } from './FinanceDashboards';
import { TicketDashboards } from './TicketDashboards';
import { ReportControls } from './ReportControls';
import { ReportView, useExpertPerformance, useFinanceReport, useLiveReports, useReportView, useTicketReport } from './reports';

/** Managers' analytics on the reports read model: live, or as of any past moment. */
export function ManagerDashboards({ user: _user }: { user: SignedIn }) {
  const [view, change] = useReportView();
  const summary = useTicketReport(view);
  const experts = useExpertPerformance(view);
  useLiveReports(!view.asOf);
  // Files say what they hold: the days (the months, for finance), and the moment when not live.
  const asOfSuffix = view.asOf ? `_as-of_${view.asOf.replaceAll(':', '-')}` : '';
  const fileSuffix = `${view.from}_${view.to}${asOfSuffix}`;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Dashboards
        </Title>
        {view.asOf ? (
          <Badge color="yellow" variant="light" size="lg">
            As of {when(view.asOf)}
          </Badge>
        ) : (
          <Tooltip label="Figures follow every ticket and visit change as it happens">
            <Badge color="green" variant="light" size="lg">
              Live
            </Badge>
          </Tooltip>
        )}
      </Group>
      <ReportControls view={view} onChange={change} />
      <Tabs defaultValue="tickets" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="tickets">Tickets</Tabs.Tab>
          <Tabs.Tab value="experts">Experts</Tabs.Tab>
          <Tabs.Tab value="finance">Finance</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="tickets" pt="md">
          <Report query={summary} view={view} what="The ticket report">
            {(report) => <TicketDashboards report={report} fileSuffix={fileSuffix} />}
          </Report>
        </Tabs.Panel>
        <Tabs.Panel value="experts" pt="md">
          <Report query={experts} view={view} what="Expert performance">
            {(performance) => <ExpertDashboards performance={performance} fileSuffix={fileSuffix} />}
          </Report>
        </Tabs.Panel>
        <Tabs.Panel value="finance" pt="md">
          <FinancePanel view={view} fileSuffix={asOfSuffix} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Asked for only once the tab is open: a past moment's finance figures are a rebuild of their own. */
function FinancePanel({ view, fileSuffix }: { view: ReportView; fileSuffix: string }) {
  const finance = useFinanceReport(view);
  return (
    <Report query={finance} view={view} what="The financial report">
      {(report) => <FinanceDashboards report={report} fileSuffix={fileSuffix} />}
    </Report>
  );
}

/** A report's states: loading (or rebuilding a past moment), refused (the API's words), failed, or shown. */
function Report<T>({ query, view, what, children }: { query: { data?: T; error: Error | null; isPending: boolean; refetch: () => unknown; failureCount: number }; view: ReportView; what: string; children: (data: T) => ReactNode }) {
  if (query.error instanceof ApiError && query.error.problem.status === 400) return <ProblemAlert error={query.error} />;
  if (query.error) return <LoadFailed what={what} error={query.error} retry={query.refetch} />;
  if (query.isPending || !query.data) {
    return (
      <Group gap="sm">
        <Loader size="sm" aria-label={`Loading ${what.toLowerCase()}`} />
        {view.asOf && <Text size="sm">Rebuilding the reports as of {when(view.asOf)} from the events recorded until then{query.failureCount > 0 ? ' — still at it' : ''}…</Text>}
      </Group>
    );
  }
  return <>{children(query.data)}</>;
}
