import { BarChart, LineChart } from '@mantine/charts';
import { Badge, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { statusColor } from '../../status';
import { ChartPanel } from './ChartPanel';
import { Column } from './csv';
import { KeyFigures } from './KeyFigures';
import { bucketLabel, duration, percent, percentPoints, rating } from './figures';
import { TicketReport } from './reports';

type Day = TicketReport['days'][number];

const PER_DAY: Column<Day>[] = [
  { header: 'Day', value: (d) => d.day },
  { header: 'Opened', value: (d) => d.opened },
  { header: 'Matched', value: (d) => d.matched },
  { header: 'Escalated', value: (d) => d.escalated },
  { header: 'Completed', value: (d) => d.completed },
  { header: 'Cancelled', value: (d) => d.cancelled },
];

const RATES: Column<Day>[] = [
  { header: 'Day', value: (d) => d.day },
  { header: 'Escalation rate', value: (d) => d.escalationRate, show: (d) => percent(d.escalationRate) },
  { header: 'First-time-fix rate', value: (d) => d.firstTimeFixRate, show: (d) => percent(d.firstTimeFixRate) },
  { header: 'On-time arrival rate', value: (d) => d.onTimeRate, show: (d) => percent(d.onTimeRate) },
  { header: 'Visits finished', value: (d) => d.visitsCompleted + d.visitsIncomplete },
  { header: 'Arrivals', value: (d) => d.arrivals },
];

const SURVEYS: Column<Day>[] = [
  { header: 'Day', value: (d) => d.day },
  { header: 'Surveys', value: (d) => d.surveys },
  { header: 'Average rating', value: (d) => d.averageRating, show: (d) => rating(d.averageRating) },
  ...([1, 2, 3, 4, 5] as const).map((r) => ({ header: `Rated ${r}`, value: (d: Day) => d.ratingDistribution[r] })),
];

type Bucket = TicketReport['distributions']['timeToMatch'][number];
const BUCKETS: Column<Bucket>[] = [
  { header: 'Time', value: (b) => bucketLabel(b.fromMinutes, b.toMinutes) },
  { header: 'From (minutes)', value: (b) => b.fromMinutes },
  { header: 'Up to (minutes, excluded)', value: (b) => b.toMinutes },
  { header: 'Tickets', value: (b) => b.tickets },
];

interface StatusCount {
  kind: 'Tickets' | 'Visits';
  status: string;
  count: number;
}
const OPEN_WORK: Column<StatusCount>[] = [
  { header: 'Kind', value: (s) => s.kind },
  { header: 'Status', value: (s) => s.status },
  { header: 'Count', value: (s) => s.count },
];
/** Work still to do: the statuses a ticket or visit leaves once done or cancelled are left out. */
const DONE = ['completed', 'cancelled', 'closed-incomplete'];

/** The tickets' dashboards: flow per day, times to match and resolve, rates, surveys, open work. */
export function TicketDashboards({ report, fileSuffix }: { report: TicketReport; fileSuffix: string }) {
  const { totals, days } = report;
  const short = (day: string) => day.slice(5);
  const openWork: StatusCount[] = [
    ...Object.entries(report.openWork.tickets).map(([status, count]) => ({ kind: 'Tickets' as const, status, count })),
    ...Object.entries(report.openWork.visits).map(([status, count]) => ({ kind: 'Visits' as const, status, count })),
  ].filter((s) => !DONE.includes(s.status));
  return (
    <Stack>
      <TicketKeyFigures totals={totals} />
      <ChartPanel
        title="Tickets per day"
        description="Each ticket counts on the day it happened: opened on Monday and matched on Tuesday is opened Monday, matched Tuesday."
        fileName={`tickets-per-day_${fileSuffix}`}
        columns={PER_DAY}
        rows={days}
        chart={
          <LineChart
            h={260}
            data={days.map((d) => ({ ...d, day: short(d.day) }))}
            dataKey="day"
            withLegend
            series={[
              { name: 'opened', label: 'Opened', color: 'indigo.8' },
              { name: 'matched', label: 'Matched', color: 'teal.8' },
              { name: 'escalated', label: 'Escalated', color: 'orange.8' },
              { name: 'completed', label: 'Completed', color: 'green.8' },
            ]}
            curveType="linear"
          />
        }
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Distribution title="Time to match" what="From opening a ticket to its first visit's match" figures={totals.timeToMatchMinutes} buckets={report.distributions.timeToMatch} fileName={`time-to-match_${fileSuffix}`} />
        <Distribution title="Time to resolution" what="From opening a ticket to its completion" figures={totals.resolutionMinutes} buckets={report.distributions.resolution} fileName={`time-to-resolution_${fileSuffix}`} />
      </SimpleGrid>
      <ChartPanel
        title="Escalation, first-time fix and on-time arrival per day"
        description="Escalated / opened; visits completed / visits finished (completed or closed incomplete); arrivals at most a quarter of an hour after the booked start / arrivals."
        fileName={`rates-per-day_${fileSuffix}`}
        columns={RATES}
        rows={days}
        chart={
          <LineChart
            h={240}
            data={days.map((d) => ({ day: short(d.day), escalation: percentPoints(d.escalationRate), firstTimeFix: percentPoints(d.firstTimeFixRate), onTime: percentPoints(d.onTimeRate) }))}
            dataKey="day"
            withLegend
            unit=" %"
            yAxisProps={{ domain: [0, 100] }}
            connectNulls
            series={[
              { name: 'escalation', label: 'Escalation rate', color: 'orange.8' },
              { name: 'firstTimeFix', label: 'First-time fix', color: 'green.8' },
              { name: 'onTime', label: 'On-time arrival', color: 'indigo.8' },
            ]}
          />
        }
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartPanel
          title="Survey ratings"
          description={`${totals.surveys} surveys in the range, ${rating(totals.averageRating)} on average.`}
          fileName={`survey-ratings_${fileSuffix}`}
          columns={SURVEYS}
          rows={days}
          chart={
            <BarChart
              h={220}
              data={([1, 2, 3, 4, 5] as const).map((r) => ({ rating: `${r} ★`, surveys: totals.ratingDistribution[r] }))}
              dataKey="rating"
              series={[{ name: 'surveys', label: 'Surveys', color: 'yellow.8' }]}
            />
          }
        />
        <ChartPanel
          title={report.snapshot ? 'Open work then' : 'Open work now'}
          description={report.snapshot ? 'Tickets and visits not done yet, by status, at the moment shown.' : 'Tickets and visits not done yet, by status; follows every change as it happens.'}
          fileName={`open-work_${fileSuffix}`}
          columns={OPEN_WORK}
          rows={openWork}
          chart={
            <Stack gap={6}>
              {(['Tickets', 'Visits'] as const).map((kind) => (
                <Group key={kind} gap={6}>
                  <Text size="sm" fw={500} w={60}>
                    {kind}
                  </Text>
                  {openWork
                    .filter((s) => s.kind === kind)
                    .map((s) => (
                      <Badge key={s.status} color={statusColor(s.status)} variant="light" size="lg">
                        {s.status}: {s.count}
                      </Badge>
                    ))}
                </Group>
              ))}
              <BarChart
                h={170}
                data={openWork.filter((s) => s.kind === 'Visits').map((s) => ({ status: s.status, visits: s.count }))}
                dataKey="status"
                series={[{ name: 'visits', label: 'Visits', color: 'violet.8' }]}
              />
            </Stack>
          }
        />
      </SimpleGrid>
    </Stack>
  );
}

function TicketKeyFigures({ totals }: { totals: TicketReport['totals'] }) {
  const figures: [string, string][] = [
    ['Opened', String(totals.opened)],
    ['Matched', String(totals.matched)],
    ['Escalated', String(totals.escalated)],
    ['Completed', String(totals.completed)],
    ['Escalation rate', percent(totals.escalationRate)],
    ['First-time fix', percent(totals.firstTimeFixRate)],
    ['On-time arrival', percent(totals.onTimeRate)],
    ['Median time to match', duration(totals.timeToMatchMinutes.p50)],
    ['Median resolution', duration(totals.resolutionMinutes.p50)],
    ['Average rating', rating(totals.averageRating)],
  ];
  return <KeyFigures figures={figures} label="Key figures of the range" />;
}

function Distribution({ title, what, figures, buckets, fileName }: { title: string; what: string; figures: TicketReport['totals']['timeToMatchMinutes']; buckets: Bucket[]; fileName: string }) {
  return (
    <ChartPanel
      title={title}
      description={`${what}: ${figures.count} tickets; median ${duration(figures.p50)}, 90 % within ${duration(figures.p90)}, longest ${duration(figures.max)}.`}
      fileName={fileName}
      columns={BUCKETS}
      rows={buckets}
      chart={
        <BarChart
          h={220}
          data={buckets.map((b) => ({ time: bucketLabel(b.fromMinutes, b.toMinutes), tickets: b.tickets }))}
          dataKey="time"
          series={[{ name: 'tickets', label: 'Tickets', color: 'indigo.8' }]}
          xAxisProps={{ interval: 0, angle: -30, textAnchor: 'end', height: 60, fontSize: 11 }}
        />
      }
    />
  );
}
