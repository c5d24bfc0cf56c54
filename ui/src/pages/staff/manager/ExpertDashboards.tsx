import { BarChart } from '@mantine/charts';
import { SimpleGrid, Stack } from '@mantine/core';
import { ChartPanel } from './ChartPanel';
import { Column } from './csv';
import { duration, percent, rating } from './figures';
import { ExpertPerformance, Performance } from './reports';

type Figures = Omit<Performance, 'expertId' | 'name' | 'active' | 'areas' | 'skills'>;

/** The columns every performance table has, after those naming the row. */
function performanceColumns<Row extends Figures>(): Column<Row>[] {
  return [
    { header: 'Visits completed', value: (r) => r.visitsCompleted },
    { header: 'Closed incomplete', value: (r) => r.visitsIncomplete },
    { header: 'First-time fix', value: (r) => r.firstTimeFixRate, show: (r) => percent(r.firstTimeFixRate) },
    { header: 'Arrivals', value: (r) => r.arrivals },
    { header: 'On time', value: (r) => r.onTimeRate, show: (r) => percent(r.onTimeRate) },
    { header: 'Overruns', value: (r) => r.overruns },
    { header: 'Average overrun (minutes)', value: (r) => r.averageOverrunMinutes, show: (r) => duration(r.averageOverrunMinutes) },
    { header: 'Surveys', value: (r) => r.surveys },
    { header: 'Average rating', value: (r) => r.averageRating, show: (r) => rating(r.averageRating) },
  ];
}

type Expert = ExpertPerformance['experts'][number];
const EXPERT_COLUMNS: Column<Expert>[] = [
  { header: 'Expert', value: (e) => e.name ?? e.expertId },
  { header: 'Expert id', value: (e) => e.expertId },
  { header: 'Service area', value: (e) => e.areas.join('; ') },
  { header: 'Skills', value: (e) => e.skills.join('; ') },
  ...performanceColumns<Expert>(),
];
type Area = ExpertPerformance['byArea'][number];
const AREA_COLUMNS: Column<Area>[] = [{ header: 'Service area', value: (a) => a.area }, { header: 'Experts', value: (a) => a.experts }, ...performanceColumns<Area>()];
type Skill = ExpertPerformance['bySkill'][number];
const SKILL_COLUMNS: Column<Skill>[] = [{ header: 'Skill', value: (s) => s.skill }, { header: 'Experts', value: (s) => s.experts }, ...performanceColumns<Skill>()];

/** Bars shown at most: the table and the CSV have every row. */
const MOST_BARS = 15;

const VISIT_SERIES = [
  { name: 'completed', label: 'Completed', color: 'green.8' },
  { name: 'incomplete', label: 'Closed incomplete', color: 'orange.8' },
  { name: 'overruns', label: 'Overran', color: 'red.8' },
];

function bars<Row extends Figures>(rows: readonly Row[], label: (row: Row) => string) {
  return rows.slice(0, MOST_BARS).map((r) => ({ who: label(r), completed: r.visitsCompleted, incomplete: r.visitsIncomplete, overruns: r.overruns }));
}

/** Experts' performance in the range: per expert, per service area, per skill. */
export function ExpertDashboards({ performance, fileSuffix }: { performance: ExpertPerformance; fileSuffix: string }) {
  const grace = performance.onTimeGraceMinutes;
  return (
    <Stack>
      <ChartPanel
        title="Expert performance"
        description={`Visits finished in the range (most first; the chart shows the first ${MOST_BARS}), arrivals on time (at most ${grace} minutes after the booked start), visits that ran past their booked end, and survey ratings of the tickets each expert worked on.`}
        fileName={`expert-performance_${fileSuffix}`}
        columns={EXPERT_COLUMNS}
        rows={performance.experts}
        empty="No expert finished a visit, arrived or was rated in this range."
        chart={<BarChart h={300} data={bars(performance.experts, (e) => e.name ?? e.expertId)} dataKey="who" type="stacked" withLegend series={VISIT_SERIES.slice(0, 2)} xAxisProps={{ interval: 0, angle: -30, textAnchor: 'end', height: 70, fontSize: 11 }} />}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartPanel
          title="Per service area"
          description="The experts' figures summed by the service area they have now."
          fileName={`performance-per-area_${fileSuffix}`}
          columns={AREA_COLUMNS}
          rows={performance.byArea}
          empty="Nothing in this range."
          chart={<BarChart h={260} data={bars(performance.byArea, (a) => a.area)} dataKey="who" withLegend series={VISIT_SERIES} xAxisProps={{ interval: 0, angle: -30, textAnchor: 'end', height: 80, fontSize: 11 }} />}
        />
        <ChartPanel
          title="Per skill"
          description="The experts' figures summed by skill (an expert counts in each of their skills)."
          fileName={`performance-per-skill_${fileSuffix}`}
          columns={SKILL_COLUMNS}
          rows={performance.bySkill}
          empty="Nothing in this range."
          chart={<BarChart h={260} data={bars(performance.bySkill, (s) => s.skill)} dataKey="who" withLegend series={VISIT_SERIES} xAxisProps={{ interval: 0, angle: -30, textAnchor: 'end', height: 80, fontSize: 11 }} />}
        />
      </SimpleGrid>
    </Stack>
  );
}
